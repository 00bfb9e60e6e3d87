// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import type { Actor } from "../src/core/command-spec.js";
import type { Reply } from "../src/core/reply.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { type SentinelGroup, startSentinelGroup } from "./support/redis-sentinel-group.js";
import { requestIdIn } from "./support/request-id.js";
import { eventually, fileSinkThatRead, testBed, testKafka } from "./support/test-bed-env.js";

const operator: Actor = { id: "U0OPER", name: "otto", source: "slack" };
const approver: Actor = { id: "U0APPR", name: "anna", source: "slack" };

/**
 * Redis behind Sentinel, as production runs it: the bot finds the primary through three sentinels, the primary
 * dies, a replica takes over, and the bot carries on without a restart.
 */
describe("Redis Sentinel: the bot survives a failover of its Redis", () => {
  const kafka = testKafka();
  let dir: string;
  let group: SentinelGroup;
  let proxy: FaultProxy;
  let app: App;
  let calls = 0;
  /** The in-flight execution waits here, after its stop, until the failover is over. */
  let reachedStopped: () => void = () => {};
  let releaseStopped: () => void = () => {};
  let holdAt: string | undefined;

  const run = (actor: Actor, text: string): Promise<Reply> =>
    app.dispatcher.dispatch({ actor, text, requestId: `failover-${++calls}` });
  const idOf = (reply: Reply) => requestIdIn(reply.summary);
  const finished = (id: string) =>
    eventually(`${id} to finish`, async () => {
      const request = await app.approvals.get(id);
      return request?.state === "succeeded" || request?.state === "failed" ? request : undefined;
    });
  const patchesOf = (connector: string) =>
    proxy.requests.filter((r) => r.method === "PATCH" && r.url.includes(`/connectors/${connector}/offsets`))
      .length;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "redis-failover-"));
    group = await startSentinelGroup(dir);
    proxy = await FaultProxy.start(testBed().connectUrl);
    app = createApp({
      config: loadConfig({
        CONNECT_URL: proxy.url,
        KAFKA_BROKERS: testBed().bootstrapServers,
        LOG_LEVEL: "silent",
        ROLE_OPERATORS: operator.id,
        ROLE_APPROVERS: approver.id,
        // With sentinels, the URL gives the scheme, credentials and database; the primary's address comes from them.
        REDIS_URL: "redis://127.0.0.1/0",
        REDIS_SENTINELS: group.sentinels,
        REDIS_MASTER_NAME: group.masterName,
      }),
      keyPrefix: "failover:",
      approvalOptions: {
        afterStep: async (step, request) => {
          if (step !== "stopped" || request.connector !== holdAt) return;
          const released = new Promise<void>((resolve) => {
            releaseStopped = resolve;
          });
          reachedStopped();
          await released;
        },
      },
    });
    await app.approvals.startWorker();
  });
  after(async () => {
    releaseStopped();
    await app?.close();
    await proxy?.close();
    await group?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("primary killed: commands still answer, a pending approval is approved, an execution in flight finishes once", async () => {
    const connect = app.clusters[0]?.connect ?? assert.fail("no cluster");
    const pending = (await fileSinkThatRead(connect, kafka, dir, 10)).connector;
    const inFlight = (await fileSinkThatRead(connect, kafka, dir, 10)).connector;
    const pendingId = idOf(await run(operator, `offsets reset ${pending} --to-offset 3 --reason "failover"`));
    const inFlightId = idOf(
      await run(operator, `offsets reset ${inFlight} --to-offset 4 --reason "failover"`),
    );

    holdAt = inFlight;
    const atStopped = new Promise<void>((resolve) => {
      reachedStopped = resolve;
    });
    assert.equal((await run(approver, `approve ${inFlightId}`)).outcome, "succeeded");
    await atStopped;

    // Asynchronous replication may lose the last writes in a crash; the test makes sure the replica has what the
    // bot wrote so far, so that what it checks is the bot's failover, not Redis's durability.
    const oldPort = await group.primaryPort();
    const primary = new Redis({ port: oldPort, host: "127.0.0.1", maxRetriesPerRequest: 0 });
    assert.equal(await primary.wait(1, 5_000), 1);
    primary.disconnect();
    await group.killPrimary();
    const newPort = await eventually(
      "the sentinels to promote the replica",
      async () => {
        const port = await group.primaryPort();
        return port !== oldPort ? port : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    assert.notEqual(newPort, oldPort);

    releaseStopped();
    const done = await finished(inFlightId);
    assert.equal(done.state, "succeeded", done.outcome);
    assert.equal(patchesOf(inFlight), 1, "the in-flight change was applied exactly once");

    const status = await eventually("a command answered after the failover", async () => {
      const reply = await run(operator, `status ${pending}`);
      return reply.outcome === "succeeded" ? reply : undefined;
    });
    assert.match(status.summary, new RegExp(pending));

    assert.equal((await run(approver, `approve ${pendingId}`)).outcome, "succeeded");
    const approved = await finished(pendingId);
    assert.equal(approved.state, "succeeded", approved.outcome);
    assert.equal(patchesOf(pending), 1, "the pending change ran once, after the failover");
  });
});
