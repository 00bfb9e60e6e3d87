import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { ConnectClient } from "../../src/connect/connect-client.js";
import { createTopics, produce, type TestKafka } from "./test-kafka.js";

export { produce } from "./test-kafka.js";

/** The test bed that `npm test` started (test/run-tests.ts passes its addresses down). */
export function testBed(): { connectUrl: string; bootstrapServers: string } {
  const connectUrl = process.env.TEST_BED_CONNECT_URL;
  const bootstrapServers = process.env.TEST_BED_BOOTSTRAP_SERVERS;
  if (connectUrl === undefined || bootstrapServers === undefined) {
    throw new Error(
      "No test bed: run the suite with `npm test` (or export the variables `npm run test-bed` prints).",
    );
  }
  return { connectUrl, bootstrapServers };
}

/** A name no other test (or earlier run) uses: topics and connectors outlive a test run on a reused bed. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

/** The test bed's broker, for the helpers of test-kafka.ts (the tests' own admin work, producer and consumer). */
export function testKafka(): TestKafka {
  return { bootstrapServers: testBed().bootstrapServers };
}

/**
 * Creates a topic, waits until its partitions have leaders, and writes `count` messages ("<topic>-<i>")
 * round-robin over its partitions.
 */
export async function createTopicWithMessages(
  kafka: TestKafka,
  topic: string,
  options: { partitions: number; count: number },
): Promise<void> {
  await createTopics(kafka, [topic], { partitions: options.partitions });
  await produce(
    kafka,
    topic,
    Array.from({ length: options.count }, (_, i) => ({
      value: `${topic}-${i}`,
      partition: i % options.partitions,
    })),
  );
}

/** Polls until `check` returns a value (not undefined), or fails with the last thing it saw. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 250 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((done) => setTimeout(done, intervalMs));
  }
  throw new Error(
    `Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`,
  );
}

/** Creates a FileStreamSink of `topic` writing to `file`, and waits until its task is RUNNING. */
export async function runningFileSink(
  connect: ConnectClient,
  name: string,
  topic: string,
  file: string,
): Promise<void> {
  await connect.putConfig(name, {
    "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
    topics: topic,
    file,
  });
  await eventually(`${name} RUNNING`, async () => {
    const status = await connect.status(name).catch(() => undefined);
    return status?.tasks[0]?.state === "RUNNING" ? true : undefined;
  });
}

/**
 * A FileStreamSink on a new one-partition topic of `count` messages, once it has read and committed them all:
 * the starting point of every offset-change test. It writes to `<dir>/<connector>.txt`.
 */
export async function fileSinkThatRead(
  connect: ConnectClient,
  kafka: TestKafka,
  dir: string,
  count: number,
  /** The connector's name starts with this (a role or rule pattern may name it, `payments-*`). */
  prefix = "sink",
): Promise<{ connector: string; topic: string; file: string }> {
  const topic = uniqueName("topic");
  const connector = uniqueName(prefix);
  const file = join(dir, `${connector}.txt`);
  await createTopicWithMessages(kafka, topic, { partitions: 1, count });
  await connect.putConfig(connector, {
    "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
    topics: topic,
    file,
  });
  await eventually(`${connector} to commit all ${count} messages`, async () =>
    (await connect.offsets(connector)).offsets[0]?.offset?.kafka_offset === count ? true : undefined,
  );
  return { connector, topic, file };
}
