// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Logger, pino } from "pino";
import { describePlan, planSinkOffsets } from "../approvals/offset-plan.js";
import { evaluateConnector } from "../src/alerts/alert-rules.js";
import { defaultThresholds } from "../src/alerts/alert-thresholds.js";
import { collectSamples } from "../src/alerts/collect-samples.js";
import { ConnectClient } from "../src/connect/connect-client.js";
import type { ConnectorSample } from "../src/core/ports.js";
import { sinkConsumerSettings, sinkGroupId, sinkPosition } from "../src/core/sink-consumer.js";
import { listedTopics, SinkLagReader } from "../src/kafka/sink-lag-reader.js";
import {
  createTopicWithMessages,
  eventually,
  produce,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";
import {
  commitOffsets,
  deleteRecordsBelow,
  deleteTopics,
  inTransaction,
  setTopicConfigs,
} from "./support/test-kafka.js";
import {
  compactedTopic,
  regexSink,
  topicWithDeletedRecords,
  transactionalTopic,
} from "./support/topic-fixtures.js";

const onTestBed = () => ({ brokers: [testBed().bootstrapServers] });

describe("sink lag, read from Kafka", () => {
  const kafka = testKafka();
  let reader: SinkLagReader;
  let dir: string;

  before(async () => {
    reader = new SinkLagReader({ ...onTestBed() });
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
    await commitOffsets(kafka, groupId, topic, [[0, 15]]);

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

  test("the age of the oldest unread message: the timestamp of the first record the sink will receive, read once", async () => {
    const topic = uniqueName("lag-times");
    const groupId = uniqueName("times-group");
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
    await commitOffsets(kafka, groupId, topic, [[0, 42]]);
    const sent: string[] = [];
    const counting = new SinkLagReader({
      ...onTestBed(),
      onRequest: (api) => sent.push(api),
    });
    try {
      const config = { topics: topic, "consumer.override.group.id": groupId };
      const [partition] = (await counting.lag("timed-sink", config)).partitions;
      assert.equal(partition?.oldestUnreadAt, hourAgo + 42 * 60_000, "the 43rd message's own timestamp");
      const fetches = sent.filter((api) => api === "Fetch").length;
      assert.equal(
        (await counting.lag("timed-sink", config)).partitions[0]?.oldestUnreadAt,
        hourAgo + 42 * 60_000,
      );
      assert.equal(sent.filter((api) => api === "Fetch").length, fetches, "a known answer costs no fetch");
    } finally {
      await counting.close();
    }
  });

  test("many sinks in one pass: each topic's offsets are read once, however many sinks read it, and every group's commits at once", async () => {
    const topic = uniqueName("lag-shared");
    await createTopicWithMessages(kafka, topic, { partitions: 2, count: 10 });
    const sent: string[] = [];
    const counting = new SinkLagReader({
      ...onTestBed(),
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
        assert.equal(
          lag.total,
          10,
          "a sink that never committed (auto.offset.reset=earliest) lags by everything retained",
        );
      }
      assert.equal(
        sent.filter((api) => api === "ListOffsets").length,
        2,
        "earliest and latest, once for the topic",
      );
      assert.equal(
        sent.filter((api) => api === "OffsetFetch").length,
        1,
        "every group's commits in one OffsetFetch",
      );
    } finally {
      await counting.close();
    }
  });

  /** Commits offsets for a group, as a sink's consumer would. */
  async function transaction(topic: string, values: readonly string[], outcome: "commit" | "abort") {
    const records = values.map((value) => ({ value, partition: 0 }));
    await inTransaction(kafka, topic, records, outcome, uniqueName("lag-txn"));
  }

  async function fileSink(topic: string, extra: Record<string, string> = {}) {
    const connector = uniqueName("lag-txn-sink");
    const config = {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: topic,
      file: join(dir, `${connector}.txt`),
      ...extra,
    };
    await connectCall(`/connectors/${connector}/config`, "PUT", config);
    return { connector, config, file: config.file };
  }

  async function connectCall(path: string, method: string, body?: unknown) {
    const response = await fetch(`${testBed().connectUrl}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return text === "" ? undefined : (JSON.parse(text) as unknown);
  }

  async function stopSink(connector: string) {
    await connectCall(`/connectors/${connector}/stop`, "PUT");
    await eventually("the connector to stop", async () => {
      const status = (await connectCall(`/connectors/${connector}/status`, "GET")) as {
        connector: { state: string };
      };
      return status.connector.state === "STOPPED" ? true : undefined;
    });
  }

  test("a sink that read a committed transaction lags 0, not 1: the commit marker at the log end is never delivered", async () => {
    const topic = uniqueName("lag-txn");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 0 });
    await transaction(topic, ["t0", "t1", "t2", "t3", "t4"], "commit");
    const { connector, config } = await fileSink(topic);
    try {
      // Records 0–4, the commit marker at 5: Connect commits 5 (the last record's offset + 1), the log ends at 6.
      await eventually("the sink to commit the transaction's 5 records", async () => {
        const lag = await reader.lag(connector, config);
        return lag.partitions[0]?.committed === 5 ? lag : undefined;
      });
      const read = await reader.lag(connector, config);
      assert.deepEqual(
        read.partitions.map((p) => [p.committed, p.logEnd, p.lag]),
        [[5, 6, 0]],
      );
      assert.equal(read.total, 0);
      assert.equal(read.partitions[0]?.oldestUnreadAt, undefined, "nothing unread, so no age");

      await stopSink(connector);
      const writtenAfter = Date.now();
      await produce(
        kafka,
        topic,
        [0, 1, 2].map((i) => ({ value: `after-${i}`, partition: 0 })),
      );
      const after = await reader.lag(connector, config);
      assert.deepEqual(
        after.partitions.map((p) => [p.committed, p.logEnd, p.lag]),
        [[5, 9, 3]],
        "three real records after the marker: lag 3",
      );
      const oldest = after.partitions[0]?.oldestUnreadAt ?? 0;
      assert.ok(
        oldest >= writtenAfter - 1_000,
        "behind is counted from the first real record, not the marker",
      );
    } finally {
      await connectCall(`/connectors/${connector}`, "DELETE");
    }
  });

  test("an alert poll's reader settles a transaction's marker on its first read, and never pays twice for it", async () => {
    const topic = uniqueName("lag-txn-poll");
    const groupId = uniqueName("txn-poll-group");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 0 });
    await transaction(topic, ["a", "b"], "commit");
    await commitOffsets(kafka, groupId, topic, [[0, 2]]);
    const sent: string[] = [];
    const polling = new SinkLagReader({
      ...onTestBed(),
      onRequest: (api) => sent.push(api),
    });
    const sinks = [{ name: "poll-sink", config: { topics: topic, "consumer.override.group.id": groupId } }];
    const totalOf = async () => {
      const lag = (await polling.lagOfSinks(sinks)).get("poll-sink");
      assert.ok(lag !== undefined && !(lag instanceof Error));
      return lag.total;
    };
    try {
      assert.equal(await totalOf(), 0, "first sight: the marker is found and not counted");
      assert.equal(await totalOf(), 0, "unchanged since the last read: still 0");
      const fetches = sent.filter((api) => api === "Fetch").length;
      assert.equal(await totalOf(), 0);
      assert.equal(
        sent.filter((api) => api === "Fetch").length,
        fetches,
        "a settled partition costs no fetch",
      );
    } finally {
      await polling.close();
    }
  });

  test("an aborted transaction: Connect's sink (read_uncommitted) receives its records, so they are lag; read_committed skips them", async () => {
    const topic = uniqueName("lag-abort");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 2 });
    const { connector, config, file } = await fileSink(topic);
    try {
      await eventually("the sink to commit the first 2 records", async () =>
        (await reader.lag(connector, config)).partitions[0]?.committed === 2 ? true : undefined,
      );
      await stopSink(connector);
      // Records 2–5 in a transaction, aborted: its marker at 6, the log ends at 7.
      await transaction(topic, ["x2", "x3", "x4", "x5"], "abort");
      // The coordinator answers the abort before its marker reaches the partition (Kafka writes markers after
      // EndTxn returns): the log end is 6 until then, and 7 for good after.
      const uncommitted = await eventually("the abort marker to be written", async () => {
        const read = await reader.lag(connector, config);
        return read.partitions[0]?.logEnd === 7 ? read : undefined;
      });
      assert.equal(uncommitted.settings.isolationLevel, "read_uncommitted");
      assert.equal(uncommitted.settings.isolationLevelFrom, "Connect default");
      assert.deepEqual(
        uncommitted.partitions.map((p) => [p.committed, p.logEnd, p.lag]),
        [[2, 7, 4]],
      );
      const committedOnly = await reader.lag(connector, {
        ...config,
        "consumer.override.isolation.level": "read_committed",
      });
      assert.deepEqual(
        committedOnly.partitions.map((p) => [p.lag]),
        [[0]],
      );

      // What the worker does decides which is right: resumed, the sink writes the aborted records and commits 6.
      await connectCall(`/connectors/${connector}/resume`, "PUT");
      await eventually("the sink to pass the aborted transaction", async () =>
        (await reader.lag(connector, config)).partitions[0]?.committed === 6 ? true : undefined,
      );
      const written = (await readFile(file, "utf8")).split("\n").filter((line) => line !== "");
      assert.deepEqual(
        written.slice(-4),
        ["x2", "x3", "x4", "x5"],
        "Connect's sink consumer reads uncommitted",
      );
      assert.equal((await reader.lag(connector, config)).total, 0, "the abort marker is not lag either");
    } finally {
      await connectCall(`/connectors/${connector}`, "DELETE");
    }
  });

  test("nothing committed yet: the sink starts where auto.offset.reset says (override, else the worker's default, else earliest)", async () => {
    const topic = uniqueName("lag-no-commit");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 500 });
    const latest = await reader.lag("late-sink", {
      topics: topic,
      "consumer.override.auto.offset.reset": "latest",
    });
    assert.deepEqual(
      latest.partitions.map((p) => [p.committed, p.next, p.lag]),
      [[null, 500, 0]],
    );
    assert.equal(latest.settings.autoOffsetResetFrom, "connector");
    assert.equal(
      (await reader.lag("early-sink", { topics: topic })).total,
      500,
      "Connect's default: earliest",
    );

    const workerLatest = new SinkLagReader({
      ...onTestBed(),
      workerDefaults: { autoOffsetReset: "latest" },
    });
    try {
      const fromWorker = await workerLatest.lag("worker-sink", { topics: topic });
      assert.equal(fromWorker.total, 0);
      assert.equal(fromWorker.settings.autoOffsetResetFrom, "worker");
      const overridden = await workerLatest.lag("worker-sink", {
        topics: topic,
        "consumer.override.auto.offset.reset": "earliest",
      });
      assert.equal(overridden.total, 500, "the connector's override beats the worker's default");
    } finally {
      await workerLatest.close();
    }
  });

  test("below the log start: LOST counts what retention deleted unread, and the age is the oldest retained record's own", async () => {
    const topic = uniqueName("lag-lost");
    const groupId = uniqueName("lost-group");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 0 });
    const dayAgo = Date.now() - 86_400_000 * 9;
    // Nine-day-old records breach the broker's default 7-day retention: its first retention check (30 s after it
    // starts) would delete them all, and the test would race it. Here only deleteTopicRecords moves the log start.
    await setTopicConfigs(kafka, topic, { "retention.ms": "-1" });
    // 100 records a minute apart, nine days ago: older than any search horizon.
    await produce(
      kafka,
      topic,
      Array.from({ length: 100 }, (_, i) => ({
        value: `r${i}`,
        partition: 0,
        timestamp: String(dayAgo + i * 60_000),
      })),
    );
    await commitOffsets(kafka, groupId, topic, [[0, 10]]);
    await deleteRecordsBelow(kafka, topic, 0, 60);

    const lag = await reader.lag("lost-sink", { topics: topic, "consumer.override.group.id": groupId });
    assert.deepEqual(
      lag.partitions.map((p) => [p.committed, p.logStart, p.next, p.lag, p.lost, p.oldestUnreadAt]),
      [[10, 60, 60, 40, 50, dayAgo + 60 * 60_000]],
    );
    assert.equal(lag.lost, 50);
  });

  test("a deleted topic: only the sinks that read it lose it, marked gone; other topics and sinks, old and new, still read", async () => {
    const [kept, deleted, added] = [
      uniqueName("lag-kept"),
      uniqueName("lag-deleted"),
      uniqueName("lag-added"),
    ];
    await createTopicWithMessages(kafka, kept, { partitions: 2, count: 10 });
    await createTopicWithMessages(kafka, deleted, { partitions: 1, count: 5 });
    const logs: string[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void logs.push(line) });
    const longLived = new SinkLagReader({ ...onTestBed(), logger });
    const sinks = [
      { name: "keeps", config: { topics: kept } },
      { name: "loses", config: { topics: deleted } },
      { name: "both", config: { topics: `${kept},${deleted}` } },
    ];
    const read = async (which: readonly { name: string; config: Record<string, string> }[]) => {
      const lags = await longLived.lagOfSinks(which);
      return Object.fromEntries(
        which.map(({ name }) => {
          const lag = lags.get(name);
          if (lag === undefined || lag instanceof Error) return [name, `error: ${lag?.message}`];
          return [
            name,
            {
              total: lag.total,
              partitions: lag.partitions.length,
              unread: lag.unread.map((t) => `${t.topic} ${t.gone ? "gone" : t.reason}`),
            },
          ];
        }),
      );
    };
    try {
      assert.deepEqual(await read(sinks), {
        keeps: { total: 10, partitions: 2, unread: [] },
        loses: { total: 5, partitions: 1, unread: [] },
        both: { total: 15, partitions: 3, unread: [] },
      });
      await deleteTopics(kafka, [deleted]);
      await createTopicWithMessages(kafka, added, { partitions: 1, count: 7 });
      const withNew = [...sinks, { name: "new", config: { topics: added } }];
      for (let round = 0; round < 2; round++) {
        assert.deepEqual(await read(withNew), {
          keeps: { total: 10, partitions: 2, unread: [] },
          loses: { total: 0, partitions: 0, unread: [`${deleted} gone`] },
          both: { total: 10, partitions: 2, unread: [`${deleted} gone`] },
          new: { total: 7, partitions: 1, unread: [] },
        });
      }
      const warnings = logs.filter((line) => line.includes(deleted) && line.includes("could not be read"));
      assert.equal(
        warnings.length,
        1,
        `the unreadable topic is logged once, not every read: ${logs.join("")}`,
      );
    } finally {
      await longLived.close();
    }
  });
});

test("the group id follows Connect's rule", () => {
  assert.equal(sinkGroupId("orders", {}), "connect-orders");
  assert.equal(sinkGroupId("orders", { "consumer.override.group.id": "legacy" }), "legacy");
  assert.deepEqual(listedTopics({ topics: " a, b ,," }), ["a", "b"]);
  assert.equal(listedTopics({ "topics.regex": "x.*" }), undefined, "a regex is never evaluated here");
});

test("where a sink reads next: its commit, unless retention overtook it; else where auto.offset.reset sends it", () => {
  const earliest = sinkConsumerSettings({});
  const latest = sinkConsumerSettings({ "consumer.override.auto.offset.reset": "latest" });
  assert.equal(sinkPosition(earliest, 40, 10, 100), 40);
  assert.equal(sinkPosition(earliest, null, 10, 100), 10);
  assert.equal(sinkPosition(latest, null, 10, 100), 100);
  assert.equal(sinkPosition(earliest, 5, 10, 100), 10, "below the log start: the consumer resets");
  assert.equal(sinkPosition(latest, 5, 10, 100), 100);
  assert.equal(
    sinkPosition(earliest, 103, 10, 100),
    103,
    "past the last stable offset: inside an open transaction",
  );
  assert.deepEqual(
    sinkConsumerSettings(
      { "consumer.override.isolation.level": "read_committed" },
      { isolationLevel: "read_uncommitted" },
    ),
    {
      autoOffsetReset: "earliest",
      autoOffsetResetFrom: "Connect default",
      isolationLevel: "read_committed",
      isolationLevelFrom: "connector",
    },
  );
});

describe("messy topics: the first read of a fresh reader is as right as any later one", () => {
  const kafka = testKafka();
  let dir: string;
  /** Every test reads with a reader of its own, as a one-shot `--command lag` or the first poll after a start does. */
  const fresh = (extra: { logger?: Logger } = {}) => new SinkLagReader({ ...onTestBed(), ...extra });
  /** One poll-style pass (no settle: "all"), as `lag` of every sink and the alert poller read. */
  const pollOnce = async (reader: SinkLagReader, name: string, config: Record<string, string>) => {
    const lag = (await reader.lagOfSinks([{ name, config }])).get(name);
    assert.ok(lag !== undefined && !(lag instanceof Error), `${name}: ${String(lag)}`);
    return lag;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lag-messy-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("a compacted topic: 2,001 offsets hold 11 records; lag counts the records, and the plan says offsets", async () => {
    const cdc = await compactedTopic(kafka, { keys: 10, updates: 2_000 });
    assert.deepEqual([cdc.logStart, cdc.logEnd, cdc.records], [0, 2_001, 11], "the fixture's own count");
    const groupId = uniqueName("cdc-group");
    await commitOffsets(kafka, groupId, cdc.topic, [[0, 0]]);
    const config = { topics: cdc.topic, "consumer.override.group.id": groupId };
    const reader = fresh();
    try {
      const lag = await pollOnce(reader, "cdc-sink", config);
      assert.deepEqual(
        lag.partitions.map((p) => [p.committed, p.logEnd, p.compacted, p.lag, p.uncounted]),
        [[0, 2_001, true, 11, 0]],
        "the first read counts the 11 records left, not 2,001 offsets",
      );
      assert.equal(lag.total, 11);
      const plan = await planSinkOffsets({
        connector: "cdc-sink",
        config,
        target: { kind: "latest" },
        kafka: reader,
        connectors: [],
      });
      const text = describePlan(plan);
      assert.match(text, /skips 2001 offsets \(compacted: fewer messages\)/);
      assert.match(text, /In all: 0 offset\(s\) replayed, 2001 skipped/);
      assert.doesNotMatch(text, /2001 message/);
    } finally {
      await reader.close();
    }
  });

  test("transactions: caught up is 0 (not 1 for the marker), and a read_committed sink past aborts is 0 (not 5)", async () => {
    // Records 0–2, commit marker 3, aborted records 4–7, abort marker 8: the log ends at 9.
    const { topic, logEnd } = await transactionalTopic(kafka, [
      { records: 3, end: "commit" },
      { records: 4, end: "abort" },
    ]);
    assert.equal(logEnd, 9);
    const caughtUp = uniqueName("txn-caught-up");
    const pastCommit = uniqueName("txn-past-commit");
    await commitOffsets(kafka, caughtUp, topic, [[0, 8]]);
    await commitOffsets(kafka, pastCommit, topic, [[0, 4]]);

    const first = async (groupId: string, extra: Record<string, string> = {}) => {
      const reader = fresh();
      try {
        return (
          await pollOnce(reader, "txn-sink", {
            topics: topic,
            "consumer.override.group.id": groupId,
            ...extra,
          })
        ).total;
      } finally {
        await reader.close();
      }
    };
    assert.equal(await first(caughtUp), 0, "read everything: only the abort marker is left");
    assert.equal(
      await first(pastCommit, { "consumer.override.isolation.level": "read_committed" }),
      0,
      "read_committed never receives the aborted records",
    );
    assert.equal(await first(pastCommit), 4, "read_uncommitted (Connect's default) does receive them");
  });

  test("an open transaction: a read_committed sink at the last stable offset waits (held), it does not lag or stall", async () => {
    const { topic, logEnd, lastStable, open } = await transactionalTopic(kafka, [
      { records: 3, end: "commit" },
      { records: 5, end: "open" },
    ]);
    assert.deepEqual([lastStable, logEnd], [4, 9]);
    const connector = uniqueName("lso-sink");
    const config = {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: topic,
      file: join(dir, `${connector}.txt`),
      "consumer.override.isolation.level": "read_committed",
    };
    const connect = new ConnectClient({ cluster: "bed", url: testBed().connectUrl });
    await connect.putConfig(connector, config);
    const reader = fresh();
    try {
      await eventually("the sink to read up to the open transaction", async () =>
        (await connect.offsets(connector)).offsets[0]?.offset?.kafka_offset === 3 ? true : undefined,
      );
      const lag = await pollOnce(reader, connector, config);
      assert.deepEqual(
        lag.partitions.map((p) => [p.committed, p.logEnd, p.lag, p.held]),
        [[3, 9, 0, 5]],
        "committed 3 (marker at 3): nothing it can read; 5 offsets held by the open transaction",
      );

      // Twelve minutes of polls with the transaction still open: no lag rule fires.
      const cluster = { name: "bed", isDefault: true, connect, lag: reader };
      let at = Date.now();
      const history: ConnectorSample[] = [];
      for (let minute = 0; minute <= 12; minute++) {
        const sample = (await collectSamples(cluster, new Map(), () => at)).get(connector);
        assert.ok(sample !== undefined);
        history.push(sample);
        at += 60_000;
      }
      const firing = evaluateConnector(
        connector,
        history,
        { ...defaultThresholds, lagMessages: 1 },
        new Set(),
      );
      assert.deepEqual(
        firing.map((f) => f.rule),
        [],
        "not stalled, not lag-high: it cannot read past the last stable offset",
      );
      await open?.commit();
      await eventually("the sink to read the committed transaction", async () =>
        (await connect.offsets(connector)).offsets[0]?.offset?.kafka_offset === 9 ? true : undefined,
      );
      assert.equal((await pollOnce(reader, connector, config)).partitions[0]?.held, 0);
    } finally {
      await open?.abort().catch(() => undefined);
      await connect.deleteConnector(connector).catch(() => undefined);
      await reader.close();
      await connect.close();
    }
  });

  test("deleted records: the log start moved by DeleteRecords, a fresh read counts from there", async () => {
    const { topic, logStart, records } = await topicWithDeletedRecords(kafka, { count: 50, deleteBelow: 20 });
    assert.deepEqual([logStart, records], [20, 30]);
    const groupId = uniqueName("deleted-group");
    await commitOffsets(kafka, groupId, topic, [[0, 5]]);
    const reader = fresh();
    try {
      const lag = await pollOnce(reader, "deleted-sink", {
        topics: topic,
        "consumer.override.group.id": groupId,
      });
      assert.deepEqual(
        lag.partitions.map((p) => [p.committed, p.logStart, p.next, p.lag, p.lost]),
        [[5, 20, 20, 30, 15]],
      );
    } finally {
      await reader.close();
    }
  });
});

describe("sinks by topics.regex: Java's regex is never evaluated in JavaScript, and one unknown sink blinds no other", () => {
  const kafka = testKafka();
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lag-regex-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("possessive, \\Q…\\E, \\p{javaLowerCase}, atomic groups, mid-pattern flags and \\z: every sink's lag, new topics included", async () => {
    const base = uniqueName("jre");
    await createTopicWithMessages(kafka, `${base}.orders`, { partitions: 2, count: 6 });
    await createTopicWithMessages(kafka, `${base}-atomic-cdc`, { partitions: 1, count: 5 });
    await createTopicWithMessages(kafka, `${base}-plain`, { partitions: 1, count: 3 });
    const patterns = {
      possessive: `\\Q${base}.\\E\\p{javaLowerCase}++`,
      atomic: `(?>\\Q${base}\\E-atomic)(?i)-CDC\\z`,
      none: `\\Q${base}.nothing\\E[0-9]*+`,
    };
    for (const pattern of Object.values(patterns))
      assert.throws(() => new RegExp(pattern, "u"), SyntaxError, `JavaScript cannot compile ${pattern}`);
    const sinks = await Promise.all(
      Object.entries(patterns).map(([name, regex]) => regexSink(regex, { dir, prefix: `regex-${name}` })),
    );
    const [possessive, atomic, none] = sinks as [(typeof sinks)[0], (typeof sinks)[0], (typeof sinks)[0]];
    const plain = { name: uniqueName("plain-sink"), config: { topics: `${base}-plain` } };
    const logs: string[] = [];
    const reader = new SinkLagReader({
      ...onTestBed(),
      logger: pino({ level: "info" }, { write: (line: string) => void logs.push(line) }),
    });
    const everySink = [...sinks.map((sink) => ({ name: sink.connector, config: sink.config })), plain];
    const pass = async () => {
      const lags = await reader.lagOfSinks(everySink);
      return new Map(
        everySink.map(({ name }) => {
          const lag = lags.get(name);
          assert.ok(lag !== undefined && !(lag instanceof Error), `${name}: ${String(lag)}`);
          return [name, lag];
        }),
      );
    };
    try {
      const caughtUp = await eventually("both regex sinks to read and commit their topics", async () => {
        const lags = await pass();
        const done = [possessive, atomic].every((sink) => {
          const lag = lags.get(sink.connector);
          return (
            lag?.topicsFrom === "group" &&
            lag.partitions.every((p) => p.committed !== null) &&
            lag.total === 0
          );
        });
        return done ? lags : undefined;
      });
      assert.deepEqual(
        caughtUp.get(possessive.connector)?.partitions.map((p) => [p.topic, p.partition, p.committed]),
        [
          [`${base}.orders`, 0, 3],
          [`${base}.orders`, 1, 3],
        ],
      );
      assert.deepEqual(
        caughtUp.get(atomic.connector)?.partitions.map((p) => [p.topic, p.committed]),
        [[`${base}-atomic-cdc`, 5]],
      );
      assert.equal(caughtUp.get(plain.name)?.total, 3, "the plain sink beside them is read as ever");
      const unknown = caughtUp.get(none.connector);
      assert.equal(unknown?.topicsFrom, "unknown");
      assert.match(unknown?.topicsUnknown ?? "", /subscribe to no topic/);

      // A topic created after the sink started: its consumers match it (Java's regex), and so the bot reads it.
      await createTopicWithMessages(kafka, `${base}.late`, { partitions: 1, count: 4 });
      await createTopicWithMessages(kafka, `${base}.Upper`, { partitions: 1, count: 2 });
      const withLate = await eventually(`${base}.late to be read by the possessive sink`, async () => {
        const lag = (await pass()).get(possessive.connector);
        return lag?.partitions.some((p) => p.topic === `${base}.late` && p.committed === 4) ? lag : undefined;
      });
      assert.deepEqual(
        [...new Set(withLate.partitions.map((p) => p.topic))],
        [`${base}.late`, `${base}.orders`],
        "\\p{javaLowerCase}++ does not match .Upper",
      );
      const told = logs.filter(
        (line) => line.includes(none.connector) && line.includes("subscribe to no topic"),
      );
      assert.equal(told.length, 1, `logged once with why, not every pass: ${logs.join("")}`);
    } finally {
      await Promise.all(sinks.map((sink) => sink.remove()));
      await reader.close();
    }
  });

  test("a regex sink stopped after it ran: its topics come from its group's commits, said so", async () => {
    const base = uniqueName("jre-stop");
    await createTopicWithMessages(kafka, `${base}-one`, { partitions: 1, count: 7 });
    const sink = await regexSink(`\\Q${base}\\E-[a-z]++`, { dir });
    const reader = new SinkLagReader({ ...onTestBed() });
    const connect = new ConnectClient({ cluster: "bed", url: testBed().connectUrl });
    try {
      await eventually("the sink to commit 7", async () =>
        (await connect.offsets(sink.connector)).offsets[0]?.offset?.kafka_offset === 7 ? true : undefined,
      );
      await connect.stop(sink.connector);
      await produce(kafka, `${base}-one`, [{ value: "later", partition: 0 }]);
      const lag = await eventually("the stopped sink's tasks to leave the group", async () => {
        const read = await reader.lag(sink.connector, sink.config);
        return read.topicsFrom === "commits" ? read : undefined;
      });
      assert.deepEqual(
        lag.partitions.map((p) => [p.topic, p.committed, p.lag]),
        [[`${base}-one`, 7, 1]],
      );
    } finally {
      await sink.remove();
      await reader.close();
      await connect.close();
    }
  });
});
