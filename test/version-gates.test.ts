// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ConnectNotFound } from "../src/connect/connect-errors.js";
import type { Actor } from "../src/core/command-spec.js";
import { isOlderThan } from "../src/core/worker-version.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import { fileSinkThatRead, testBed, testKafka } from "./support/test-bed-env.js";
import { startTestBot, type TestBot } from "./support/test-bot.js";

const operator: Actor = { id: "U0OPER", name: "otto", source: "slack" };
const approver: Actor = { id: "U0APPR", name: "anna", source: "slack" };

/**
 * Restoring a deleted connector creates it STOPPED (`initial_state`, KIP-980, Connect 3.7), so that it reads
 * nothing before its offsets are set. A 3.6 worker does not know the field: the bot refuses up front, naming the
 * version it needs, and sends nothing. Runs on the real worker of the bed; a 3.6 worker is either the real one (the
 * 3.6 run of CI) or the fault proxy answering `GET /` as 3.6.2.
 */
describe("version-dependent calls are gated on the worker's version", () => {
  const { prefix, cleanup } = testRedis("version-gates");
  const kafka = testKafka();
  let proxy: FaultProxy;
  let bot: TestBot;
  let dir: string;
  let realVersion: string;
  const run = (actor: Actor, text: string) => bot.run(actor, text);
  const finished = (id: string) => bot.finished(id);
  const connect = () => bot.connect();
  const answerAs36 = () =>
    proxy.answerNextWith({ method: "GET", path: /^\/$/ }, 100, 200, {
      version: "3.6.2",
      commit: "c4deed513057c94e",
      kafka_cluster_id: "bed",
    });
  const deletedSink = async () => {
    const { connector } = await fileSinkThatRead(connect(), kafka, dir, 3);
    const asked = await run(operator, `delete ${connector} --reason "gone"`);
    await run(approver, `approve ${requestIdIn(asked.summary)}`);
    const done = await finished(requestIdIn(asked.summary));
    assert.equal(done.state, "succeeded", done.outcome);
    return { connector, deleteId: done.id };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "version-gates-"));
    proxy = await FaultProxy.start(testBed().connectUrl);
    bot = await startTestBot({
      connectUrl: proxy.url,
      env: { ROLE_OPERATORS: operator.id, ROLE_APPROVERS: approver.id },
      keyPrefix: prefix,
    });
    realVersion = (await connect().workerInfo()).version;
  });
  after(async () => {
    await bot.close();
    await proxy.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("on a 3.6 worker, `offsets restore` of a delete is refused up front with the version it needs; nothing is created", async () => {
    const { connector, deleteId } = await deletedSink();
    if (!isOlderThan(realVersion, "3.7")) answerAs36();
    const sent = proxy.requests.length;
    const reply = await run(operator, `offsets restore ${deleteId} --reason "undo"`);
    proxy.clearFaults();
    assert.notEqual(reply.outcome, "succeeded", reply.summary);
    assert.match(reply.summary, /runs Kafka Connect 3\.6\.\d+; creating a connector STOPPED/);
    assert.match(reply.summary, /needs Kafka Connect 3\.7 or newer/);
    assert.equal(reply.queued, undefined, "no request waits for approval");
    assert.ok(!proxy.requests.slice(sent).some((r) => r.method === "POST"), "nothing was sent to create it");
    await assert.rejects(connect().status(connector), ConnectNotFound);
  });

  test("a worker that is 3.6 when the approved restore runs: refused before the create, and the outcome says it does not exist", async (t) => {
    if (isOlderThan(realVersion, "3.7")) {
      t.skip("the real worker refuses the request itself (the test above)");
      return;
    }
    const { connector, deleteId } = await deletedSink();
    const asked = await run(operator, `offsets restore ${deleteId} --reason "undo"`);
    const id = requestIdIn(asked.summary);
    answerAs36();
    const sent = proxy.requests.length;
    await run(approver, `approve ${id}`);
    const done = await finished(id);
    proxy.clearFaults();
    assert.equal(done.state, "failed");
    assert.match(done.outcome ?? "", /needs Kafka Connect 3\.7 or newer/);
    assert.match(done.outcome ?? "", /Nothing was created\./);
    assert.match(done.outcome ?? "", new RegExp(`Connect has no connector ${connector}`));
    assert.doesNotMatch(done.outcome ?? "", /may have been created/);
    assert.ok(!proxy.requests.slice(sent).some((r) => r.method === "POST"), "nothing was sent to create it");
    await assert.rejects(connect().status(connector), ConnectNotFound);
  });
});
