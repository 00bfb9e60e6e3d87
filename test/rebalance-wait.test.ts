// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { outcomeReply } from "../approvals/approval-words.js";
import type { ApprovalsOptions } from "../approvals/approvals.js";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import type { Actor } from "../src/core/command-spec.js";
import type { Reply } from "../src/core/reply.js";
import { renderText } from "../src/shell/render-text.js";
import { FaultProxy, rebalanceConflict } from "./support/fault-proxy.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import { eventually, fileSinkThatRead, testBed, testKafka } from "./support/test-bed-env.js";

const operator: Actor = { id: "U0OPER", name: "otto", source: "slack" };
const approver: Actor = { id: "U0APPR", name: "anna", source: "slack" };

/**
 * Connect answers 409 while its group rebalances, for as long as the rebalance takes (with a dead worker, up to
 * `scheduled.rebalance.max.delay.ms`). The fault proxy in front of the real worker answers 409 with Connect's own
 * rebalance message for a window; an approved change waits it out up to its bound, and past it fails saying the
 * state Connect really reports, with the command that puts the connector back.
 */
describe("an approved change waits a rebalance (409) out", () => {
  const { prefix, cleanup } = testRedis("rebalance-wait");
  const kafka = testKafka();
  let proxy: FaultProxy;
  let dir: string;
  let calls = 0;
  const apps: App[] = [];

  const start = async (name: string, approvalOptions: Partial<ApprovalsOptions>) => {
    const app = createApp({
      config: loadConfig({
        CONNECT_URL: proxy.url,
        KAFKA_BROKERS: testBed().bootstrapServers,
        LOG_LEVEL: "silent",
        ROLE_OPERATORS: operator.id,
        ROLE_APPROVERS: approver.id,
      }),
      keyPrefix: `${prefix}${name}:`,
      approvalOptions,
    });
    apps.push(app);
    await app.approvals.startWorker();
    return app;
  };
  const run = (app: App, actor: Actor, text: string): Promise<Reply> =>
    app.dispatcher.dispatch({ actor, text, requestId: `rw-${++calls}` });
  const finished = (app: App, id: string) =>
    eventually(
      `${id} to finish`,
      async () => {
        const request = await app.approvals.get(id);
        return request?.state === "succeeded" || request?.state === "failed" ? request : undefined;
      },
      { timeoutMs: 90_000 },
    );
  const resumeOrStop = { method: "PUT", path: /\/(resume|stop)$/ };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "rebalance-wait-"));
    proxy = await FaultProxy.start(testBed().connectUrl);
  });
  after(async () => {
    for (const app of apps) await app.close();
    await proxy.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("a 6 s window of 409 on resume is waited out: the change completes and the sink runs again", async () => {
    const app = await start("short", {
      rebalanceWaitMs: 30_000,
      // The window opens once the offsets are changed and confirmed: it meets the resume.
      afterStep: async (step) => {
        if (step === "verified") proxy.conflictFor(6_000, resumeOrStop);
      },
    });
    const connect = app.clusters[0]?.connect ?? assert.fail("no cluster");
    const { connector, topic } = await fileSinkThatRead(connect, kafka, dir, 6);
    const id = requestIdIn(
      (await run(app, operator, `offsets set ${connector} ${topic}:0=2 --reason "rebalance"`)).summary,
    );
    const before = proxy.requests.length;
    await run(app, approver, `approve ${id}`);
    const done = await finished(app, id);
    assert.equal(done.state, "succeeded", done.outcome);
    const resumes = proxy.requests
      .slice(before)
      .filter((r) => r.method === "PUT" && r.url.endsWith("/resume"));
    const first = resumes[0];
    const last = resumes.at(-1);
    assert.ok(
      first !== undefined && last !== undefined && resumes.length > 1,
      "resume was refused, then sent again",
    );
    assert.ok(last.startedMs - first.startedMs >= 5_500, "the resumes span the 6 s window");
    await eventually(`${connector} RUNNING`, async () =>
      (await connect.status(connector)).connector.state === "RUNNING" ? true : undefined,
    );
  });

  test("a 409 window on stop is waited out too: the change runs once the group answers", async () => {
    const app = await start("stop", { rebalanceWaitMs: 30_000 });
    const connect = app.clusters[0]?.connect ?? assert.fail("no cluster");
    const { connector, topic } = await fileSinkThatRead(connect, kafka, dir, 4);
    const id = requestIdIn(
      (await run(app, operator, `offsets set ${connector} ${topic}:0=1 --reason "rebalance"`)).summary,
    );
    proxy.conflictFor(4_000, { method: "PUT", path: /\/stop$/ });
    await run(app, approver, `approve ${id}`);
    const done = await finished(app, id);
    assert.equal(done.state, "succeeded", done.outcome);
    assert.deepEqual(
      (await connect.offsets(connector)).offsets.map((o) => o.offset?.kafka_offset),
      [1],
    );
  });

  test('a worker leaving answers 500 "IO Error trying to forward REST request … Connection refused" once: the change is sent again and succeeds', async () => {
    const app = await start("forward", { rebalanceWaitMs: 30_000 });
    const connect = app.clusters[0]?.connect ?? assert.fail("no cluster");
    const { connector, topic } = await fileSinkThatRead(connect, kafka, dir, 4);
    const id = requestIdIn(
      (await run(app, operator, `offsets set ${connector} ${topic}:0=3 --reason "worker leaving"`)).summary,
    );
    const patch = { method: "PATCH", path: /\/offsets$/ };
    proxy.answerNextMatching(
      patch,
      1,
      500,
      "IO Error trying to forward REST request: java.net.ConnectException: Connection refused",
    );
    const before = proxy.requests.length;
    await run(app, approver, `approve ${id}`);
    const done = await finished(app, id);
    assert.equal(done.state, "succeeded", done.outcome);
    const patches = proxy.requests.slice(before).filter((r) => r.method === "PATCH");
    assert.equal(patches.length, 2, "the refused forward, then the change that reached the leader");
    assert.deepEqual(
      (await connect.offsets(connector)).offsets.map((o) => o.offset?.kafka_offset),
      [3],
    );
  });

  test("past the bound the change fails, says the connector is STOPPED, and offers the resume that puts it back", async () => {
    const app = await start("long", {
      rebalanceWaitMs: 3_000,
      afterStep: async (step) => {
        if (step === "verified") proxy.conflictFor(120_000, resumeOrStop);
      },
    });
    const connect = app.clusters[0]?.connect ?? assert.fail("no cluster");
    const { connector, topic } = await fileSinkThatRead(connect, kafka, dir, 5);
    const id = requestIdIn(
      (await run(app, operator, `offsets set ${connector} ${topic}:0=3 --reason "long rebalance"`)).summary,
    );
    await run(app, approver, `approve ${id}`);
    const done = await finished(app, id);
    proxy.clearFaults();
    assert.equal(done.state, "failed");
    assert.match(done.outcome ?? "", new RegExp(rebalanceConflict.message.replace(/[()]/g, "\\$&")));
    assert.match(done.outcome ?? "", /still so after [3-9]\.\d s/);
    assert.match(done.outcome ?? "", /Connect reports it STOPPED/);
    assert.equal((await connect.status(connector)).connector.state, "STOPPED");

    const outcome = outcomeReply(done);
    assert.match(renderText(outcome), new RegExp(`resume ${connector} --cluster default`));
    const action = outcome.parts
      .flatMap((part) => (part.kind === "actions" ? part.actions : []))
      .find((a) => a.call.command === "resume");
    assert.ok(action !== undefined, "the outcome offers a Resume button");
    const clicked = await app.dispatcher.dispatch({
      actor: operator,
      call: action.call,
      requestId: `rw-${++calls}`,
    });
    assert.equal(clicked.outcome, "succeeded", clicked.summary);
    await eventually(`${connector} RUNNING again`, async () =>
      (await connect.status(connector)).connector.state === "RUNNING" ? true : undefined,
    );
  });
});
