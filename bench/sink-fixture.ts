/**
 * N sinks' worth of Kafka state, made fast: N / `sinksPerTopic` topics with a few messages per partition, each
 * read by `sinksPerTopic` sinks, and per sink a group `connect-<sink>` whose committed offsets lag the log end by
 * (partition + the sink's place among its topic's readers) % 3, so that sinks sharing a topic lag differently and a
 * reader that mixed their groups up would miscount. Sharing is how 10,000 sinks fit the broker's open-file limit.
 * The groups are made by an admin OffsetCommit (an Empty group with offsets, as a stopped sink's), not by consumers
 * joining: 5,000 joins take minutes. Earlier runs' leftovers (names starting with `bench-`) are deleted, and waited
 * out, before anything is created: a broker still deleting them answers UNKNOWN_TOPIC_OR_PARTITION and keeps their
 * files open.
 */
import { Admin, ListOffsetTimestamps, Producer, stringSerializers } from "@platformatic/kafka";
import { uniqueName } from "../test/support/test-bed-env.js";
import { waitForLeaders, whileTopicsSettle } from "../test/support/test-kafka.js";
import { inLanes } from "./in-lanes.js";

export interface SinkFixture {
  readonly topics: readonly string[];
  readonly sinks: readonly { readonly name: string; readonly config: { readonly topics: string } }[];
  readonly groups: readonly string[];
  readonly partitionsPerTopic: number;
  readonly expectedLag: number;
  /** The whole setup, leftovers' removal included, and its share spent committing the groups' offsets. */
  readonly setupMs: number;
  readonly commitMs: number;
  remove(): Promise<void>;
}

/** Names every benchmark's topics and groups start with: what {@link removeLeftovers} clears. */
const benchPrefix = "bench-";

export async function createSinkFixture(
  bootstrapServers: string,
  options: {
    readonly sinks: number;
    /** Sinks reading each topic (the last topic may have fewer); 1 gives every sink a topic of its own. */
    readonly sinksPerTopic: number;
    readonly partitionsPerTopic: number;
    readonly messagesPerPartition: number;
  },
): Promise<SinkFixture> {
  if (!Number.isInteger(options.sinksPerTopic) || options.sinksPerTopic < 1)
    throw new Error(`sinksPerTopic must be a whole number ≥ 1, not ${options.sinksPerTopic}`);
  const started = performance.now();
  const admin = new Admin({
    clientId: "connect-ops-bench",
    bootstrapBrokers: [bootstrapServers],
    timeout: 120_000,
  });
  await removeLeftovers(admin);
  const prefix = uniqueName(`${benchPrefix}scale`);
  const topics = Array.from(
    { length: Math.ceil(options.sinks / options.sinksPerTopic) },
    (_, i) => `${prefix}-t-${i}`,
  );
  const reads = Array.from({ length: options.sinks }, (_, i) => ({
    topic: topics[Math.floor(i / options.sinksPerTopic)] as string,
    reader: i % options.sinksPerTopic,
    groupId: `connect-${prefix}-sink-${i}`,
  }));
  const sinks = reads.map(({ topic }, i) => ({ name: `${prefix}-sink-${i}`, config: { topics: topic } }));
  const groups = reads.map(({ groupId }) => groupId);
  const remove = async () => {
    await removeLeftovers(admin, prefix).finally(() => admin.close());
  };
  try {
    for (let i = 0; i < topics.length; i += 250) {
      await admin.createTopics({
        topics: topics.slice(i, i + 250),
        partitions: options.partitionsPerTopic,
        replicas: 1,
      });
    }
    await waitForLeaders(admin, topics, 300_000);
    await produceEvenly(
      bootstrapServers,
      admin,
      topics,
      options.partitionsPerTopic,
      options.messagesPerPartition,
    );

    const behind = (partition: number, reader: number) => (partition + reader) % 3;
    const partitions = Array.from({ length: options.partitionsPerTopic }, (_, partition) => partition);
    const commitsStarted = performance.now();
    await inLanes(reads, 32, ({ topic, reader, groupId }) =>
      whileTopicsSettle(`committing ${groupId}'s offsets`, () =>
        admin.alterConsumerGroupOffsets({
          groupId,
          topics: [
            {
              name: topic,
              partitionOffsets: partitions.map((partition) => ({
                partition,
                offset: BigInt(options.messagesPerPartition - behind(partition, reader)),
              })),
            },
          ],
        }),
      ),
    );
    const commitMs = performance.now() - commitsStarted;
    return {
      topics,
      sinks,
      groups,
      partitionsPerTopic: options.partitionsPerTopic,
      expectedLag: reads
        .flatMap(({ reader }) => partitions.map((partition) => behind(partition, reader)))
        .reduce((sum, lag) => sum + lag, 0),
      setupMs: performance.now() - started,
      commitMs,
      remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** Deletes, and waits out, every earlier benchmark's topics and groups (`bench-*`) on this broker. */
export async function waitOutEarlierRuns(bootstrapServers: string): Promise<void> {
  const admin = new Admin({
    clientId: "connect-ops-bench",
    bootstrapBrokers: [bootstrapServers],
    timeout: 120_000,
  });
  await removeLeftovers(admin).finally(() => admin.close());
}

/**
 * Deletes the groups and topics whose names start with `prefix` (by default, any benchmark's) and waits until the
 * broker no longer lists them, so that the next run neither meets them half-deleted nor adds its files to
 * theirs.
 */
async function removeLeftovers(admin: Admin, prefix = benchPrefix): Promise<void> {
  const groupsLeft = async () =>
    [...(await admin.listGroups()).keys()].filter((group) => group.startsWith(`connect-${prefix}`));
  // A failed DeleteGroups call says nothing of which groups went: what is still listed is asked for again, so
  // that no run leaves thousands of groups on a shared broker.
  await waitUntil(
    `consumer groups connect-${prefix}* deleted`,
    async () => {
      const groups = await groupsLeft();
      for (let i = 0; i < groups.length; i += 500) {
        await admin.deleteGroups({ groups: groups.slice(i, i + 500) }).catch(() => undefined);
      }
      return groups.length === 0 || (await groupsLeft()).length === 0;
    },
    60_000,
  );
  const leftovers = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
  for (let i = 0; i < leftovers.length; i += 500) {
    await admin.deleteTopics({ topics: leftovers.slice(i, i + 500) }).catch(() => undefined);
  }
  if (leftovers.length === 0) return;
  await waitUntil(`${leftovers.length} topics of an earlier run deleted`, async () => {
    const listed = await admin.listTopics().catch(() => undefined);
    return listed !== undefined && !listed.some((topic) => topic.startsWith(prefix));
  });
}

async function waitUntil(what: string, done: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Tops every partition of `topics` up to `messagesPerPartition` one-byte messages, 100 topics per Produce request,
 * with an idempotent producer (the client's own resends of a request are then written once). A request a settling
 * topic refuses is not simply sent again: what is missing is read from the log ends and written, so that a
 * request refused for some partitions and written for others never doubles the others. Log ends, and the lag,
 * are then exactly the ones planned.
 * @param admin an open admin client on `bootstrapServers`; stays open
 */
export async function produceEvenly(
  bootstrapServers: string,
  admin: Admin,
  topics: readonly string[],
  partitionsPerTopic: number,
  messagesPerPartition: number,
): Promise<void> {
  const producer = new Producer({
    clientId: "connect-ops-bench",
    bootstrapBrokers: [bootstrapServers],
    serializers: stringSerializers,
    idempotent: true,
    timeout: 60_000,
  });
  try {
    for (let i = 0; i < topics.length; i += 100) {
      const batch = topics.slice(i, i + 100);
      await whileTopicsSettle(`writing to ${batch.length} topics (${batch[0]} …)`, async () => {
        const ends = await admin.listOffsets({
          topics: batch.map((name) => ({
            name,
            partitions: Array.from({ length: partitionsPerTopic }, (_, partitionIndex) => ({
              partitionIndex,
              timestamp: ListOffsetTimestamps.LATEST,
            })),
          })),
        });
        const messages = ends.flatMap(({ name, partitions }) =>
          partitions.flatMap(({ partitionIndex, offset }) =>
            Array.from({ length: Math.max(0, messagesPerPartition - Number(offset)) }, () => ({
              topic: name,
              partition: partitionIndex,
              value: "x",
            })),
          ),
        );
        if (messages.length > 0) await producer.send({ messages, acks: -1 });
      });
    }
  } finally {
    await producer.close();
  }
}
