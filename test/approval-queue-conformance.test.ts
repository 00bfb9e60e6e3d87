// needs: redis
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import type { ApprovalJob, ApprovalQueue, JobOutcome } from "../approvals/approval-queue.js";
import { MemoryApprovalQueue } from "../approvals/memory-approval-queue.js";
import { BullApprovalQueue } from "../src/queue/bullmq-approval-queue.js";
import { testRedis } from "./support/redis-prefix.js";
import { eventually } from "./support/test-bed-env.js";

/**
 * One contract, every implementation: the same body runs against the BullMQ queue and the in-memory one, so the
 * lifecycle and the worker can be tested on the in-memory queue and mean the same on BullMQ.
 */
const redis = testRedis("approval-queue-conformance");
// BullMQ's workers need a connection that retries for ever.
const connection = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: null });
after(async () => {
  connection.disconnect();
  await redis.cleanup();
});

let made = 0;
const implementations: readonly [string, () => ApprovalQueue][] = [
  ["bullmq", () => new BullApprovalQueue({ connection, keyPrefix: `${redis.prefix}${++made}:` })],
  ["memory", () => new MemoryApprovalQueue()],
];

/** A queue whose worker records every job it is given, answering with `answer`. */
async function started(
  make: () => ApprovalQueue,
  answer: (job: ApprovalJob, seen: number) => JobOutcome = () => ({ kind: "done" }),
) {
  const queue = make();
  const handled: ApprovalJob[] = [];
  await queue.start(async (job) => {
    handled.push(job);
    return answer(job, handled.filter((each) => each.id === job.id).length);
  });
  const stop = async () => {
    await queue.closeWorker(5_000);
    await queue.close();
  };
  return { queue, handled, stop };
}

const count = (handled: readonly ApprovalJob[], id: string) => handled.filter((job) => job.id === id).length;

for (const [name, make] of implementations) {
  describe(`approval queue contract: ${name}`, () => {
    test("a job due now is handled once; a delayed one waits until it is promoted", async () => {
      const { queue, handled, stop } = await started(make);
      try {
        await queue.add("now-1", 0);
        await queue.add("later-1", 60 * 60_000);
        await eventually("the due job handled", async () =>
          count(handled, "now-1") === 1 ? true : undefined,
        );
        assert.equal(count(handled, "later-1"), 0);
        assert.equal((await queue.counts()).delayed, 1);
        await queue.promote("later-1");
        await eventually("the promoted job handled", async () =>
          count(handled, "later-1") === 1 ? true : undefined,
        );
        assert.equal(count(handled, "now-1"), 1);
      } finally {
        await stop();
      }
    });

    test("a removed job is never handled; a job added twice is one job", async () => {
      const { queue, handled, stop } = await started(make);
      try {
        await queue.add("gone-1", 300);
        await queue.remove("gone-1");
        assert.equal(await queue.holds("gone-1"), false);
        await queue.remind("wait-1", "reminder", 0, 7);
        await queue.remind("wait-1", "reminder", 0, 7);
        await eventually("the reminder handled", async () =>
          count(handled, "wait-1") > 0 ? true : undefined,
        );
        await sleep(600);
        assert.equal(count(handled, "gone-1"), 0);
        assert.deepEqual(
          handled.filter((job) => job.id === "wait-1"),
          [{ id: "wait-1", reminder: "reminder", round: 7 }],
        );
      } finally {
        await stop();
      }
    });

    test("a job put back for later is handled again; an abandoned one fails for good until it is replaced", async () => {
      const { queue, handled, stop } = await started(make, (job, seen) => {
        if (job.id === "back-1" && seen === 1) return { kind: "later", at: Date.now() + 200 };
        if (job.id === "lost-1" && seen === 1) return { kind: "abandon", reason: "its cluster is gone" };
        return { kind: "done" };
      });
      try {
        await queue.add("back-1", 0);
        await queue.add("lost-1", 0);
        await eventually("put back, then handled again", async () =>
          count(handled, "back-1") === 2 ? true : undefined,
        );
        await eventually("abandoned", async () => ((await queue.holds("lost-1")) ? undefined : true));
        assert.equal((await queue.counts()).failed, 1);
        await queue.replace("lost-1", 0);
        assert.equal(await queue.holds("lost-1"), true);
        await eventually("handled again once replaced", async () =>
          count(handled, "lost-1") === 2 ? true : undefined,
        );
        assert.equal(count(handled, "back-1"), 2);
      } finally {
        await stop();
      }
    });
  });
}
