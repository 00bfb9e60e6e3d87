// needs: bed
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Redis } from "ioredis";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import type { Actor } from "../src/core/command-spec.js";
import type { Reply } from "../src/core/reply.js";
import { renderText } from "../src/shell/render-text.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import {
  createTopicWithMessages,
  eventually,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";

const operator: Actor = { id: "U0OPER", name: "otto", source: "slack" };
const approver: Actor = { id: "U0APPR", name: "anna", source: "slack" };
const secrets = ["Snap-Pw-8841", "Snap-Url-7712", "Snap-Jaas-3390"];

/** Every value stored under the prefix, whatever the key's type: what anyone reading Redis (or a backup) reads. */
async function everythingUnder(redis: Redis, prefix: string): Promise<string> {
  const values: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === "string"
          ? await redis.get(key)
          : type === "hash"
            ? await redis.hgetall(key)
            : type === "list"
              ? await redis.lrange(key, "0", "-1")
              : type === "set"
                ? await redis.smembers(key)
                : type === "zset"
                  ? await redis.zrange(key, "0", "-1", "WITHSCORES")
                  : type === "stream"
                    ? await redis.xrange(key, "-", "+")
                    : `(${type})`;
      values.push(`${key} ${JSON.stringify(value)}`);
    }
    cursor = next;
  } while (cursor !== "0");
  return values.join("\n");
}

describe("a delete's snapshot keeps no secret in clear in Redis", () => {
  const { redis, prefix, cleanup } = testRedis("snapshot-secrets");
  const kafka = testKafka();
  const apps: App[] = [];
  let dir: string;
  let calls = 0;

  const start = async (keyPrefix: string, snapshotKeys?: string) => {
    const app = createApp({
      config: loadConfig({
        CONNECT_URL: testBed().connectUrl,
        KAFKA_BROKERS: testBed().bootstrapServers,
        LOG_LEVEL: "silent",
        ROLE_OPERATORS: operator.id,
        ROLE_APPROVERS: approver.id,
        ...(snapshotKeys === undefined ? {} : { SNAPSHOT_KEYS: snapshotKeys }),
      }),
      keyPrefix,
    });
    apps.push(app);
    await app.approvals.startWorker();
    return app;
  };
  const run = (app: App, actor: Actor, text: string): Promise<Reply> =>
    app.dispatcher.dispatch({ actor, text, requestId: `r${++calls}` });
  const idOf = (reply: Reply) => requestIdIn(reply.summary);
  const approved = async (app: App, asked: Reply) => {
    await run(app, approver, `approve ${idOf(asked)}`);
    const done = await eventually(`${idOf(asked)} to finish`, async () => {
      const request = await app.approvals.get(idOf(asked));
      return request?.state === "succeeded" || request?.state === "failed" ? request : undefined;
    });
    assert.equal(done.state, "succeeded", done.outcome);
  };
  /** A sink that read two messages, with a password, a URL holding one, and a JAAS config in its settings. */
  const secretSink = async (app: App) => {
    const connect = app.clusters[0]?.connect ?? assert.fail("no cluster");
    const topic = uniqueName("snap-topic");
    const connector = uniqueName("snap-sink");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 2 });
    const config = {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: topic,
      file: join(dir, `${connector}.txt`),
      "connection.password": secrets[0] ?? "",
      "connection.url": `jdbc:postgresql://db.example.com/orders?user=app&password=${secrets[1]}`,
      "consumer.override.sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required username="c" password="${secrets[2]}";`,
    };
    await connect.putConfig(connector, config);
    await eventually(`${connector} to commit both messages`, async () =>
      (await connect.offsets(connector)).offsets[0]?.offset?.kafka_offset === 2 ? true : undefined,
    );
    return { connect, connector, config };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "snapshot-secrets-"));
  });
  after(async () => {
    for (const app of apps) await app.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("with SNAPSHOT_KEYS: secrets are sealed in Redis, and restore creates a working connector with them", async () => {
    const keyPrefix = `${prefix}sealed:`;
    const oldKey = `old:${randomBytes(32).toString("base64")}`;
    const app = await start(keyPrefix, `k2:${randomBytes(32).toString("base64")},${oldKey}`);
    const { connect, connector, config } = await secretSink(app);
    const asked = await run(app, operator, `delete ${connector} --reason "replaced by v2"`);
    assert.match(renderText(asked), /3 secret setting\(s\) sealed/);
    await approved(app, asked);

    const stored = await everythingUnder(redis, keyPrefix);
    assert.match(stored, /sealed:v1:k2:/, "the secrets are kept, sealed under the current key");
    for (const secret of secrets) assert.ok(!stored.includes(secret), `${secret} is in Redis:\n${stored}`);

    const undo = await run(app, operator, `offsets restore ${idOf(asked)} --reason "deleted the wrong one"`);
    assert.equal(undo.outcome, "succeeded", renderText(undo));
    await approved(app, undo);
    assert.deepEqual(await connect.config(connector), { ...config, name: connector });
    await eventually("the re-created connector and its task RUNNING", async () => {
      const status = await connect.status(connector);
      return status.connector.state === "RUNNING" && status.tasks[0]?.state === "RUNNING" ? true : undefined;
    });
    assert.deepEqual(
      (await connect.offsets(connector)).offsets.map((o) => o.offset?.kafka_offset),
      [2],
    );
    const afterRestore = await everythingUnder(redis, keyPrefix);
    for (const secret of secrets)
      assert.ok(!afterRestore.includes(secret), `${secret} in Redis after restore`);
    await connect.deleteConnector(connector);
  });

  test("without SNAPSHOT_KEYS: delete says secrets are not kept, Redis holds none, restore refuses naming them", async () => {
    const keyPrefix = `${prefix}plain:`;
    const app = await start(keyPrefix);
    const { connector } = await secretSink(app);
    const asked = await run(app, operator, `delete ${connector} --reason "replaced by v2"`);
    const plan = renderText(asked);
    assert.match(plan, /only the non-secret settings of its config: no SNAPSHOT_KEYS is set/);
    assert.match(plan, /connection\.password/);
    await approved(app, asked);

    const stored = await everythingUnder(redis, keyPrefix);
    assert.match(stored, /FileStreamSinkConnector/, "the non-secret settings are kept");
    for (const secret of secrets) assert.ok(!stored.includes(secret), `${secret} is in Redis:\n${stored}`);

    const undo = await run(app, operator, `offsets restore ${idOf(asked)} --reason "deleted the wrong one"`);
    assert.equal(undo.outcome, "refused");
    for (const key of ["connection.password", "connection.url", "consumer.override.sasl.jaas.config"]) {
      assert.ok(undo.summary.includes(key), `names ${key}: ${undo.summary}`);
    }
  });
});
