import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { closeSync, openSync } from "node:fs";
import { mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, Socket } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

/**
 * A running single-node KRaft broker and a distributed Connect cluster (one worker unless asked for more), started
 * from Maven Central jars.
 */
export interface TestBed {
  readonly kafkaVersion: string;
  readonly bootstrapServers: string;
  /** The first worker's REST address. */
  readonly connectUrl: string;
  /** Every worker of the group, in start order. */
  readonly workers: readonly ConnectWorker[];
  readonly workDir: string;
  readonly logFiles: readonly string[];
  stop(): Promise<void>;
}

export interface TestBedOptions {
  kafkaVersion: string;
  workDir: string;
  /** Connect workers in the one group. @defaultValue 1 */
  workers?: number;
  /** Worker settings that replace the bed's own (workerProperties), e.g. `scheduled.rebalance.max.delay.ms`. */
  workerSettings?: Readonly<Record<string, string>>;
  log?: (line: string) => void;
}

/**
 * One distributed Connect worker of a group: its own REST port, the group's `group.id` and internal topics. A test
 * kills it (SIGKILL: no shutdown, so its connectors and tasks are lost until the group notices it is gone and
 * the scheduled rebalance delay passes) and starts it again with the same config, port and worker id.
 */
export interface ConnectWorker {
  readonly url: string;
  /** `127.0.0.1:<port>`, as Connect names it in a status's `worker_id`. */
  readonly workerId: string;
  readonly logFile: string;
  /** Whether its JVM was started and not killed or stopped since. */
  readonly running: boolean;
  /**
   * SIGKILLs the JVM (and its watchdog): resolves once it has exited. Its connectors and tasks keep reporting
   * RUNNING on it (nobody writes their status) until the group's session timeout and then
   * `scheduled.rebalance.max.delay.ms` have passed and another worker takes them (checked on 4.4).
   */
  kill(): Promise<void>;
  /** SIGTERM: the worker leaves the group, which hands its connectors and tasks to the others at once. */
  stop(): Promise<void>;
  /** Starts it again; resolves once it answers REST calls as a member of the group. Throws if it is running. */
  start(): Promise<void>;
}

/** A group of Connect workers on a broker: the bed's own, or one a test starts beside it. */
export interface ConnectCluster {
  readonly groupId: string;
  readonly workers: readonly ConnectWorker[];
  readonly logFiles: readonly string[];
  /** Stops every worker still running (SIGTERM, then SIGKILL after 15 s). */
  stop(): Promise<void>;
}

export interface ConnectClusterOptions {
  readonly bootstrapServers: string;
  /** From {@link resolveJars}. */
  readonly classpath: string;
  readonly pluginDir: string;
  readonly workDir: string;
  readonly workers: number;
  /** `group.id`; the internal topics are named after it (`_<groupId>-configs`…) unless it is the bed's own. */
  readonly groupId: string;
  readonly settings?: Readonly<Record<string, string>>;
}

/** The JVM flags that point Kafka 4.x (Log4j2) and 3.x (reload4j) at the test bed's quiet logging config. */
export const logging = [
  `-Dlog4j2.configurationFile=${join(here, "log4j2.properties")}`,
  `-Dlog4j.configuration=file:${join(here, "log4j.properties")}`,
];
/** The newest Kafka release on Maven Central when this was written; KAFKA_VERSION picks another. */
export const defaultKafkaVersion = "4.4.0";

/**
 * Releases whose connect-file and connect-basic-auth-extension jars Maven Central lacks → the newest release that
 * has them.
 */
const pluginJarVersions: Readonly<Record<string, string>> = { "4.4.0": "4.3.1" };

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

  const { brokerPort, controllerPort } = await freePorts(["brokerPort", "controllerPort"]);
  const bootstrapServers = `127.0.0.1:${brokerPort}`;
  const processes: ChildProcess[] = [];
  const logFiles: string[] = [];
  let cluster: ConnectCluster | undefined;
  const stop = async () => {
    await cluster?.stop();
    for (const child of processes.reverse()) await terminate(child);
  };
  // However this process ends (an uncaught error, process.exit in a signal handler), its JVMs end with it;
  // a SIGKILL is covered by the watchdog in startJava.
  const killOnExit = () => {
    for (const child of processes) killGroup(child, "SIGTERM");
  };
  process.once("exit", killOnExit);

  try {
    const brokerConfig = join(workDir, "broker.properties");
    await writeFile(brokerConfig, brokerProperties(brokerPort, controllerPort, join(workDir, "kafka-data")));
    await formatStorage(classpath, kraftClusterId(), brokerConfig, logging);

    const brokerLog = join(workDir, "broker.log");
    logFiles.push(brokerLog);
    processes.push(startJava([...logging, "kafka.Kafka", brokerConfig], classpath, brokerLog));
    await waitFor("Kafka broker", brokerLog, () => canConnect(brokerPort), processes[0]);
    log(`broker ready on ${bootstrapServers} after ${Date.now() - started} ms`);

    cluster = await startConnectCluster({
      bootstrapServers,
      classpath,
      pluginDir,
      workDir,
      workers: options.workers ?? 1,
      groupId: bedGroupId,
      ...(options.workerSettings === undefined ? {} : { settings: options.workerSettings }),
    });
    logFiles.push(...cluster.logFiles);
    log(
      `Connect worker${cluster.workers.length === 1 ? "" : "s"} ready on ${cluster.workers.map((w) => w.url).join(", ")} after ${Date.now() - started} ms`,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const workers = cluster.workers;
  const first = workers[0];
  if (first === undefined) throw new Error("a Connect cluster needs at least one worker");

  return {
    kafkaVersion: options.kafkaVersion,
    bootstrapServers,
    connectUrl: first.url,
    workers,
    workDir,
    logFiles,
    stop: async () => {
      await stop();
      process.off("exit", killOnExit);
    },
  };
}

/** The bed's own group: its internal topics keep the names they had before groups could be started beside it. */
const bedGroupId = "connect-ops-test-bed";

/**
 * Starts `workers` distributed Connect workers in one group on a running broker, all at once, and resolves when
 * every one answers as a member (GET /health on 3.9+, GET /connectors before). Each has its own REST port and log
 * (`connect.log` for a lone worker, `connect-<n>.log` in a group). A test that needs a group of its own starts one
 * on the shared broker with a new `groupId`: only the workers are new JVMs, not a broker.
 */
export async function startConnectCluster(options: ConnectClusterOptions): Promise<ConnectCluster> {
  if (options.workers < 1) throw new Error("a Connect cluster needs at least one worker");
  await mkdir(options.workDir, { recursive: true });
  const names = Array.from({ length: options.workers }, (_, i) => `worker${i}`);
  const ports = await freePorts(names);
  const topics = options.groupId === bedGroupId ? "_connect" : `_${options.groupId}`;
  const workers = names.map((name, i) => {
    const port = ports[name] ?? 0;
    const suffix = options.workers === 1 ? "" : `-${i}`;
    return new BedWorker(port, {
      classpath: options.classpath,
      config: join(options.workDir, `connect-distributed${suffix}.properties`),
      properties: workerProperties(options.bootstrapServers, port, options.pluginDir, {
        "group.id": options.groupId,
        "config.storage.topic": `${topics}-configs`,
        "offset.storage.topic": `${topics}-offsets`,
        "status.storage.topic": `${topics}-status`,
        ...options.settings,
      }),
      logFile: join(options.workDir, `connect${suffix}.log`),
    });
  });
  const stop = async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
  };
  const killOnExit = () => {
    for (const worker of workers) worker.signal("SIGTERM");
  };
  process.once("exit", killOnExit);
  try {
    await Promise.all(workers.map((worker) => worker.start()));
  } catch (error) {
    await stop();
    process.off("exit", killOnExit);
    throw error;
  }
  return {
    groupId: options.groupId,
    workers,
    logFiles: workers.map((worker) => worker.logFile),
    stop: async () => {
      await stop();
      process.off("exit", killOnExit);
    },
  };
}

/** One worker's JVM, started again with the same config file whenever a test asks. */
class BedWorker implements ConnectWorker {
  readonly url: string;
  readonly workerId: string;
  readonly logFile: string;
  readonly #classpath: string;
  readonly #config: string;
  readonly #properties: string;
  #child: ChildProcess | undefined;

  constructor(
    port: number,
    files: { classpath: string; config: string; properties: string; logFile: string },
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.workerId = `127.0.0.1:${port}`;
    this.logFile = files.logFile;
    this.#classpath = files.classpath;
    this.#config = files.config;
    this.#properties = files.properties;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`worker ${this.workerId} is already running`);
    await writeFile(this.#config, this.#properties);
    const child = startJava(
      [...logging, "org.apache.kafka.connect.cli.ConnectDistributed", this.#config],
      this.#classpath,
      this.logFile,
    );
    this.#child = child;
    await waitFor(`Connect worker ${this.workerId}`, this.logFile, () => connectReady(this.url), child);
  }

  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined || !this.running) return;
    const exited = once(child, "exit");
    killGroup(child, "SIGKILL");
    await exited;
    child.stdin?.destroy();
  }

  async stop(): Promise<void> {
    if (this.#child !== undefined) await terminate(this.#child);
  }

  signal(signal: NodeJS.Signals): void {
    if (this.#child !== undefined) killGroup(this.#child, signal);
  }
}

/**
 * A random KRaft cluster id (16 bytes, base64url, as `kafka-storage random-uuid` prints). Like Kafka's own
 * `Uuid.randomUuid`, it never starts with `-`: such an id is valid, but a command line reads it as an option.
 */
export function kraftClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

/**
 * `kafka-storage format`. The id goes in `--cluster-id=<id>` form, so that no id, whatever it starts with, can be
 * read as an option (with `-t <id>`, an id starting with `-` failed about one start in 64).
 */
export async function formatStorage(
  classpath: string,
  clusterId: string,
  brokerConfig: string,
  jvmArgs: readonly string[] = [],
): Promise<void> {
  await run("java", [
    ...jvmArgs,
    "-cp",
    classpath,
    "kafka.tools.StorageTool",
    "format",
    `--cluster-id=${clusterId}`,
    `--config=${brokerConfig}`,
  ]);
}

/**
 * Maven resolves the jars (downloading them on the first run only). connect-file is a plugin: it goes on
 * plugin.path in its own folder, not on the worker's classpath, as in a real deployment. `secured` adds Connect's
 * basic-auth REST extension, for the secured bed's worker.
 */
export async function resolveJars(
  kafkaVersion: string,
  workDir: string,
  options: { secured?: boolean } = {},
) {
  const classpathFile = join(workDir, "classpath.txt");
  await run(
    "mvn",
    [
      "-q",
      "-B",
      "-f",
      join(here, "pom.xml"),
      "dependency:build-classpath",
      // Kafka 3.x logs through reload4j, 4.x through Log4j2: the pom has one profile for each.
      `-Pkafka-${kafkaVersion.split(".")[0]}${options.secured === true ? ",secured" : ""}`,
      `-Dkafka.version=${kafkaVersion}`,
      `-Dconnect-file.version=${pluginJarVersions[kafkaVersion] ?? kafkaVersion}`,
      `-Dconnect-basic-auth.version=${pluginJarVersions[kafkaVersion] ?? kafkaVersion}`,
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
  const classpath = jars.filter((jar) => !isFilePlugin(jar)).join(":");
  if (pluginJarVersions[kafkaVersion] === undefined) return { classpath, pluginDir };
  // The older basic-auth extension is on the worker's classpath: it needs the shim there too.
  const shim = await addAppInfoShim(fileConnectorDir, workDir, classpath);
  return { classpath: `${classpath}:${shim}`, pluginDir };
}

/**
 * Kafka 4.4 moved `AppInfoParser` to `org.apache.kafka.common.utils.internals`, and an older connect-file calls
 * the old class from its `version()`: without it the worker answers 500 to any request that loads the plugin.
 * The shim (the old name, delegating to the new one) goes in the plugin's own folder, where Connect's plugin class
 * loader finds it, and on the worker's classpath for the basic-auth extension; returns its path.
 */
async function addAppInfoShim(pluginFolder: string, workDir: string, classpath: string): Promise<string> {
  const sources = join(workDir, "shim-src", "org", "apache", "kafka", "common", "utils");
  const classes = join(workDir, "shim-classes");
  await mkdir(sources, { recursive: true });
  await writeFile(
    join(sources, "AppInfoParser.java"),
    `package org.apache.kafka.common.utils;
public final class AppInfoParser {
  private AppInfoParser() {}
  public static String getVersion() { return org.apache.kafka.common.utils.internals.AppInfoParser.getVersion(); }
  public static String getCommitId() { return org.apache.kafka.common.utils.internals.AppInfoParser.getCommitId(); }
}
`,
  );
  await run("javac", ["-d", classes, "-cp", classpath, join(sources, "AppInfoParser.java")]);
  const shim = join(pluginFolder, "app-info-shim.jar");
  await run("jar", ["cf", shim, "-C", classes, "."]);
  return shim;
}

export function brokerProperties(brokerPort: number, controllerPort: number, dataDir: string): string {
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
    // A deleted topic's files stay open for a minute by default: a benchmark that deletes thousands of
    // partitions and creates as many again would meet the open-file limit.
    "file.delete.delay.ms": "1000",
  });
}

function workerProperties(
  bootstrapServers: string,
  port: number,
  pluginDir: string,
  overrides: Readonly<Record<string, string>>,
): string {
  return properties({
    "bootstrap.servers": bootstrapServers,
    "group.id": bedGroupId,
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
    ...overrides,
  });
}

export function properties(entries: Record<string, string>): string {
  return `${Object.entries(entries)
    .map(([key, value]) => `${key}=${value}`)
    .join("\n")}\n`;
}

/**
 * The JVM runs under a small shell watchdog, as the leader of its own process group: `terminate` signals the
 * whole group, and when this Node process dies in any way (even SIGKILL) the watchdog sees its stdin pipe close
 * and stops the JVM, so no broker or worker outlives the process that started it. (The pipe is kept as fd 3: a
 * background job's stdin is /dev/null in a non-interactive shell.)
 */
const watchdog = `exec 3<&0
java "$@" </dev/null 3<&- & pid=$!
trap 'kill -TERM $pid 2>/dev/null' TERM INT HUP
( cat <&3 >/dev/null; kill -TERM $pid 2>/dev/null ) &
while kill -0 $pid 2>/dev/null; do wait $pid; status=$?; done
exit $status`;

export function startJava(args: string[], classpath: string, logFile: string): ChildProcess {
  // The JVM writes its log itself: it must not depend on this process being alive to read a pipe.
  const out = openSync(logFile, "a");
  // The classpath goes through the environment: it is longer than is comfortable on a command line.
  const child = spawn("sh", ["-c", watchdog, "java-watchdog", ...jvmFlags, ...args], {
    env: { ...process.env, CLASSPATH: classpath },
    stdio: ["pipe", out, out],
    detached: true,
  });
  closeSync(out);
  return child;
}

/** Signals every process of the child's group (the watchdog, its JVM); a group already gone is not an error. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group has exited meanwhile.
  }
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
  killGroup(child, "SIGTERM");
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
  // The watchdog's stdin watcher ends with the pipe.
  child.stdin?.destroy();
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
