import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, Socket } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

/** A running single-node KRaft broker and a distributed Connect worker, started from Maven Central jars. */
export interface TestBed {
  readonly kafkaVersion: string;
  readonly bootstrapServers: string;
  readonly connectUrl: string;
  readonly workDir: string;
  readonly logFiles: readonly string[];
  stop(): Promise<void>;
}

export interface TestBedOptions {
  kafkaVersion: string;
  workDir: string;
  log?: (line: string) => void;
}

/** The JVM flags that point Kafka 4.x (Log4j2) and 3.x (reload4j) at the test bed's quiet logging config. */
export const logging = [
  `-Dlog4j2.configurationFile=${join(here, "log4j2.properties")}`,
  `-Dlog4j.configuration=file:${join(here, "log4j.properties")}`,
];

/** Small heaps and a serial collector: the machine has 2 cores and also runs the Node test processes. */
const jvmFlags = ["-Xms128m", "-Xmx768m", "-XX:+UseSerialGC", "-Djava.awt.headless=true"];

export async function startTestBed(options: TestBedOptions): Promise<TestBed> {
  const log = options.log ?? (() => {});
  const workDir = resolve(options.workDir);
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });

  const started = Date.now();
  const { classpath, pluginDir } = await resolveJars(options.kafkaVersion, workDir);
  log(`jars for Kafka ${options.kafkaVersion} resolved in ${Date.now() - started} ms`);

  const { brokerPort, controllerPort, connectPort } = await freePorts([
    "brokerPort",
    "controllerPort",
    "connectPort",
  ]);
  const bootstrapServers = `127.0.0.1:${brokerPort}`;
  const connectUrl = `http://127.0.0.1:${connectPort}`;
  const processes: ChildProcess[] = [];
  const logFiles: string[] = [];
  const stop = async () => {
    for (const child of processes.reverse()) await terminate(child);
  };

  try {
    const brokerConfig = join(workDir, "broker.properties");
    await writeFile(brokerConfig, brokerProperties(brokerPort, controllerPort, join(workDir, "kafka-data")));
    const clusterId = randomBytes(16).toString("base64url");
    await run("java", [
      ...logging,
      "-cp",
      classpath,
      "kafka.tools.StorageTool",
      "format",
      "-t",
      clusterId,
      "-c",
      brokerConfig,
    ]);

    const brokerLog = join(workDir, "broker.log");
    logFiles.push(brokerLog);
    processes.push(startJava([...logging, "kafka.Kafka", brokerConfig], classpath, brokerLog));
    await waitFor("Kafka broker", brokerLog, () => canConnect(brokerPort), processes[0]);
    log(`broker ready on ${bootstrapServers} after ${Date.now() - started} ms`);

    const workerConfig = join(workDir, "connect-distributed.properties");
    await writeFile(workerConfig, workerProperties(bootstrapServers, connectPort, pluginDir));
    const connectLog = join(workDir, "connect.log");
    logFiles.push(connectLog);
    const worker = startJava(
      [...logging, "org.apache.kafka.connect.cli.ConnectDistributed", workerConfig],
      classpath,
      connectLog,
    );
    processes.push(worker);
    await waitFor("Connect worker", connectLog, () => connectReady(connectUrl), worker);
    log(`Connect worker ready on ${connectUrl} after ${Date.now() - started} ms`);
  } catch (error) {
    await stop();
    throw error;
  }

  return { kafkaVersion: options.kafkaVersion, bootstrapServers, connectUrl, workDir, logFiles, stop };
}

/**
 * Maven resolves the jars (downloading them on the first run only). connect-file is a plugin: it goes on
 * plugin.path in its own folder, not on the worker's classpath, as in a real deployment.
 */
export async function resolveJars(kafkaVersion: string, workDir: string) {
  const classpathFile = join(workDir, "classpath.txt");
  await run(
    "mvn",
    [
      "-q",
      "-B",
      "-f",
      join(here, "pom.xml"),
      "dependency:build-classpath",
      `-Dkafka.version=${kafkaVersion}`,
      `-Dmdep.outputFile=${classpathFile}`,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const jars = (await readFile(classpathFile, "utf8")).trim().split(":");
  const isFilePlugin = (jar: string) => /[/\\]connect-file-[^/\\]+\.jar$/.test(jar);
  const pluginDir = join(workDir, "plugins");
  const fileConnectorDir = join(pluginDir, "connect-file");
  await mkdir(fileConnectorDir, { recursive: true });
  for (const jar of jars.filter(isFilePlugin)) await symlink(jar, join(fileConnectorDir, "connect-file.jar"));
  return { classpath: jars.filter((jar) => !isFilePlugin(jar)).join(":"), pluginDir };
}

function brokerProperties(brokerPort: number, controllerPort: number, dataDir: string): string {
  return properties({
    "process.roles": "broker,controller",
    "node.id": "1",
    "controller.quorum.voters": `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    "advertised.listeners": `PLAINTEXT://127.0.0.1:${brokerPort}`,
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "log.dirs": dataDir,
    "num.partitions": "1",
    // A single node: every internal topic must have one replica, or consumers loop on "coordinator not available".
    "offsets.topic.replication.factor": "1",
    "offsets.topic.num.partitions": "5",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
    "share.coordinator.state.topic.replication.factor": "1",
    "share.coordinator.state.topic.min.isr": "1",
    "group.initial.rebalance.delay.ms": "0",
  });
}

function workerProperties(bootstrapServers: string, port: number, pluginDir: string): string {
  return properties({
    "bootstrap.servers": bootstrapServers,
    "group.id": "connect-ops-test-bed",
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    "config.storage.topic": "_connect-configs",
    "offset.storage.topic": "_connect-offsets",
    "status.storage.topic": "_connect-status",
    "config.storage.replication.factor": "1",
    "offset.storage.replication.factor": "1",
    "offset.storage.partitions": "5",
    "status.storage.replication.factor": "1",
    "status.storage.partitions": "1",
    // Commit offsets every second instead of every minute, so tests see them quickly.
    "offset.flush.interval.ms": "1000",
    listeners: `http://127.0.0.1:${port}`,
    "rest.advertised.host.name": "127.0.0.1",
    "rest.advertised.port": String(port),
    "plugin.path": pluginDir,
    "connector.client.config.override.policy": "All",
    "scheduled.rebalance.max.delay.ms": "0",
  });
}

export function properties(entries: Record<string, string>): string {
  return `${Object.entries(entries)
    .map(([key, value]) => `${key}=${value}`)
    .join("\n")}\n`;
}

export function startJava(args: string[], classpath: string, logFile: string): ChildProcess {
  const out = createWriteStream(logFile);
  // The classpath goes through the environment: it is longer than is comfortable on a command line.
  const child = spawn("java", [...jvmFlags, ...args], {
    env: { ...process.env, CLASSPATH: classpath },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

export async function waitFor(
  what: string,
  logFile: string,
  ready: () => Promise<boolean>,
  child: ChildProcess | undefined,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child?.exitCode !== null && child?.exitCode !== undefined) {
      throw new Error(`${what} exited with code ${child.exitCode} before it was ready; see ${logFile}`);
    }
    if (await ready()) return;
    await sleep(250);
  }
  throw new Error(`${what} was not ready after ${timeoutMs / 1000} s; see ${logFile}`);
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = new Socket();
    socket.once("connect", () => {
      socket.destroy();
      resolveConnect(true);
    });
    socket.once("error", () => resolveConnect(false));
    socket.connect(port, "127.0.0.1");
  });
}

/** `GET /health` (3.9+) answers 200 once the worker has joined its group and read its config topic. */
async function connectReady(connectUrl: string): Promise<boolean> {
  try {
    const health = await fetch(`${connectUrl}/health`, { signal: AbortSignal.timeout(2000) });
    if (health.status !== 404) return health.ok;
    const connectors = await fetch(`${connectUrl}/connectors`, { signal: AbortSignal.timeout(2000) });
    return connectors.ok;
  } catch {
    return false;
  }
}

export async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Ports the kernel has just handed out, all held open at once so that no two names get the same port. */
export async function freePorts<Name extends string>(names: readonly Name[]): Promise<Record<Name, number>> {
  const servers = await Promise.all(
    names.map(async () => {
      const server = createServer();
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
      return server;
    }),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no TCP port assigned");
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  return Object.fromEntries(names.map((name, i) => [name, ports[i]])) as Record<Name, number>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
