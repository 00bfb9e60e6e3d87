/**
 * One lag-poll cycle at scale: many sink connectors' consumer groups, each with committed offsets on its own
 * topic. It measures the wall time of `SinkLagReader.lagOfSinks` and the Kafka requests it sends, and does the same
 * for `kafka-consumer-groups --describe --all-groups` run from the test bed's own Kafka jars, so the two sit side by
 * side. The lower bound is what a client batching per broker would send: one OffsetFetch (v8 carries
 * many groups) per group coordinator and one ListOffsets per partition leader and timestamp (latest, plus
 * earliest because the reader also reports log starts).
 *
 * Everything it creates carries a throwaway prefix and is deleted at the end: the broker is shared. Deletion is
 * asynchronous on the broker: it keeps about one open file per partition until file.delete.delay.ms (60 s) after
 * the topics are deleted, so two runs back to back hold ~2 × 10,000 files for a minute or so, which is the
 * whole open-files limit of a broker started under `ulimit -n 20000`. Leave a minute and a half between runs.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Admin } from "@platformatic/kafka";
import { SinkLagReader } from "../src/kafka/sink-lag-reader.js";
import { resolveJars } from "../test/kafka/test-bed.js";
import { uniqueName } from "../test/support/test-bed-env.js";
import { waitForLeaders, whileTopicsSettle } from "../test/support/test-kafka.js";
import { inLanes } from "./in-lanes.js";
import { produceEvenly, waitOutEarlierRuns } from "./sink-fixture.js";

const toolClass = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";

/** Requests by Kafka API name, spelled as in the protocol docs (OffsetFetch, ListOffsets, …). */
export type RequestCounts = Readonly<Record<string, number>>;

export interface LagPollOptions {
  /** The test bed's Kafka version: the CLI runs from the same jars. */
  readonly kafkaVersion: string;
  readonly sinks?: number;
  readonly partitionsPerTopic?: number;
  readonly messagesPerPartition?: number;
  /** Timed cycles (and timed CLI runs), each after one untimed one. */
  readonly runs?: number;
  /** Topic creation stops here and the benchmark runs at the scale reached, which the figures then say. */
  readonly creationBudgetMs?: number;
}

export interface Cycle {
  readonly ms: number;
  readonly requests: RequestCounts;
}

export interface CliFigures {
  /** `--list`: JVM start, Admin client bootstrap and one ListGroups; what the describe runs pay before working. */
  readonly listMs: readonly number[];
  readonly describeMs: readonly number[];
  /** Counted on one more (untimed) run with the client's NetworkClient logging at DEBUG. */
  readonly requests: RequestCounts;
  /** `--all-groups` takes every group on the broker, not only ours. */
  readonly groupsOnBroker: number;
  /** Rows the CLI printed for our groups' partitions, and the lag it summed over them: a cross-check. */
  readonly ourRows: number;
  readonly ourLag: number;
}

export interface LagPollFigures {
  readonly scale: {
    readonly sinksAsked: number;
    readonly sinks: number;
    readonly partitionsPerTopic: number;
    readonly partitions: number;
    readonly messagesPerPartition: number;
  };
  readonly setupMs: { readonly topics: number; readonly produce: number; readonly commits: number };
  /** Our cycle. */
  readonly reader: ReaderFigures;
  readonly cli: CliFigures | { readonly unavailable: string };
  readonly brokers: number;
  readonly bound: RequestCounts;
}

export interface ReaderFigures {
  /** A new reader's first cycle: it also connects and loads metadata for every topic. Untimed warm-up. */
  readonly firstCycle: Cycle;
  /** Later cycles of the same reader, as the app's long-lived reader polls. */
  readonly warmCycles: readonly Cycle[];
  readonly lag: { readonly expected: number; readonly read: number; readonly errors: number };
}

export async function measureLagPoll(
  bed: { bootstrapServers: string },
  options: LagPollOptions,
): Promise<LagPollFigures> {
  const sinksAsked = options.sinks ?? 1000;
  const partitionsPerTopic = options.partitionsPerTopic ?? 10;
  const messagesPerPartition = options.messagesPerPartition ?? 4;
  const runs = options.runs ?? 3;
  const creationBudgetMs = options.creationBudgetMs ?? 180_000;

  await waitOutEarlierRuns(bed.bootstrapServers);
  const prefix = uniqueName("bench-lag");
  const admin = new Admin({
    clientId: "connect-ops-bench",
    bootstrapBrokers: [bed.bootstrapServers],
    timeout: 60_000,
  });
  const topics: string[] = [];
  const groups: string[] = [];
  try {
    // 1. Topics, in batches, until all exist or the budget is spent.
    let started = performance.now();
    for (let i = 0; i < sinksAsked && performance.now() - started < creationBudgetMs; i += 50) {
      const batch = Array.from({ length: Math.min(50, sinksAsked - i) }, (_, j) => `${prefix}-t-${i + j}`);
      topics.push(...batch);
      await admin.createTopics({ topics: batch, partitions: partitionsPerTopic, replicas: 1 });
      await waitForLeaders(admin, batch);
    }
    const topicsMs = performance.now() - started;
    const sinks = topics.map((topic, i) => ({ name: `${prefix}-sink-${i}`, config: { topics: topic } }));

    // 2. A few messages per partition, many topics per Produce request.
    started = performance.now();
    await produceEvenly(bed.bootstrapServers, admin, topics, partitionsPerTopic, messagesPerPartition);
    const produceMs = performance.now() - started;

    // 3. Committed offsets, partition p behind the log end by p % 3: lag is non-zero and known in advance.
    // An admin OffsetCommit per group leaves an Empty group holding offsets, as a stopped Connect sink does.
    const committedOffset = (partition: number) => messagesPerPartition - (partition % 3);
    started = performance.now();
    await inLanes(sinks, 16, async (sink) => {
      const groupId = `connect-${sink.name}`;
      groups.push(groupId);
      await whileTopicsSettle(`committing ${groupId}'s offsets`, () =>
        admin.alterConsumerGroupOffsets({
          groupId,
          topics: [
            {
              name: sink.config.topics,
              partitionOffsets: Array.from({ length: partitionsPerTopic }, (_, partition) => ({
                partition,
                offset: BigInt(committedOffset(partition)),
              })),
            },
          ],
        }),
      );
    });
    const commitsMs = performance.now() - started;
    const expectedLag =
      topics.length *
      Array.from({ length: partitionsPerTopic }, (_, p) => messagesPerPartition - committedOffset(p)).reduce(
        (sum, lag) => sum + lag,
        0,
      );

    // 4. Our cycle: the first on a new reader (warm-up, reported apart), then `runs` timed ones.
    const reader = await measureReader(bed.bootstrapServers, sinks, expectedLag, runs);

    // 5. The CLI, from the same jars.
    const cli = await measureCli(bed.bootstrapServers, options.kafkaVersion, prefix, runs).catch(
      (error: unknown) => ({ unavailable: error instanceof Error ? error.message : String(error) }),
    );

    // 6. The bound. Every partition has one leader and every group one coordinator, both among the brokers:
    // with one broker (the test bed) that is exactly one OffsetFetch and two ListOffsets.
    const brokers = (await admin.metadata({ topics: [] })).brokers.size;
    return {
      scale: {
        sinksAsked,
        sinks: sinks.length,
        partitionsPerTopic,
        partitions: sinks.length * partitionsPerTopic,
        messagesPerPartition,
      },
      setupMs: { topics: topicsMs, produce: produceMs, commits: commitsMs },
      reader,
      cli,
      brokers,
      bound: { OffsetFetch: brokers, ListOffsets: 2 * brokers },
    };
  } finally {
    // Groups first: deleting a group needs no topic, and a failure here must not keep the topics around.
    for (let i = 0; i < groups.length; i += 100) {
      await admin.deleteGroups({ groups: groups.slice(i, i + 100) }).catch((error: unknown) => {
        console.warn(`lag-poll: could not delete groups ${prefix}-*: ${String(error)}`);
      });
    }
    for (let i = 0; i < topics.length; i += 100) {
      await admin.deleteTopics({ topics: topics.slice(i, i + 100) }).catch((error: unknown) => {
        console.warn(`lag-poll: could not delete topics ${prefix}-*: ${String(error)}`);
      });
    }
    await admin.close();
  }
}

/** One reader on the sinks: a first cycle, then `runs` more on the same reader. */
async function measureReader(
  bootstrapServers: string,
  sinks: readonly { name: string; config: { topics: string } }[],
  expectedLag: number,
  runs: number,
): Promise<ReaderFigures> {
  let counts = new Map<string, number>();
  const reader = new SinkLagReader({
    brokers: [bootstrapServers],
    onRequest: (api) => counts.set(api, (counts.get(api) ?? 0) + 1),
  });
  const cycles: Cycle[] = [];
  let lag = { expected: expectedLag, read: 0, errors: 0 };
  try {
    for (let i = 0; i <= runs; i++) {
      counts = new Map();
      const cycleStart = performance.now();
      const result = await reader.lagOfSinks(sinks);
      cycles.push({ ms: performance.now() - cycleStart, requests: Object.fromEntries(counts) });
      const values = [...result.values()];
      lag = {
        expected: expectedLag,
        read: values.reduce((sum, value) => sum + (value instanceof Error ? 0 : value.total), 0),
        errors: values.filter((value) => value instanceof Error).length,
      };
    }
  } finally {
    await reader.close();
  }
  const [firstCycle, ...warmCycles] = cycles;
  if (firstCycle === undefined) throw new Error("no cycle ran");
  return { firstCycle, warmCycles, lag };
}

/** The total of a request tally. */
export function requestTotal(counts: RequestCounts): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/**
 * `kafka-consumer-groups` is a shell wrapper around one Java class; running the class with the test bed's
 * classpath (which includes kafka-tools) is the same program from the same jars, minus the script.
 */
async function measureCli(bootstrapServers: string, kafkaVersion: string, prefix: string, runs: number) {
  const dir = await mkdtemp(join(tmpdir(), "bench-lag-poll-"));
  try {
    const classpath = await toolsClasspath(kafkaVersion, dir);
    // The script's own logging: warnings only, to stderr. The counting run adds the NetworkClient's DEBUG
    // line "Sending <API> request …", written once per request sent (ApiVersions included).
    const quiet = join(dir, "quiet.properties");
    const counting = join(dir, "counting.properties");
    const base = [
      "status = warn",
      "appender.err.type = Console",
      "appender.err.name = STDERR",
      "appender.err.target = SYSTEM_ERR",
      "appender.err.layout.type = PatternLayout",
      "appender.err.layout.pattern = %m%n",
      "rootLogger.level = WARN",
      "rootLogger.appenderRef.err.ref = STDERR",
    ];
    await writeFile(quiet, `${base.join("\n")}\n`);
    await writeFile(
      counting,
      `${[...base, "logger.net.name = org.apache.kafka.clients.NetworkClient", "logger.net.level = DEBUG"].join("\n")}\n`,
    );
    const tool = (logConfig: string, ...args: string[]) =>
      runTool(classpath, logConfig, ["--bootstrap-server", bootstrapServers, ...args]);

    const listMs: number[] = [];
    let groupsOnBroker = 0;
    for (let i = 0; i < runs; i++) {
      const list = await tool(quiet, "--list");
      listMs.push(list.ms);
      groupsOnBroker = list.stdout.split("\n").filter((line) => line.trim() !== "").length;
    }
    // The counting run also warms the page cache for the timed runs.
    const counted = await tool(counting, "--describe", "--all-groups");
    const describeMs: number[] = [];
    let stdout = counted.stdout;
    for (let i = 0; i < runs; i++) {
      const described = await tool(quiet, "--describe", "--all-groups");
      describeMs.push(described.ms);
      stdout = described.stdout;
    }
    // Rows: GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID.
    const ourRows = stdout
      .split("\n")
      .filter((line) => line.startsWith(`connect-${prefix}-`))
      .map((line) => line.trim().split(/\s+/));
    const ourLag = ourRows.reduce((sum, columns) => sum + (Number(columns[5]) || 0), 0);
    return {
      listMs,
      describeMs,
      requests: counted.requests,
      groupsOnBroker,
      ourRows: ourRows.length,
      ourLag,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The test bed's own classpath (its resolver, so the same jars and plugin versions; cached by then). */
async function toolsClasspath(kafkaVersion: string, dir: string): Promise<string> {
  const { classpath } = await resolveJars(kafkaVersion, dir);
  if (!classpath.split(":").some((jar) => /[/\\]kafka-tools-[^/\\]+\.jar$/.test(jar))) {
    throw new Error(`kafka-tools ${kafkaVersion} is not on the test bed's classpath`);
  }
  return classpath;
}

/** Runs the tool in a new JVM (as the script does: its default -Xmx256m), timing it from spawn to exit. */
async function runTool(classpath: string, logConfig: string, args: readonly string[]) {
  const started = performance.now();
  const child = spawn("java", ["-Xmx256m", `-Dlog4j2.configurationFile=${logConfig}`, toolClass, ...args], {
    env: { ...process.env, CLASSPATH: classpath },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 180_000);
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  const requests = new Map<string, number>();
  const lastLines: string[] = [];
  createInterface({ input: child.stderr }).on("line", (line) => {
    const sent = / Sending ([A-Z_]+) request with header /.exec(line)?.[1];
    if (sent !== undefined) {
      const api = apiName(sent);
      requests.set(api, (requests.get(api) ?? 0) + 1);
    } else {
      lastLines.push(line);
      if (lastLines.length > 20) lastLines.shift();
    }
  });
  const [code] = (await once(child, "close")) as [number | null];
  clearTimeout(killer);
  const ms = performance.now() - started;
  if (code !== 0)
    throw new Error(`${toolClass} ${args.join(" ")} exited with ${code}: ${lastLines.join("\n")}`);
  return { ms, stdout, requests: Object.fromEntries(requests) as RequestCounts };
}

/** OFFSET_FETCH → OffsetFetch: the Java client's enum names, spelled as the protocol docs do. */
function apiName(javaName: string): string {
  return javaName
    .toLowerCase()
    .split("_")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}
