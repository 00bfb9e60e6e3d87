// needs: bed
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FaultProxy } from "./support/fault-proxy.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import { eventually, fileSinkThatRead, testBed, testKafka } from "./support/test-bed-env.js";
import { startTestBot, type TestBot } from "./support/test-bot.js";

const operator = { id: "U0OPER", name: "otto", source: "slack" } as const;
const approver = { id: "U0APPR", name: "anna", source: "slack" } as const;

describe("approvals survive a killed bot: the change is applied once and the connector ends RUNNING", () => {
  const { prefix, cleanup } = testRedis("approvals-crash");
  const kafka = testKafka();
  const keyPrefix = `${prefix}crash:`;
  let proxy: FaultProxy;
  let bot: TestBot;
  let dir: string;
  const children = new Set<ChildProcess>();

  /** A separate bot process running only the approvals worker; resolves once it says `until`. */
  async function startWorker(crashAt?: string): Promise<{ child: ChildProcess; reached: Promise<void> }> {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "support", "approval-worker.ts")],
      {
        env: {
          ...process.env,
          TEST_KEY_PREFIX: keyPrefix,
          CONNECT_URL: proxy.url,
          KAFKA_BROKERS: testBed().bootstrapServers,
          ROLE_OPERATORS: operator.id,
          ROLE_APPROVERS: approver.id,
          ...(crashAt === undefined ? {} : { CRASH_AT: crashAt }),
        },
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      },
    );
    children.add(child);
    child.once("exit", () => children.delete(child));
    const said = (wanted: string) =>
      new Promise<void>((resolve, reject) => {
        child.on("message", (message) => message === wanted && resolve());
        child.once("exit", (code) => reject(new Error(`the worker exited (${code}) before "${wanted}"`)));
      });
    await said("ready");
    return { child, reached: crashAt === undefined ? Promise.resolve() : said(`at ${crashAt}`) };
  }

  /**
   * Approves request `id` while a bot that dies at `crashAt` runs it: once it has saved that step, a second bot is
   * started (as with two replicas) and the first is killed. Returns the survivor and when the kill happened.
   */
  async function approveThenKill(id: string, crashAt: string) {
    const doomed = await startWorker(crashAt);
    assert.equal((await run(approver, `approve ${id}`)).outcome, "succeeded");
    await doomed.reached;
    const { child } = await startWorker();
    doomed.child.kill("SIGKILL");
    const killedAt = performance.now();
    await once(doomed.child, "exit");
    return { child, killedAt };
  }

  /** The request once another bot has finished it. */
  const finished = (id: string) =>
    eventually(
      "the other worker to finish",
      async () => {
        const request = await bot.app.approvals.get(id);
        return request?.state === "succeeded" || request?.state === "failed" ? request : undefined;
      },
      { intervalMs: 100 },
    );

  const run = (actor: typeof operator | typeof approver, text: string) => bot.run(actor, text);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "approvals-crash-"));
    proxy = await FaultProxy.start(testBed().connectUrl);
    // This process asks and approves, as a Slack-facing replica would; it runs no worker.
    bot = await startTestBot({
      connectUrl: proxy.url,
      env: { ROLE_OPERATORS: operator.id, ROLE_APPROVERS: approver.id },
      keyPrefix,
      worker: false,
    });
  });
  after(async () => {
    for (const child of children) child.kill("SIGKILL");
    await bot.close();
    await proxy.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  for (const crashAt of ["stopped", "resolved", "changed"] as const) {
    const when = {
      stopped: "after the stop, before the target is resolved",
      resolved: "after the target is resolved, before the change",
      changed: "after the change, before the resume",
    }[crashAt];
    test(`SIGKILL ${when}: another running bot finishes the job within 15 s, resolving and changing the offsets once`, async () => {
      const connect = bot.connect();
      const { connector, topic } = await fileSinkThatRead(connect, kafka, dir, 30);
      const asked = await run(operator, `offsets reset ${connector} --shift-by -18 --reason "crash test"`);
      const id = requestIdIn(asked.summary);

      const before = proxy.requests.length;
      const { child, killedAt } = await approveThenKill(id, crashAt);
      const atCrash = await bot.app.approvals.get(id);
      assert.equal(atCrash?.state, "executing");
      assert.equal(atCrash?.step, crashAt);
      assert.equal(
        (await connect.status(connector)).connector.state,
        "STOPPED",
        "killed with the connector stopped",
      );

      const done = await finished(id);
      const killToDoneMs = performance.now() - killedAt;
      child.kill("SIGTERM");
      assert.equal(done.state, "succeeded", done.outcome);
      assert.ok(killToDoneMs < 15_000, `kill → done took ${Math.round(killToDoneMs)} ms`);
      // Resolved once, from the offsets after the stop: 30 − 18, whichever process resolved it.
      assert.deepEqual(done.resolved?.moves, [
        { partition: `${topic}:0`, before: 30, after: 12, replay: 18, skip: 0 },
      ]);
      const patches = proxy.requests
        .slice(before)
        .filter((r) => r.method === "PATCH" && r.url.includes("/offsets"));
      assert.equal(patches.length, 1, "the offsets were changed exactly once");
      await eventually("the connector RUNNING", async () =>
        (await connect.status(connector)).connector.state === "RUNNING" ? true : undefined,
      );
      const steps = (await bot.app.audit.query({ connector, limit: 50 }))
        .filter((entry) => entry.detail?.startsWith("step "))
        .map((entry) => entry.detail)
        .reverse();
      assert.deepEqual(
        steps,
        ["snapshot", "stopped", "resolved", "changed", "verified", "restored"].map((s) => `step ${s} done`),
      );
    });
  }

  for (const crashAt of ["snapshot", "changed"] as const) {
    test(`a config change killed after its ${crashAt} step: another bot finishes it, applying the change once`, async () => {
      const connect = bot.connect();
      const { connector } = await fileSinkThatRead(connect, kafka, dir, 3);
      const asked = await run(operator, `config set ${connector} errors.tolerance=all --reason "crash test"`);
      const id = requestIdIn(asked.summary);

      const before = proxy.requests.length;
      const { child } = await approveThenKill(id, crashAt);
      assert.equal((await bot.app.approvals.get(id))?.step, crashAt);

      const done = await finished(id);
      child.kill("SIGTERM");
      assert.equal(done.state, "succeeded", done.outcome);
      assert.match(done.outcome ?? "", /is RUNNING on the new config/);
      const changes = proxy.requests
        .slice(before)
        .filter(
          (r) => (r.method === "PATCH" || r.method === "PUT") && /\/connectors\/[^/]+\/config$/.test(r.url),
        );
      assert.equal(changes.length, 1, "the config was changed exactly once");
      assert.equal((await connect.config(connector))["errors.tolerance"], "all");
      const steps = (await bot.app.audit.query({ connector, limit: 50 }))
        .filter((entry) => entry.detail?.startsWith("step "))
        .map((entry) => entry.detail)
        .reverse();
      assert.deepEqual(
        steps,
        ["snapshot", "changed", "verified", "restored"].map((s) => `step ${s} done`),
      );
    });
  }
});
