import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { SinkLagReader, sinkGroupId, sinkTopics } from "../src/kafka/sink-lag-reader.js";
import {
  createTopicWithMessages,
  eventually,
  produce,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";

describe("sink lag, read from Kafka", () => {
  const kafka = testKafka();
  let reader: SinkLagReader;
  let dir: string;

  before(async () => {
    reader = new SinkLagReader({ brokers: [testBed().bootstrapServers] });
    dir = await mkdtemp(join(tmpdir(), "lag-"));
  });
  after(async () => {
    await reader.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("a stopped FileStreamSink lags by exactly the messages produced after it stopped, per partition", async () => {
    const topic = uniqueName("lag-orders");
    const connector = uniqueName("lag-sink");
    await createTopicWithMessages(kafka, topic, { partitions: 3, count: 90 });
    const config = {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: topic,
      file: join(dir, `${connector}.txt`),
    };
    const connect = testBed().connectUrl;
    await fetch(`${connect}/connectors/${connector}/config`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(config),
    });
    try {
      await eventually("the sink to commit all 90 messages", async () => {
        const lag = await reader.lag(connector, config);
        return lag.partitions.length === 3 &&
          lag.total === 0 &&
          lag.partitions.every((p) => p.committed === 30)
          ? lag
          : undefined;
      });

      await fetch(`${connect}/connectors/${connector}/stop`, { method: "PUT" });
      await eventually("the connector to stop", async () => {
        const status = (await (await fetch(`${connect}/connectors/${connector}/status`)).json()) as {
          connector: { state: string };
        };
        return status.connector.state === "STOPPED" ? true : undefined;
      });
      await produce(kafka, topic, [
        ...Array.from({ length: 7 }, () => ({ value: "late", partition: 0 })),
        ...Array.from({ length: 2 }, () => ({ value: "late", partition: 2 })),
      ]);

      const lag = await reader.lag(connector, config);
      assert.equal(lag.groupId, `connect-${connector}`);
      assert.deepEqual(
        lag.partitions.map((p) => [p.partition, p.committed, p.logEnd, p.lag]),
        [
          [0, 30, 37, 7],
          [1, 30, 30, 0],
          [2, 30, 32, 2],
        ],
      );
      assert.equal(lag.total, 9);
    } finally {
      await fetch(`${connect}/connectors/${connector}`, { method: "DELETE" });
    }
  });

  test("a group override and a partition with no commit: lag counts from the log start", async () => {
    const topic = uniqueName("lag-override");
    const groupId = uniqueName("custom-group");
    await createTopicWithMessages(kafka, topic, { partitions: 2, count: 40 });
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: "15" }] });
    await admin.disconnect();

    const lag = await reader.lag("orders-sink", { topics: topic, "consumer.override.group.id": groupId });
    assert.equal(lag.groupId, groupId);
    assert.deepEqual(
      lag.partitions.map((p) => [p.partition, p.committed, p.lag]),
      [
        [0, 15, 5],
        [1, null, 20],
      ],
    );
    assert.equal(lag.total, 25);
  });

  test("topics.regex selects the matching topics", async () => {
    const base = uniqueName("lag-regex");
    await createTopicWithMessages(kafka, `${base}.a`, { partitions: 1, count: 3 });
    await createTopicWithMessages(kafka, `${base}.b`, { partitions: 1, count: 4 });
    const lag = await reader.lag("regex-sink", { "topics.regex": `${base}\\..*` });
    assert.deepEqual(
      lag.partitions.map((p) => [p.topic, p.lag]),
      [
        [`${base}.a`, 3],
        [`${base}.b`, 4],
      ],
    );
  });

  test("the age of the oldest unread message: the timestamp of the message at the committed offset, to the second", async () => {
    const topic = uniqueName("lag-times");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 0 });
    const hourAgo = Date.now() - 3_600_000;
    // One message a minute for an hour, written with their own timestamps.
    await produce(
      kafka,
      topic,
      Array.from({ length: 60 }, (_, i) => ({
        value: `m${i}`,
        partition: 0,
        timestamp: String(hourAgo + i * 60_000),
      })),
    );
    const sent: string[] = [];
    const counting = new SinkLagReader({
      brokers: [testBed().bootstrapServers],
      onRequest: (api) => sent.push(api),
    });
    try {
      const at = await counting.timestampAt(topic, 0, 42);
      assert.ok(Math.abs(at - (hourAgo + 42 * 60_000)) <= 1_000, `${at} is the 43rd message's time`);
      const asked = sent.length;
      assert.equal(await counting.timestampAt(topic, 0, 42), at);
      assert.equal(sent.length, asked, "a known answer costs no request");
    } finally {
      await counting.close();
    }
  });

  test("many sinks in one pass: each topic's offsets are read once, however many sinks read it", async () => {
    const topic = uniqueName("lag-shared");
    await createTopicWithMessages(kafka, topic, { partitions: 2, count: 10 });
    const sent: string[] = [];
    const counting = new SinkLagReader({
      brokers: [testBed().bootstrapServers],
      onRequest: (api) => sent.push(api),
    });
    try {
      const sinks = Array.from({ length: 5 }, (_, i) => ({
        name: `never-ran-${topic}-${i}`,
        config: { topics: topic },
      }));
      const lags = await counting.lagOfSinks(sinks);
      for (const sink of sinks) {
        const lag = lags.get(sink.name);
        assert.ok(lag !== undefined && !(lag instanceof Error));
        assert.equal(lag.total, 10, "a sink that never committed lags by everything retained");
      }
      assert.equal(
        sent.filter((api) => api === "ListOffsets").length,
        2,
        "earliest and latest, once for the topic",
      );
    } finally {
      await counting.close();
    }
  });
});

test("the group id follows Connect's rule", () => {
  assert.equal(sinkGroupId("orders", {}), "connect-orders");
  assert.equal(sinkGroupId("orders", { "consumer.override.group.id": "legacy" }), "legacy");
  assert.deepEqual(sinkTopics({ topics: " a, b ,," }, []), ["a", "b"]);
  assert.deepEqual(sinkTopics({ "topics.regex": "x.*" }, ["x1", "ax1", "x2"]), ["x1", "x2"]);
});
