/**
 * The tests' and benches' own Kafka work on the test bed — topics, records, transactions, committed offsets,
 * deleted records — done with `@platformatic/kafka`, the bot's client. Every call opens its clients and closes
 * them before it returns, so a test file holds no connection between calls and its process exits when it is done.
 *
 * A freshly created topic is not at once writable: a KRaft broker answers UNKNOWN_TOPIC_OR_PARTITION until its
 * metadata has caught up, then LEADER_NOT_AVAILABLE or NOT_LEADER_OR_FOLLOWER until each partition's leader is
 * elected. {@link createTopics} waits until every partition has a leader, and every write here goes through
 * {@link whileTopicsSettle}, which repeats a step that failed only with those errors: the broker refused it
 * without writing anything (KIP-98: a Produce is appended by the partition leader or not at all).
 */
import {
  Admin,
  ConfigResourceTypes,
  FetchIsolationLevels,
  IncrementalAlterConfigOperationTypes,
  ListOffsetTimestamps,
  Producer,
  stringSerializers,
} from "@platformatic/kafka";

/** Where the test bed's broker listens: what every helper here connects to. */
export interface TestKafka {
  readonly bootstrapServers: string;
}

/** A record to write, on a partition chosen by the caller (never by a partitioner: tests count per partition). */
export interface TestRecord {
  readonly value: string;
  readonly partition: number;
  readonly key?: string;
  /** Epoch milliseconds, as a string (the broker's CreateTime); by default the send time. */
  readonly timestamp?: string;
}

/** The errors a freshly created topic gives until its metadata and leaders have settled. */
// OFFSET_NOT_AVAILABLE: a ListOffsets to a leader just elected, before its high watermark caught up (KIP-207).
const freshTopicErrors = [
  "UNKNOWN_TOPIC_OR_PARTITION",
  "NOT_LEADER_OR_FOLLOWER",
  "LEADER_NOT_AVAILABLE",
  "OFFSET_NOT_AVAILABLE",
];

/** How long a step may keep meeting {@link freshTopicErrors} before it fails. */
const settleTimeoutMs = 60_000;

const clientOptions = (kafka: TestKafka) => ({
  clientId: "connect-ops-tests",
  bootstrapBrokers: [kafka.bootstrapServers],
  timeout: 30_000,
  connectTimeout: 5_000,
});

/** Runs `use` with an admin client on the bed, closing it afterwards. */
export async function withAdmin<T>(kafka: TestKafka, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin(clientOptions(kafka));
  try {
    return await use(admin);
  } finally {
    await admin.close();
  }
}

/**
 * Repeats `step` while it fails only with {@link freshTopicErrors}, 250 ms apart, for up to `timeoutMs`.
 * Only for steps the broker refuses whole on those errors (a Produce to one partition, an OffsetCommit, a
 * DeleteRecords, a ListOffsets): repeating one never writes twice.
 * @throws an Error naming `what`, the step's error and its broker codes: at once for any other error, or on timeout
 */
export async function whileTopicsSettle<T>(
  what: string,
  step: () => Promise<T>,
  timeoutMs = settleTimeoutMs,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await step();
    } catch (error) {
      // Named with the broker's codes, which the client's nested errors otherwise hide when printed.
      if (!onlyFreshTopicErrors(error)) throw new Error(`${what}: ${describe(error)}`, { cause: error });
      if (Date.now() > deadline)
        throw new Error(
          `${what}: the topics did not settle within ${timeoutMs / 1000} s: ${describe(error)}`,
          {
            cause: error,
          },
        );
    }
    await new Promise((done) => setTimeout(done, 250));
  }
}

/** True when `error` carries Kafka error codes and all of them are ones a settling topic gives. */
function onlyFreshTopicErrors(error: unknown): boolean {
  const codes = kafkaErrorCodes(error);
  return codes.length > 0 && codes.every((code) => freshTopicErrors.includes(code));
}

/** The protocol error codes (`apiId`) anywhere in `error`'s tree (MultipleErrors nest them). */
function kafkaErrorCodes(error: unknown): string[] {
  if (typeof error !== "object" || error === null) return [];
  const own = (error as { apiId?: unknown }).apiId;
  const nested = (error as { errors?: unknown }).errors;
  return [
    ...(typeof own === "string" ? [own] : []),
    ...(Array.isArray(nested) ? nested.flatMap((inner) => kafkaErrorCodes(inner)) : []),
  ];
}

function describe(error: unknown): string {
  const codes = kafkaErrorCodes(error);
  const message = error instanceof Error ? error.message : String(error);
  return codes.length > 0 ? `${message} (${[...new Set(codes)].join(", ")})` : message;
}

/**
 * Creates `topics`, each of `partitions` partitions with these topic configs, and waits until every partition
 * of every one has a leader.
 * @throws an Error naming the topic count and the last error when the leaders are not there within `timeoutMs`
 */
export async function createTopics(
  kafka: TestKafka,
  topics: readonly string[],
  options: {
    readonly partitions: number;
    readonly configs?: Record<string, string>;
    readonly timeoutMs?: number;
  },
): Promise<void> {
  await withAdmin(kafka, async (admin) => {
    await admin.createTopics({
      topics: [...topics],
      partitions: options.partitions,
      replicas: 1,
      configs: Object.entries(options.configs ?? {}).map(([name, value]) => ({ name, value })),
    });
    await waitForLeaders(admin, topics, options.timeoutMs);
  });
}

/**
 * Waits until the broker's metadata lists every partition of every topic of `topics` with a leader.
 * @throws an Error naming the topic count, the first topic and the last error (or the partitions still without
 * a leader) after `timeoutMs`
 */
export async function waitForLeaders(
  admin: Admin,
  topics: readonly string[],
  timeoutMs = settleTimeoutMs,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  for (;;) {
    try {
      const metadata = await admin.metadata({ topics: [...topics], forceUpdate: true });
      const leaderless = topics.filter((topic) => {
        const partitions = metadata.topics.get(topic)?.partitions ?? [];
        return partitions.length === 0 || partitions.some((partition) => partition.leader < 0);
      });
      if (leaderless.length === 0) return;
      last = `${leaderless.length} without leaders, e.g. ${leaderless[0]}`;
    } catch (error) {
      last = describe(error);
    }
    if (Date.now() > deadline)
      throw new Error(
        `leaders for ${topics.length} topics (${topics[0]} …) not elected within ${timeoutMs / 1000} s: ${last}`,
      );
    await new Promise((done) => setTimeout(done, 250));
  }
}

const producerOf = (kafka: TestKafka, transactionalId?: string) =>
  new Producer({
    ...clientOptions(kafka),
    serializers: stringSerializers,
    // Idempotent: a send the client repeats after a timeout on a busy machine must not write its records twice
    // (a CI run saw a topic of 10 records hold 15), or every lag a test asserts is off by the duplicates.
    idempotent: true,
    maxInflights: 1,
    ...(transactionalId === undefined ? {} : { transactionalId }),
  });

const toMessage = (topic: string, record: TestRecord) => ({
  topic,
  partition: record.partition,
  value: record.value,
  ...(record.key === undefined ? {} : { key: record.key }),
  ...(record.timestamp === undefined ? {} : { timestamp: BigInt(record.timestamp) }),
});

/**
 * Writes `records` to `topic`, in order within each partition, with an idempotent producer: one partition per
 * request and at most 500 records in one, so that a request the broker refuses on a settling topic wrote
 * nothing and is sent again whole.
 */
export async function produce(
  kafka: TestKafka,
  topic: string,
  records: readonly TestRecord[],
): Promise<void> {
  const producer = producerOf(kafka);
  try {
    const partitions = [...new Set(records.map((record) => record.partition))];
    for (const partition of partitions) {
      const own = records.filter((record) => record.partition === partition);
      for (let start = 0; start < own.length; start += 500) {
        const messages = own.slice(start, start + 500).map((record) => toMessage(topic, record));
        await whileTopicsSettle(`writing to ${topic}-${partition}`, () => producer.send({ messages }));
      }
    }
  } finally {
    await producer.close();
  }
}

/** A transaction of {@link inTransaction} not ended yet. */
export interface OpenTransaction {
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Writes `records` to `topic` in one transaction of a new transactional producer and ends it as `end` says:
 * committed or aborted (the broker then writes the transaction's marker after its records), or left open for
 * the caller to end (the producer is closed when it does).
 */
export async function inTransaction(
  kafka: TestKafka,
  topic: string,
  records: readonly TestRecord[],
  end: "commit" | "abort" | "open",
  transactionalId: string,
): Promise<OpenTransaction | undefined> {
  const producer = producerOf(kafka, transactionalId);
  const transaction = await producer.beginTransaction().catch(async (error: unknown) => {
    await producer.close();
    throw error;
  });
  await transaction
    .send({ messages: records.map((record) => toMessage(topic, record)) })
    .catch(async (error: unknown) => {
      await producer.close();
      throw error;
    });
  const finish = async (how: "commit" | "abort") => {
    try {
      await (how === "commit" ? transaction.commit() : transaction.abort());
    } finally {
      await producer.close();
    }
  };
  if (end === "open") return { commit: () => finish("commit"), abort: () => finish("abort") };
  await finish(end);
  return undefined;
}

/**
 * Commits `offsets` (`[partition, offset]`) of `topic` for `groupId` with an admin OffsetCommit, as a stopped
 * sink's group holds them (the group need not exist; it is left Empty).
 */
export async function commitOffsets(
  kafka: TestKafka,
  groupId: string,
  topic: string,
  offsets: readonly (readonly [number, number])[],
): Promise<void> {
  await withAdmin(kafka, (admin) =>
    whileTopicsSettle(`committing ${groupId}'s offsets on ${topic}`, () =>
      admin.alterConsumerGroupOffsets({
        groupId,
        topics: [
          {
            name: topic,
            partitionOffsets: offsets.map(([partition, offset]) => ({ partition, offset: BigInt(offset) })),
          },
        ],
      }),
    ),
  );
}

/** Deletes `topics` (the broker finishes deleting them in the background). */
export async function deleteTopics(kafka: TestKafka, topics: readonly string[]): Promise<void> {
  await withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [...topics] }));
}

/** DeleteRecords: moves partition `partition`'s log start of `topic` to `below`, as retention would. */
export async function deleteRecordsBelow(
  kafka: TestKafka,
  topic: string,
  partition: number,
  below: number,
): Promise<void> {
  await withAdmin(kafka, (admin) =>
    whileTopicsSettle(`deleting ${topic}-${partition}'s records below ${below}`, () =>
      admin.deleteRecords({ topics: [{ name: topic, partitions: [{ partition, offset: BigInt(below) }] }] }),
    ),
  );
}

/** Sets topic configs of `topic` (IncrementalAlterConfigs SET; the others stay as they are). */
export async function setTopicConfigs(
  kafka: TestKafka,
  topic: string,
  configs: Record<string, string>,
): Promise<void> {
  await withAdmin(kafka, (admin) =>
    admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: topic,
          configs: Object.entries(configs).map(([name, value]) => ({
            name,
            configOperation: IncrementalAlterConfigOperationTypes.SET,
            value,
          })),
        },
      ],
    }),
  );
}

/** `topic`'s configs named in `names`, as the broker holds them (name → value). */
export async function topicConfigs(
  kafka: TestKafka,
  topic: string,
  names: readonly string[],
): Promise<Map<string, string | null | undefined>> {
  const [description] = await withAdmin(kafka, (admin) =>
    admin.describeConfigs({
      resources: [
        { resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: [...names] },
      ],
    }),
  );
  return new Map((description?.configs ?? []).map((config) => [config.name, config.value]));
}

/**
 * Where each partition of `topic` starts and ends: the log start, and the log end (read_uncommitted, the high
 * watermark) or the last stable offset (read_committed, before any open transaction).
 * @returns partition → `{ logStart, logEnd }`
 */
export async function logOffsets(
  kafka: TestKafka,
  topic: string,
  isolation: "read_uncommitted" | "read_committed",
): Promise<Map<number, { logStart: number; logEnd: number }>> {
  return withAdmin(kafka, async (admin) => {
    const partitions = (await admin.metadata({ topics: [topic] })).topics.get(topic)?.partitionsCount ?? 0;
    const at = (timestamp: bigint) =>
      whileTopicsSettle(`reading ${topic}'s offsets`, () =>
        admin.listOffsets({
          topics: [
            {
              name: topic,
              partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({
                partitionIndex,
                timestamp,
              })),
            },
          ],
          isolationLevel:
            isolation === "read_committed"
              ? FetchIsolationLevels.READ_COMMITTED
              : FetchIsolationLevels.READ_UNCOMMITTED,
        }),
      );
    const [starts, ends] = [await at(ListOffsetTimestamps.EARLIEST), await at(ListOffsetTimestamps.LATEST)];
    const result = new Map<number, { logStart: number; logEnd: number }>();
    for (const { partitionIndex, offset } of starts[0]?.partitions ?? []) {
      const end = ends[0]?.partitions.find((p) => p.partitionIndex === partitionIndex)?.offset ?? offset;
      result.set(partitionIndex, { logStart: Number(offset), logEnd: Number(end) });
    }
    return result;
  });
}
