// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ConnectClient } from "../src/connect/connect-client.js";
import {
  ConnectNotFound,
  ConnectNotStopped,
  ConnectUnaddressableName,
  ConnectUnavailable,
} from "../src/connect/connect-errors.js";
import type { ConnectorState } from "../src/core/ports.js";
import {
  createTopicWithMessages,
  eventually,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";

const fileSink = "org.apache.kafka.connect.file.FileStreamSinkConnector";

describe("Connect REST client against the real worker", () => {
  const kafka = testKafka();
  let connect: ConnectClient;
  let dir: string;

  before(async () => {
    connect = new ConnectClient({ cluster: "test-bed", url: testBed().connectUrl, timeoutMs: 30_000 });
    dir = await mkdtemp(join(tmpdir(), "connect-client-"));
  });
  after(async () => {
    await connect.close();
    await rm(dir, { recursive: true, force: true });
  });

  const lines = async (file: string) =>
    (await readFile(file, "utf8").catch(() => "")).split("\n").filter((line) => line !== "");
  const linesReach = (file: string, count: number) =>
    eventually(`${count} lines in ${file}`, async () => {
      const current = await lines(file);
      return current.length >= count ? current : undefined;
    });
  const stateReaches = (name: string, state: ConnectorState) =>
    eventually(`${name} to be ${state}`, async () => {
      const status = await connect.status(name);
      // A connector reports RUNNING before its tasks are assigned: settled means tasks there, all in the state.
      const tasksAgree =
        state === "STOPPED"
          ? status.tasks.length === 0
          : status.tasks.length > 0 && status.tasks.every((t) => t.state === state);
      return status.connector.state === state && tasksAgree ? status : undefined;
    });

  test("worker info names the Kafka version and cluster", async () => {
    const info = await connect.workerInfo();
    assert.match(info.version, /^\d+\.\d+\.\d+/);
    assert.ok(info.kafka_cluster_id.length > 0);
    const plugins = await connect.connectorPlugins();
    assert.ok(plugins.some((plugin) => plugin.class === fileSink && plugin.type === "sink"));
  });

  test("a FileStreamSink: pause, resume, stop, offsets, alter to 500 and reset re-deliver the messages", async () => {
    const topic = uniqueName("orders");
    const name = uniqueName("orders-sink");
    const file = join(dir, `${name}.txt`);
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 1000 });
    await connect.putConfig(name, { "connector.class": fileSink, topics: topic, file, "tasks.max": "1" });
    try {
      await linesReach(file, 1000);
      await stateReaches(name, "RUNNING");

      await connect.pause(name);
      await stateReaches(name, "PAUSED");
      await connect.resume(name);
      await stateReaches(name, "RUNNING");

      // The sink commits every second (offset.flush.interval.ms): wait for the last commit before stopping.
      await eventually("all 1000 offsets committed", async () => {
        const offsets = await connect.offsets(name);
        return offsets.offsets[0]?.offset?.kafka_offset === 1000 ? offsets : undefined;
      });
      await connect.stop(name);
      await stateReaches(name, "STOPPED");
      assert.deepEqual((await connect.offsets(name)).offsets, [
        { partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 1000 } },
      ]);

      const altered = await connect.alterOffsets(name, [
        { partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 500 } },
      ]);
      assert.match(altered.message, /altered successfully/);
      assert.equal((await connect.offsets(name)).offsets[0]?.offset?.kafka_offset, 500);
      await connect.resume(name);
      const replayed = await linesReach(file, 1500);
      assert.deepEqual(
        replayed.slice(1000),
        Array.from({ length: 500 }, (_, i) => `${topic}-${500 + i}`),
        "messages 500-999 arrive again, in order",
      );

      await eventually("offsets back at 1000", async () =>
        (await connect.offsets(name)).offsets[0]?.offset?.kafka_offset === 1000 ? true : undefined,
      );
      await connect.stop(name);
      await stateReaches(name, "STOPPED");
      const reset = await connect.resetOffsets(name);
      assert.match(reset.message, /reset successfully/);
      assert.deepEqual((await connect.offsets(name)).offsets, []);
      await connect.resume(name);
      const reread = await linesReach(file, 2500);
      assert.equal(reread[1500], `${topic}-0`, "after a reset the sink reads the topic from the start");
    } finally {
      await connect.deleteConnector(name);
    }
  });

  test("changing the offsets of a running connector is refused as 'not stopped', and changes nothing", async () => {
    const topic = uniqueName("running");
    const name = uniqueName("running-sink");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 10 });
    await connect.putConfig(name, {
      "connector.class": fileSink,
      topics: topic,
      file: join(dir, `${name}.txt`),
    });
    try {
      await stateReaches(name, "RUNNING");
      const before = await eventually("offsets committed", async () => {
        const offsets = await connect.offsets(name);
        return offsets.offsets[0]?.offset?.kafka_offset === 10 ? offsets : undefined;
      });
      const alter = connect.alterOffsets(name, [
        { partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 0 } },
      ]);
      await assert.rejects(alter, (error: unknown) => {
        assert.ok(error instanceof ConnectNotStopped);
        assert.equal(error.code, "CONNECT_NOT_STOPPED");
        assert.match(error.message, /test-bed/);
        return true;
      });
      await assert.rejects(connect.resetOffsets(name), ConnectNotStopped);
      assert.deepEqual(await connect.offsets(name), before);
      assert.equal((await connect.status(name)).connector.state, "RUNNING");
    } finally {
      await connect.deleteConnector(name);
    }
  });

  test("list, tasks, restart with tasks and loggers", async () => {
    const topic = uniqueName("ops");
    const name = uniqueName("ops-sink");
    await createTopicWithMessages(kafka, topic, { partitions: 2, count: 4 });
    await connect.putConfig(name, {
      "connector.class": fileSink,
      topics: topic,
      file: join(dir, `${name}.txt`),
      "tasks.max": "2",
    });
    try {
      await stateReaches(name, "RUNNING");
      const listed = (await connect.listConnectors()).find((connector) => connector.name === name);
      assert.equal(listed?.type, "sink");
      assert.equal(listed?.state, "RUNNING");
      assert.equal(listed?.config.topics, topic);
      // A task's config is written before its status: under load the listing may show fewer tasks for a moment.
      await eventually(`${name}'s tasks listed as configured`, async () => {
        const statuses = (await connect.listConnectors()).find((connector) => connector.name === name);
        return (await connect.tasks(name)).length === statuses?.tasks.length ? true : undefined;
      });

      const restarted = await connect.restart(name, { includeTasks: true });
      assert.equal(restarted?.connector.state, "RESTARTING");
      await stateReaches(name, "RUNNING");
      await connect.restartTask(name, 0);
      await stateReaches(name, "RUNNING");

      const logger = "org.apache.kafka.connect.file";
      await connect.setLoggerLevel(logger, "DEBUG");
      assert.equal((await connect.logger(logger)).level, "DEBUG");
      await connect.setLoggerLevel(logger, "INFO");
      assert.equal((await connect.loggers())[logger]?.level, "INFO");
    } finally {
      await connect.deleteConnector(name);
    }
  });

  test("names with ?, #, spaces and other letters reach exactly that connector", async () => {
    const topic = uniqueName("names");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 1 });
    const suffix = uniqueName("");
    const names = ["what?x=1&y", "hash#1", "with space", "ünïcödé-sink", "a..b", "<b>&amp;"].map(
      (name) => `${name}${suffix}`,
    );
    for (const name of names) {
      await connect.putConfig(name, {
        "connector.class": fileSink,
        topics: topic,
        file: join(dir, "names.txt"),
      });
    }
    try {
      // A connector appears in the expanded list once the worker has written its first status.
      await eventually("every name listed", async () => {
        const listed = new Set((await connect.listConnectors()).map((connector) => connector.name));
        return names.every((name) => listed.has(name)) ? true : undefined;
      });
      for (const name of names) {
        assert.equal((await connect.info(name)).name, name);
        assert.equal((await connect.config(name)).name, name);
      }
    } finally {
      for (const name of names) await connect.deleteConnector(name);
    }
    for (const name of names) {
      await eventually(`${name} gone`, async () =>
        connect.status(name).then(
          () => undefined,
          (error: unknown) => (error instanceof ConnectNotFound ? true : undefined),
        ),
      );
    }
  });

  test("names no REST path can reach ('/', '%', '..') are refused before anything is sent", async () => {
    const before = await connect.listConnectors();
    for (const name of ["../..", "a/b", "100%", "..", ".", "%2E%2E", "back\\slash"]) {
      await assert.rejects(connect.deleteConnector(name), (error: unknown) => {
        assert.ok(error instanceof ConnectUnaddressableName);
        assert.match(error.message, /cannot reach this name/);
        assert.equal(error.cluster, "test-bed");
        return true;
      });
    }
    assert.deepEqual(await connect.listConnectors(), before);
  });

  test("an unknown connector is 'not found', naming the cluster and the call", async () => {
    await assert.rejects(connect.status("no-such-connector"), (error: unknown) => {
      assert.ok(error instanceof ConnectNotFound);
      assert.equal(error.cluster, "test-bed");
      assert.match(error.message, /test-bed/);
      assert.match(error.message, /no-such-connector/);
      return true;
    });
  });

  test("a Connect worker that is down is 'unavailable', within the timeout", async () => {
    const down = new ConnectClient({
      cluster: "down",
      url: "http://127.0.0.1:9",
      retry: { deadlineMs: 1000, maxAttempts: 2 },
    });
    const started = Date.now();
    await assert.rejects(down.listConnectors(), ConnectUnavailable);
    await assert.rejects(down.pause("x"), ConnectUnavailable);
    assert.ok(Date.now() - started < 5000, `gave up after ${Date.now() - started} ms`);
    await down.close();
  });
});
