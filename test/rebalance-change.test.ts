// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import type { Actor } from "../src/core/command-spec.js";
import type { ConnectWorker } from "./kafka/test-bed.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import { eventually, fileSinkThatRead, testBed, testKafka } from "./support/test-bed-env.js";
import { startWorkerGroup } from "./support/worker-group.js";

const operator: Actor = { id: "U0OPER", name: "otto", source: "slack" };
const approver: Actor = { id: "U0APPR", name: "anna", source: "slack" };

/** How many times a worker has begun joining its group, as its own log tells (appended across restarts). */
async function joinsBegun(worker: ConnectWorker): Promise<number> {
  return ((await readFile(worker.logFile, "utf8")).match(/\(Re-\)joining group/g) ?? []).length;
}

/**
 * A real group of two workers, and real rebalances in the middle of an approved offset change: the other worker
 * leaves the group (SIGTERM: it sends LeaveGroup, the group rebalances and may elect a new leader) once the sink
 * is STOPPED, so the offsets are read and changed right after; and it starts again once they are verified, the
 * resume being let go as soon as it has begun joining, so it meets that rebalance. The change must complete as
 * approved. (A rebalance of two idle workers takes tens of ms: the 409s of a long one are the fault proxy's part,
 * in rebalance-wait.test.ts.)
 */
describe("an approved change across a worker leaving and joining the group", () => {
  const { prefix, cleanup } = testRedis("rebalance-change");
  const kafka = testKafka();
  let group: Awaited<ReturnType<typeof startWorkerGroup>>;
  let dir: string;
  let app: App | undefined;
  let joining: Promise<void> | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "rebalance-change-"));
    group = await startWorkerGroup({ workers: 2, rebalanceDelayMs: 10_000 });
  });
  after(async () => {
    await joining?.catch(() => undefined);
    await app?.close();
    await group.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("offsets set while a worker leaves and joins: the offsets are as approved, the sink runs again and re-reads from there", async () => {
    const [bots, other] = group.workers;
    assert.ok(bots !== undefined && other !== undefined);
    const steps: string[] = [];
    app = createApp({
      config: loadConfig({
        CONNECT_URL: bots.url,
        KAFKA_BROKERS: testBed().bootstrapServers,
        LOG_LEVEL: "silent",
        ROLE_OPERATORS: operator.id,
        ROLE_APPROVERS: approver.id,
      }),
      keyPrefix: `${prefix}bot:`,
      approvalOptions: {
        rebalanceWaitMs: 60_000,
        afterStep: async (step) => {
          steps.push(step);
          if (step === "stopped") await other.stop();
          if (step === "verified") {
            const before = await joinsBegun(other);
            joining = other.start();
            await eventually(`${other.workerId} joining the group`, async () =>
              (await joinsBegun(other)) > before ? true : undefined,
            );
          }
        },
      },
    });
    await app.approvals.startWorker();
    const connect = app.clusters[0]?.connect ?? assert.fail("no cluster");
    const { connector, topic, file } = await fileSinkThatRead(connect, kafka, dir, 6);

    const asked = await app.dispatcher.dispatch({
      actor: operator,
      text: `offsets set ${connector} ${topic}:0=2 --reason "rebalance during the change"`,
      requestId: "rc-1",
    });
    const id = requestIdIn(asked.summary);
    await app.dispatcher.dispatch({ actor: approver, text: `approve ${id}`, requestId: "rc-2" });
    const done = await eventually(
      `${id} to finish`,
      async () => {
        const request = await app?.approvals.get(id);
        return request?.state === "succeeded" || request?.state === "failed" ? request : undefined;
      },
      { timeoutMs: 180_000 },
    );
    assert.equal(done.state, "succeeded", done.outcome);
    assert.deepEqual(steps, ["snapshot", "stopped", "resolved", "changed", "verified", "restored"]);
    await joining;
    assert.ok(other.running, "the other worker is back in the group");

    // Back in its prior state, and re-reading from offset 2 as approved: messages 2–5 are delivered again.
    await eventually(`${connector} RUNNING`, async () => {
      const status = await connect.status(connector);
      return status.connector.state === "RUNNING" && status.tasks[0]?.state === "RUNNING" ? true : undefined;
    });
    const lines = await eventually(`${connector} re-read from 2`, async () => {
      const read = (await readFile(file, "utf8")).split("\n").filter((line) => line !== "");
      return read.length >= 10 ? read : undefined;
    });
    assert.deepEqual(lines.slice(6), lines.slice(2, 6), "messages 2–5 again, in order");
    await eventually(`${connector} committed all 6 again`, async () =>
      (await connect.offsets(connector)).offsets[0]?.offset?.kafka_offset === 6 ? true : undefined,
    );
  });
});
