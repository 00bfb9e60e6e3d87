/**
 * Topics of the kinds real sinks read, made on the shared test bed: compacted (CDC-like, compaction really run),
 * transactional (committed, aborted, and one transaction left open), with deleted records (log start > 0), and
 * sinks that pick their topics with Java's `topics.regex`.
 *
 * The records are written by the test helpers of test-kafka.ts (an idempotent producer, real transactions, an
 * admin DeleteRecords). Every fixture checks what it made, independently of the bot's code: the offsets are read
 * with an admin ListOffsets and the records left are counted by a consumer, not by the lag reader under test.
 */
import { join } from "node:path";
import {
  Consumer,
  FetchIsolationLevels,
  MessagesStreamModes,
  stringDeserializers,
} from "@platformatic/kafka";
import { eventually, testBed, uniqueName } from "./test-bed-env.js";
import {
  createTopics,
  deleteRecordsBelow,
  inTransaction,
  logOffsets,
  type OpenTransaction,
  produce,
  type TestKafka,
  topicConfigs,
} from "./test-kafka.js";

export type { OpenTransaction } from "./test-kafka.js";

/** A topic's partition 0 as the broker holds it: where its log starts and ends, and the records left between. */
export interface PartitionContents {
  readonly logStart: number;
  readonly logEnd: number;
  /** Records a read_uncommitted consumer receives from the log start: control records and gaps not counted. */
  readonly records: number;
}

/**
 * A compacted topic of one partition, as change data capture leaves it: `updates` updates spread over `keys`
 * keys, then one more record, and the broker's log cleaner run over all but that last one, so that offsets
 * 0 … `updates` hold only `keys` + 1 records (offsets with gaps). Each tenth of the updates is written with a
 * timestamp a second later than the last, and `segment.ms` is 100 ms, so every tenth rolls a segment (a segment
 * rolls on its records' timestamps): the cleaner then finds closed segments within its 15 s back-off, no sleep.
 * @returns the topic and its contents once the cleaner has run (up to 90 s)
 */
export async function compactedTopic(
  kafka: TestKafka,
  options: { readonly keys: number; readonly updates: number; readonly prefix?: string },
): Promise<{ readonly topic: string } & PartitionContents> {
  const topic = uniqueName(options.prefix ?? "cdc");
  await createTopic(kafka, topic, {
    "cleanup.policy": "compact",
    "segment.ms": "100",
    "min.cleanable.dirty.ratio": "0.01",
    "min.compaction.lag.ms": "0",
    "delete.retention.ms": "100",
  });
  const startedAt = Date.now() - 60_000;
  const tenth = Math.max(1, Math.ceil(options.updates / 10));
  const updates = Array.from({ length: options.updates }, (_, i) => ({
    key: `key-${i % options.keys}`,
    value: `update-${i}`,
    partition: 0,
    timestamp: String(startedAt + Math.floor(i / tenth) * 1_000),
  }));
  await produce(kafka, topic, updates);
  // The last record, later still: it rolls the segment holding the last updates and stays in the active one.
  await produce(kafka, topic, [
    { key: "last", value: "last", partition: 0, timestamp: String(startedAt + 11_000) },
  ]);
  const expected = options.keys + 1;
  const contents = await eventually(
    `the log cleaner to compact ${topic} to ${expected} records`,
    async () => {
      const now = await partitionContents(kafka, topic);
      return now.records <= expected ? now : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 2_000 },
  );
  return { topic, ...contents };
}

/** How a transaction of {@link transactionalTopic} ends: committed, aborted, or left open. */
export type TransactionEnd = "commit" | "abort" | "open";

/**
 * A topic of one partition written in transactions, one after the other, each of `records` records and ending as
 * its entry says. Each committed or aborted transaction leaves a control record (its marker) after its records;
 * an open one has none yet, and holds the last stable offset at its first record until it ends. At most one
 * transaction may be left open, and it must be the last.
 * @returns the topic, its log end (the high watermark) and last stable offset now, and the open transaction if
 * there is one
 */
export async function transactionalTopic(
  kafka: TestKafka,
  transactions: readonly { readonly records: number; readonly end: TransactionEnd }[],
  prefix = "txn",
): Promise<{
  readonly topic: string;
  readonly logEnd: number;
  readonly lastStable: number;
  readonly open?: OpenTransaction;
}> {
  const opened = transactions.findIndex((t) => t.end === "open");
  if (opened !== -1 && opened !== transactions.length - 1)
    throw new Error("only the last transaction may be left open");
  const topic = uniqueName(prefix);
  await createTopic(kafka, topic, {});
  let offset = 0;
  let lastStable = 0;
  let open: OpenTransaction | undefined;
  for (const [index, { records, end }] of transactions.entries()) {
    const written = Array.from({ length: records }, (_, i) => ({ value: `t${index}-${i}`, partition: 0 }));
    const left = await inTransaction(kafka, topic, written, end, uniqueName(`${prefix}-producer`));
    lastStable = offset;
    offset += records;
    if (left !== undefined) {
      open = left;
      continue;
    }
    offset += 1;
    lastStable = offset;
  }
  const stable = (await offsetsOf(kafka, topic, "read_committed")).logEnd;
  if (stable !== lastStable)
    throw new Error(`${topic}: last stable offset ${stable}, expected ${lastStable}`);
  return { topic, logEnd: offset, lastStable, ...(open === undefined ? {} : { open }) };
}

/**
 * A topic of one partition with `count` records, of which DeleteRecords removed those below `deleteBelow`: its log
 * start is then `deleteBelow`, as after retention, but at once. Retention itself is off (`retention.ms=-1`), so the
 * broker's own checks never move the log start further while a test reads it.
 */
export async function topicWithDeletedRecords(
  kafka: TestKafka,
  options: { readonly count: number; readonly deleteBelow: number; readonly prefix?: string },
): Promise<{ readonly topic: string } & PartitionContents> {
  const topic = uniqueName(options.prefix ?? "deleted");
  await createTopic(kafka, topic, { "retention.ms": "-1" });
  await produce(
    kafka,
    topic,
    Array.from({ length: options.count }, (_, i) => ({ value: `r${i}`, partition: 0 })),
  );
  await deleteRecordsBelow(kafka, topic, 0, options.deleteBelow);
  const contents = await partitionContents(kafka, topic);
  if (contents.logStart !== options.deleteBelow)
    throw new Error(`${topic} starts at ${contents.logStart}, expected ${options.deleteBelow}`);
  return { topic, ...contents };
}

/**
 * A FileStreamSink on the shared worker that picks its topics with `topics.regex` (compiled by Connect with
 * `java.util.regex`: the worker refuses a pattern Java cannot compile). Its consumers look for new topics every
 * second (`metadata.max.age.ms`, 5 minutes by default), so a matching topic created later is read within seconds.
 * @returns the connector's name and config; `remove` deletes it
 */
export async function regexSink(
  regex: string,
  options: { readonly dir: string; readonly prefix?: string; readonly extra?: Record<string, string> },
): Promise<{
  readonly connector: string;
  readonly config: Record<string, string>;
  remove(): Promise<void>;
}> {
  const connector = uniqueName(options.prefix ?? "regex-sink");
  const config = {
    "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
    "topics.regex": regex,
    file: join(options.dir, `${connector}.txt`),
    "consumer.override.metadata.max.age.ms": "1000",
    ...options.extra,
  };
  const url = `${testBed().connectUrl}/connectors/${encodeURIComponent(connector)}`;
  const response = await fetch(`${url}/config`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(config),
  });
  if (!response.ok)
    throw new Error(`Connect refused ${connector} (${response.status}): ${await response.text()}`);
  return {
    connector,
    config,
    remove: async () => {
      await fetch(url, { method: "DELETE" });
    },
  };
}

/** Creates a topic of one partition with these topic configs, and checks the broker took them. */
async function createTopic(kafka: TestKafka, topic: string, configs: Record<string, string>): Promise<void> {
  await createTopics(kafka, [topic], { partitions: 1, configs });
  if (Object.keys(configs).length === 0) return;
  const held = await topicConfigs(kafka, topic, Object.keys(configs));
  for (const [name, value] of held) {
    if (configs[name] !== value) throw new Error(`${topic}: the broker set ${name}=${value}`);
  }
}

async function offsetsOf(
  kafka: TestKafka,
  topic: string,
  isolation: "read_uncommitted" | "read_committed" = "read_uncommitted",
): Promise<{ logStart: number; logEnd: number }> {
  return (await logOffsets(kafka, topic, isolation)).get(0) ?? { logStart: 0, logEnd: 0 };
}

/**
 * Partition 0's log start and end, and the records between them, counted by a consumer of a group of its own
 * that reads from the log start (read_uncommitted, as Connect's sinks read) until the record at the log end − 1,
 * which must be a record, not a transaction marker.
 */
export async function partitionContents(kafka: TestKafka, topic: string): Promise<PartitionContents> {
  const { logStart, logEnd } = await offsetsOf(kafka, topic);
  if (logEnd <= logStart) return { logStart, logEnd, records: 0 };
  const consumer = new Consumer({
    clientId: "connect-ops-tests",
    bootstrapBrokers: [kafka.bootstrapServers],
    groupId: uniqueName("fixture-count"),
    deserializers: stringDeserializers,
    isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED,
    autocommit: false,
    maxWaitTime: 100,
  });
  let records = 0;
  let timer: NodeJS.Timeout | undefined;
  try {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST });
    timer = setTimeout(
      () => stream.destroy(new Error(`${topic}: the count did not reach ${logEnd} in 30 s`)),
      30_000,
    );
    for await (const message of stream) {
      if (message.partition !== 0) continue;
      if (message.offset < BigInt(logEnd)) records += 1;
      if (message.offset >= BigInt(logEnd - 1)) break;
    }
  } finally {
    clearTimeout(timer);
    await consumer.close(true);
  }
  return { logStart, logEnd, records };
}
