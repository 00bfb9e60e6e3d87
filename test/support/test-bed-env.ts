import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import type { ConnectClient } from "../../src/connect/connect-client.js";

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

/**
 * A kafkajs client on the test bed: the tests' producer, admin and counting consumer (the bot itself reads Kafka
 * only with `@platformatic/kafka`; README, "Kafka client").
 */
export function testKafka(): Kafka {
  return new Kafka({
    clientId: "connect-ops-tests",
    brokers: [testBed().bootstrapServers],
    requestTimeout: 10_000,
    connectionTimeout: 3_000,
    retry: { retries: 3 },
    logLevel: logLevel.NOTHING,
  });
}

/** Creates a topic and writes `count` messages ("<topic>-<i>") round-robin over its partitions. */
export async function createTopicWithMessages(
  kafka: Kafka,
  topic: string,
  options: { partitions: number; count: number },
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: options.partitions }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  await produce(
    kafka,
    topic,
    Array.from({ length: options.count }, (_, i) => ({
      value: `${topic}-${i}`,
      partition: i % options.partitions,
    })),
  );
}

export async function produce(
  kafka: Kafka,
  topic: string,
  messages: readonly { value: string; partition: number; timestamp?: string }[],
): Promise<void> {
  // Idempotent: a send retried after a timeout on a busy machine must not write its records twice (a CI run saw
  // a topic of 10 records hold 15), or every lag a test asserts is off by the duplicates.
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    for (let start = 0; start < messages.length; start += 500) {
      await producer.send({ topic, messages: messages.slice(start, start + 500).map((m) => ({ ...m })) });
    }
  } finally {
    await producer.disconnect();
  }
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
  kafka: Kafka,
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
