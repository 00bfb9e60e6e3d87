// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Queue } from "bullmq";
import { executeApproval } from "../approvals/execute-approval.js";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import type { Actor } from "../src/core/command-spec.js";
import type { Reply } from "../src/core/reply.js";
import { RedisApprovalStore } from "../src/redis/redis-approval-store.js";
import { renderText } from "../src/shell/render-text.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import { eventually, fileSinkThatRead, testBed, testKafka } from "./support/test-bed-env.js";

const person = (id: string, name: string): Actor => ({ id, name, source: "slack" });
const viewer = person("U0VIEW", "vera");
const operator = person("U0OPER", "otto");
const approver = person("U0APPR", "anna");
const secondApprover = person("U0APPR2", "abel");

describe("approvals: destructive changes wait for a second person", () => {
  const { prefix, cleanup } = testRedis("approvals");
  const kafka = testKafka();
  let proxy: FaultProxy;
  let app: App;
  let dir: string;
  let calls = 0;

  const start = (keyPrefix: string, expiryMs?: number) =>
    createApp({
      config: loadConfig({
        CONNECT_URL: proxy.url,
        KAFKA_BROKERS: testBed().bootstrapServers,
        LOG_LEVEL: "silent",
        ROLE_VIEWERS: viewer.id,
        ROLE_OPERATORS: operator.id,
        ROLE_APPROVERS: `${approver.id},${secondApprover.id}`,
      }),
      keyPrefix,
      ...(expiryMs === undefined ? {} : { approvalOptions: { expiryMs } }),
    });
  const run = (a: App, actor: Actor, text: string): Promise<Reply> =>
    a.dispatcher.dispatch({ actor, text, requestId: `r${++calls}` });
  const idOf = (reply: Reply) => requestIdIn(reply.summary);

  /** A FileStreamSink that has read `count` messages from a one-partition topic. */
  async function sinkThatRead(count: number) {
    const connect = app.clusters[0]?.connect ?? assert.fail("no cluster");
    return { ...(await fileSinkThatRead(connect, kafka, dir, count)), connect };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "approvals-"));
    proxy = await FaultProxy.start(testBed().connectUrl);
    app = start(`${prefix}main:`);
    await app.approvals.startWorker();
  });
  after(async () => {
    await app.close();
    await proxy.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("request → plan → refused self-approval and viewer → approved → the sink re-reads exactly the planned messages", async () => {
    const { connector, topic, file, connect } = await sinkThatRead(100);
    const asked = await run(
      app,
      operator,
      `offsets reset ${connector} --to-offset 40 --reason "replay after the bug fix"`,
    );
    assert.equal(asked.outcome, "succeeded", asked.summary);
    assert.equal(asked.visibility, "in_channel");
    assert.match(renderText(asked), new RegExp(`${topic}:0  100 → 40  \\(replays 60\\)`));
    const id = idOf(asked);
    assert.equal((await app.approvals.get(id))?.state, "pending");

    assert.match((await run(app, operator, `approve ${id}`)).summary, /approver role/);
    assert.match((await run(app, viewer, `approve ${id}`)).summary, /approver role/);
    // An approver who asked cannot approve their own request either.
    const other = await sinkThatRead(3);
    const own = await run(app, approver, `offsets reset ${other.connector} --to-earliest --reason "mine"`);
    assert.match((await run(app, approver, `approve ${idOf(own)}`)).summary, /yourself/);
    await run(app, approver, `cancel ${idOf(own)}`);

    const approved = await run(app, approver, `approve ${id}`);
    assert.equal(approved.outcome, "succeeded", approved.summary);
    const done = await eventually("the request to finish", async () => {
      const request = await app.approvals.get(id);
      return request?.state === "succeeded" || request?.state === "failed" ? request : undefined;
    });
    assert.equal(done.state, "succeeded", done.outcome);
    assert.equal(done.priorState, "RUNNING");
    assert.deepEqual(done.snapshot, [
      { partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 100 } },
    ]);
    assert.equal(done.decidedBy?.id, approver.id);

    const lines = await eventually("messages 40-99 again", async () => {
      const text = (await readFile(file, "utf8")).split("\n").filter(Boolean);
      return text.length >= 160 ? text : undefined;
    });
    assert.deepEqual(
      lines.slice(100),
      Array.from({ length: 60 }, (_, i) => `${topic}-${40 + i}`),
    );
    assert.equal((await connect.status(connector)).connector.state, "RUNNING");
    const trail = await app.audit.query({ connector, limit: 50 });
    assert.deepEqual(
      trail
        .filter((e) => e.command.includes(id))
        .map((e) => [e.outcome, e.actorName, e.detail ?? ""])
        .reverse(),
      [
        ["requested", "otto", ""],
        ["approved", "anna", ""],
        ...["snapshot", "stopped", "resolved", "changed", "verified", "restored"].map((step) => [
          "succeeded",
          "anna",
          `step ${step} done`,
        ]),
        ["succeeded", "anna", ""],
      ],
    );
  });

  test("deny, cancel, and deciding twice: each says who decided", async () => {
    const { connector } = await sinkThatRead(5);
    const denied = idOf(await run(app, operator, `offsets reset ${connector} --to-earliest --reason "try"`));
    assert.match((await run(app, approver, `deny ${denied}`)).summary, /--reason/);
    assert.equal((await run(app, approver, `deny ${denied} --reason "not today"`)).outcome, "succeeded");
    assert.match(
      (await run(app, secondApprover, `approve ${denied}`)).summary,
      new RegExp(`${denied} is already denied by anna`),
    );

    const cancelled = idOf(
      await run(app, operator, `offsets reset ${connector} --to-earliest --reason "try again"`),
    );
    assert.match(
      (await run(app, approver, `cancel ${cancelled}`)).summary,
      /Only otto, who asked, can cancel/,
    );
    assert.equal((await run(app, operator, `cancel ${cancelled}`)).outcome, "succeeded");
    assert.match((await run(app, approver, `approve ${cancelled}`)).summary, /already cancelled/);
    assert.equal(
      (await app.clusters[0]?.connect.status(connector))?.connector.state,
      "RUNNING",
      "nothing ran",
    );
  });

  test("a request nobody decides expires", async () => {
    const short = start(`${prefix}expiry:`, 1500);
    await short.approvals.startWorker();
    try {
      const { connector } = await sinkThatRead(5);
      const id = idOf(
        await run(short, operator, `offsets reset ${connector} --to-earliest --reason "will expire"`),
      );
      const expired = await eventually("expiry", async () => {
        const request = await short.approvals.get(id);
        return request?.state === "expired" ? request : undefined;
      });
      assert.equal(expired.state, "expired");
      assert.match((await run(short, approver, `approve ${id}`)).summary, /already expired/);
    } finally {
      await short.close();
    }
  });

  test("an approved request whose job was lost is given a new one when a worker starts", async () => {
    const orphans = start(`${prefix}orphans:`);
    const queue = new Queue("approvals", { connection: orphans.redis, prefix: `${prefix}orphans:bull` });
    try {
      const { connector, file } = await sinkThatRead(8);
      const id = idOf(
        await run(orphans, operator, `offsets reset ${connector} --to-offset 3 --reason "orphan"`),
      );
      assert.equal((await run(orphans, approver, `approve ${id}`)).outcome, "succeeded");
      // No worker ran it, and its job is gone, as after losing Redis data: nothing would ever carry it out.
      await (await queue.getJob(id))?.remove();
      assert.equal(await queue.getJob(id), undefined);
      await orphans.approvals.startWorker();
      const done = await eventually("the orphan to run", async () => {
        const request = await orphans.approvals.get(id);
        return request?.state === "succeeded" || request?.state === "failed" ? request : undefined;
      });
      assert.equal(done.state, "succeeded", done.outcome);
      // The sink reads messages 3 to 7 a second time.
      await eventually("the replay", async () =>
        (await readFile(file, "utf8")).split("\n").filter(Boolean).length === 13 ? true : undefined,
      );
    } finally {
      await queue.close();
      await orphans.close();
    }
  });

  test("two executions of one request at once (a job wrongly thought stalled): the connector's lock lets one run, the other finds it done", async () => {
    const idle = start(`${prefix}twice:`);
    try {
      const { connector } = await sinkThatRead(6);
      const id = idOf(await run(idle, operator, `offsets reset ${connector} --to-offset 2 --reason "twice"`));
      await run(idle, approver, `approve ${id}`);
      const before = proxy.requests.length;
      const store = new RedisApprovalStore(idle.redis, `${prefix}twice:`);
      const connect = idle.clusters[0]?.connect ?? assert.fail("no cluster");
      const kafka = idle.clusters[0]?.lag ?? assert.fail("no cluster");
      const execute = () => executeApproval(id, { store, connect, kafka, now: () => Date.now() });
      const [one, two] = await Promise.all([execute(), execute()]);
      assert.deepEqual([one.state, two.state], ["succeeded", "succeeded"]);
      const done = await store.get(id);
      assert.equal(done?.state, "succeeded", done?.outcome);
      const sent = proxy.requests.slice(before);
      assert.equal(sent.filter((r) => r.method === "PATCH").length, 1, "one change");
      assert.equal(sent.filter((r) => r.method === "PUT" && r.url.endsWith("/stop")).length, 1, "one stop");
    } finally {
      await idle.close();
    }
  });

  test("50 approvals at once: one wins, the change runs once", async () => {
    const { connector } = await sinkThatRead(20);
    const id = idOf(await run(app, operator, `offsets reset ${connector} --to-offset 10 --reason "race"`));
    const before = proxy.requests.length;
    const clicks = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        run(app, i % 2 === 0 ? approver : secondApprover, `approve ${id}`),
      ),
    );
    assert.equal(clicks.filter((c) => c.outcome === "succeeded").length, 1);
    assert.ok(
      clicks
        .filter((c) => c.outcome !== "succeeded")
        .every((c) => /already (approved|executing|succeeded)/.test(c.summary)),
    );
    await eventually("done", async () =>
      (await app.approvals.get(id))?.state === "succeeded" ? true : undefined,
    );
    const changes = proxy.requests
      .slice(before)
      .filter((r) => r.method === "PATCH" && r.url.includes("/offsets"));
    assert.equal(changes.length, 1);
  });

  test("bad requests are refused before anything is queued", async () => {
    const { connector } = await sinkThatRead(3);
    assert.match((await run(app, operator, `offsets reset ${connector} --to-latest`)).summary, /--reason/);
    assert.match(
      (await run(app, operator, `offsets reset ${connector} --to-latest --to-earliest --reason "both"`))
        .summary,
      /exactly one target/,
    );
    assert.match(
      (
        await run(
          app,
          operator,
          `offsets reset ${connector} --to-offset 1 --topic nope --reason "wrong topic"`,
        )
      ).summary,
      /does not read nope/,
    );
    assert.match(
      (await run(app, viewer, `offsets reset ${connector} --to-latest --reason "not allowed"`)).summary,
      /operator role/,
    );
    assert.equal((await app.approvals.recent(100)).filter((r) => r.connector === connector).length, 0);
  });
});
