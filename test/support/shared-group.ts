import { join } from "node:path";
import type { ConnectClient } from "../../src/connect/connect-client.js";
import { createTopicWithMessages, eventually, uniqueName } from "./test-bed-env.js";
import type { TestKafka } from "./test-kafka.js";

/** One sink of {@link SharedGroup}: its name, the topic it alone reads, and the file it writes. */
export interface GroupMember {
  readonly connector: string;
  readonly topic: string;
  readonly file: string;
}

/** Two sinks committing to one consumer group, as {@link sinksSharingGroup} made them. */
export interface SharedGroup {
  readonly group: string;
  readonly a: GroupMember;
  readonly b: GroupMember;
  /** The topic both read, when asked for: the group has one committed offset per partition, for both. */
  readonly sharedTopic: string | undefined;
  /** The group's committed offsets, `topic:partition` → offset (Connect lists the whole group under either sink). */
  committed(): Promise<Map<string, number>>;
  /** Deletes both connectors (their topics stay: the bed is shared, names are unique). */
  remove(): Promise<void>;
}

/**
 * Two FileStreamSinks on the shared bed that set the same `consumer.override.group.id`, the way teams split one
 * pipeline across connectors or keep a legacy group: `a` reads its own one-partition topic of `a` messages, `b`
 * its own of `b` messages, and with `shared` both also read a third topic of `shared` messages (Kafka assigns
 * its partition to one task of the group, whichever connector it belongs to). Resolves once the group has
 * committed every message of every topic; both stay RUNNING.
 */
export async function sinksSharingGroup(
  connect: ConnectClient,
  kafka: TestKafka,
  dir: string,
  counts: { readonly a: number; readonly b: number; readonly shared?: number },
): Promise<SharedGroup> {
  const group = uniqueName("shared-group");
  const sharedTopic = counts.shared === undefined ? undefined : uniqueName("both-read");
  const member = async (role: string, count: number): Promise<GroupMember> => {
    const connector = uniqueName(`sharing-${role}`);
    const topic = uniqueName(`only-${role}`);
    await createTopicWithMessages(kafka, topic, { partitions: 1, count });
    return { connector, topic, file: join(dir, `${connector}.txt`) };
  };
  const a = await member("a", counts.a);
  const b = await member("b", counts.b);
  if (sharedTopic !== undefined)
    await createTopicWithMessages(kafka, sharedTopic, { partitions: 1, count: counts.shared ?? 0 });
  for (const { connector, topic, file } of [a, b]) {
    await connect.putConfig(connector, {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: sharedTopic === undefined ? topic : `${topic},${sharedTopic}`,
      file,
      "consumer.override.group.id": group,
    });
  }
  const committed = async () =>
    new Map(
      (await connect.offsets(a.connector)).offsets.map((o) => [
        `${String(o.partition.kafka_topic)}:${String(o.partition.kafka_partition)}`,
        Number(o.offset?.kafka_offset),
      ]),
    );
  const expected = new Map([
    [`${a.topic}:0`, counts.a],
    [`${b.topic}:0`, counts.b],
    ...(sharedTopic === undefined ? [] : ([[`${sharedTopic}:0`, counts.shared ?? 0]] as const)),
  ]);
  await eventually(`group ${group} to commit every message`, async () => {
    const now = await committed();
    return [...expected].every(([key, offset]) => now.get(key) === offset) ? true : undefined;
  });
  return {
    group,
    a,
    b,
    sharedTopic,
    committed,
    remove: async () => {
      for (const { connector } of [a, b]) await connect.deleteConnector(connector).catch(() => undefined);
    },
  };
}
