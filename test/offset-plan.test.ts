// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { OffsetPlanError, planSinkOffsets, type ResetTarget } from "../approvals/offset-plan.js";
import { ConnectClient } from "../src/connect/connect-client.js";
import { awaitState } from "../src/core/await-state.js";
import { SinkLagReader } from "../src/kafka/sink-lag-reader.js";
import {
  createTopicWithMessages,
  eventually,
  produce,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";

describe("offset-change plans from real offsets", () => {
  const kafka = testKafka();
  const topic = uniqueName("plan-orders");
  const connector = uniqueName("plan-sink");
  let connect: ConnectClient;
  let reader: SinkLagReader;
  let dir: string;
  let config: Record<string, string>;
  let beforeLateMessages: Date;

  before(async () => {
    connect = new ConnectClient({ cluster: "test-bed", url: testBed().connectUrl });
    reader = new SinkLagReader({ brokers: [testBed().bootstrapServers] });
    dir = await mkdtemp(join(tmpdir(), "plan-"));
    await createTopicWithMessages(kafka, topic, { partitions: 2, count: 100 });
    config = {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: topic,
      file: join(dir, "out.txt"),
    };
    await connect.putConfig(connector, config);
    await eventually("50 committed on each partition", async () => {
      const lag = await reader.lag(connector, config);
      return lag.partitions.length === 2 && lag.partitions.every((p) => p.committed === 50)
        ? true
        : undefined;
    });
    await connect.stop(connector);
    await awaitState(connect, connector, "STOPPED", { timeoutMs: 30_000 });
    await new Promise((done) => setTimeout(done, 20));
    beforeLateMessages = new Date();
    await produce(
      kafka,
      topic,
      Array.from({ length: 20 }, (_, i) => ({ value: `late-${i}`, partition: i % 2 })),
    );
  });
  after(async () => {
    await connect.deleteConnector(connector).catch(() => undefined);
    await connect.close();
    await reader.close();
    await rm(dir, { recursive: true, force: true });
  });

  const plan = (target: ResetTarget, scope?: Map<string, number[] | "all">) =>
    planSinkOffsets({
      connector,
      config,
      target,
      kafka: reader,
      connectors: [],
      ...(scope === undefined ? {} : { scope }),
    });
  const moves = (changes: Awaited<ReturnType<typeof plan>>["changes"]) =>
    changes.map((c) => [c.partition, c.current, c.next, c.replay, c.skip]);

  test("--to-earliest replays what was read; --to-latest skips what was not", async () => {
    const earliest = await plan({ kind: "earliest" });
    assert.deepEqual(moves(earliest.changes), [
      [0, 50, 0, 50, 0],
      [1, 50, 0, 50, 0],
    ]);
    assert.equal(earliest.replay, 100);
    const latest = await plan({ kind: "latest" });
    assert.deepEqual(moves(latest.changes), [
      [0, 50, 60, 0, 10],
      [1, 50, 60, 0, 10],
    ]);
    assert.equal(latest.skip, 20);
    assert.deepEqual(latest.request, {
      method: "PATCH",
      offsets: [0, 1].map((p) => ({
        partition: { kafka_topic: topic, kafka_partition: p },
        offset: { kafka_offset: 60 },
      })),
    });
  });

  test("--to-datetime finds the first message at that time", async () => {
    const atTime = await plan({ kind: "datetime", at: beforeLateMessages });
    assert.deepEqual(moves(atTime.changes), [
      [0, 50, 50, 0, 0],
      [1, 50, 50, 0, 0],
    ]);
    const future = await plan({ kind: "datetime", at: new Date(Date.now() + 3_600_000) });
    assert.deepEqual(
      future.changes.map((c) => c.next),
      [60, 60],
      "no message after it: the log end",
    );
  });

  test("--shift-by moves from the committed offset and stays within the log", async () => {
    assert.deepEqual(moves((await plan({ kind: "shift", by: -20 })).changes), [
      [0, 50, 30, 20, 0],
      [1, 50, 30, 20, 0],
    ]);
    assert.deepEqual(
      (await plan({ kind: "shift", by: 1000 })).changes.map((c) => c.next),
      [60, 60],
    );
    assert.deepEqual(
      (await plan({ kind: "shift", by: -1000 })).changes.map((c) => c.next),
      [0, 0],
    );
  });

  test("--to-offset scoped to one partition, and explicit offsets per partition", async () => {
    const scoped = await plan({ kind: "offset", offset: 10 }, new Map([[topic, [0]]]));
    assert.deepEqual(moves(scoped.changes), [[0, 50, 10, 40, 0]]);
    const explicit = await plan({ kind: "explicit", offsets: new Map([[`${topic}:1`, 55]]) });
    assert.deepEqual(moves(explicit.changes), [[1, 50, 55, 0, 5]]);
  });

  test("removing every offset is a DELETE that replays each partition from its start, and says so", async () => {
    const removal = await plan({ kind: "remove" });
    assert.deepEqual(removal.request, { method: "DELETE" });
    assert.deepEqual(moves(removal.changes), [
      [0, 50, null, 50, 0],
      [1, 50, null, 50, 0],
    ]);
    assert.match(removal.warnings[0] ?? "", /auto\.offset\.reset \(earliest\).*first retained message/);
  });

  test("where a sink with no commit starts is one rule for plans and lag: the worker's default, unless the connector overrides it", async () => {
    const workerLatest = new SinkLagReader({
      brokers: [testBed().bootstrapServers],
      workerDefaults: { autoOffsetReset: "latest" },
    });
    try {
      const removal = await planSinkOffsets({
        connector,
        config,
        target: { kind: "remove" },
        kafka: workerLatest,
        connectors: [],
      });
      assert.deepEqual(moves(removal.changes), [
        [0, 50, null, 0, 10],
        [1, 50, null, 0, 10],
      ]);
      assert.match(removal.warnings[0] ?? "", /auto\.offset\.reset \(latest\)\.$/);
      const overridden = await planSinkOffsets({
        connector,
        config: { ...config, "consumer.override.auto.offset.reset": "earliest" },
        target: { kind: "remove" },
        kafka: workerLatest,
        connectors: [],
      });
      assert.deepEqual(moves(overridden.changes), [
        [0, 50, null, 50, 0],
        [1, 50, null, 50, 0],
      ]);
    } finally {
      await workerLatest.close();
    }
  });

  test("a partition or topic the connector does not read is refused with what it does read", async () => {
    await assert.rejects(
      plan({ kind: "explicit", offsets: new Map([[`${topic}:7`, 1]]) }),
      (error: unknown) => {
        assert.ok(error instanceof OffsetPlanError);
        assert.match(
          error.message,
          new RegExp(`${topic}:7 is not a partition this connector reads. It reads ${topic}`),
        );
        return true;
      },
    );
    await assert.rejects(
      plan({ kind: "earliest" }, new Map([["other-topic", "all"]])),
      /does not read other-topic/,
    );
  });
});
