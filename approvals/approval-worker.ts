import type { Clock } from "../src/core/clock.js";
import { formatDuration } from "../src/core/duration.js";
import type { LogLevelChanges } from "../src/core/ports/automation.js";
import type { ApprovalLifecycle } from "./approval-lifecycle.js";
import type { ApprovalJob, ApprovalQueue, JobOutcome } from "./approval-queue.js";
import type { ApprovalRequest } from "./approval-request.js";
import type { ApprovalStore } from "./approval-store.js";
import { executeApproval } from "./execute-approval.js";
import type { ExecutionConnect, SinkOffsetsReader } from "./ports.js";
import type { ExecutionStep } from "./request-record.js";

/** A configured cluster's clients, as an execution uses them. */
export interface ExecutionClients {
  readonly connect: ExecutionConnect;
  readonly lag: SinkOffsetsReader;
  /** The bot's log level changes, which an agent's approved `loggers set` or `loggers reset` makes. */
  readonly logLevels?: LogLevelChanges | undefined;
}

export interface ApprovalWorkerOptions {
  readonly queue: ApprovalQueue;
  readonly store: ApprovalStore;
  /** The Connect client and Kafka reader of a configured cluster. */
  readonly clusterFor: (cluster: string) => ExecutionClients | undefined;
  /**
   * An approved request that no process has started this long after its approval fails as stale instead of
   * running late on old numbers. @defaultValue 5 minutes
   */
  readonly startWithinMs?: number;
  /**
   * How long each Connect call of an approved change waits out a 409 (a rebalance) before the change fails.
   * @defaultValue 5 minutes (Connect's default `scheduled.rebalance.max.delay.ms`)
   */
  readonly rebalanceWaitMs?: number;
  readonly now: Clock;
  readonly afterStep?: (step: ExecutionStep, request: ApprovalRequest) => Promise<void>;
}

/**
 * What a due job does, whatever queue carries it: expires a forgotten request, fails as stale an approved one
 * nobody started in time, reminds of a waiting one, and runs the rest (resuming a killed run from its saved step).
 * At start it gives a job again to every open request whose job was lost.
 */
export class ApprovalWorker {
  readonly #options: ApprovalWorkerOptions;

  constructor(options: ApprovalWorkerOptions) {
    this.#options = options;
  }

  /** How long an approved request may wait for a process to start it, in ms (see the option). */
  get startWithinMs(): number {
    return this.#options.startWithinMs ?? 5 * 60_000;
  }

  /** Starts this process's worker, which moves requests along through `lifecycle`. */
  async start(lifecycle: ApprovalLifecycle): Promise<void> {
    await this.#requeueOrphans();
    await this.#options.queue.start((job) => this.#handle(job, lifecycle));
  }

  /**
   * An open request whose job is gone (lost with a Redis failover) or failed for good (its retries spent while
   * Redis was down) would wait for ever: give it a job again, due when it expires, or now if it was approved.
   */
  async #requeueOrphans(): Promise<void> {
    const { store, queue, now } = this.#options;
    for (const request of await store.recent(500)) {
      if (request.state !== "pending" && request.state !== "approved" && request.state !== "executing")
        continue;
      if (await queue.holds(request.id)) continue;
      const due = request.state === "pending" ? Date.parse(request.expiresAt) - now() : 0;
      await queue.replace(request.id, due);
    }
  }

  /** A due job: a reminder, a request to expire, to fail as stale, or to carry out. */
  async #handle(job: ApprovalJob, lifecycle: ApprovalLifecycle): Promise<JobOutcome> {
    const { store, now } = this.#options;
    const { id, reminder, round } = job;
    const done = { kind: "done" } as const;
    if (reminder !== undefined) {
      await lifecycle.remind(id, reminder, round ?? 0);
      return done;
    }
    let request = await store.get(id);
    if (request?.state === "pending") {
      request = await lifecycle.expire(id);
      if (request?.state === "expired") return done;
    }
    if (request?.state !== "approved" && request?.state !== "executing") return done;
    const approvedAt = Date.parse(request.decidedAt ?? request.createdAt);
    if (request.state === "approved" && now() - approvedAt > this.startWithinMs) {
      // Nobody ran it in time (no bot process was up): its numbers are old, so it never runs late.
      const stale = await lifecycle.fail(
        id,
        ["approved"],
        (r) =>
          `Not run: no bot process started it within ${formatDuration(this.startWithinMs)} of its approval (${r.decidedAt?.slice(11, 16) ?? "?"} UTC), so it failed as stale rather than run late on old numbers. Nothing was changed; ask again if it is still needed.`,
      );
      if (stale.failed) return done;
      request = stale.request;
      if (request?.state !== "executing") return done;
    }
    const cluster = this.#options.clusterFor(request.cluster);
    if (cluster === undefined) {
      await lifecycle.fail(
        id,
        ["approved", "executing"],
        (r) =>
          `Cluster ${r.cluster} is no longer configured, so nothing ${r.step === undefined ? "was changed" : `ran after step ${r.step}`}.`,
      );
      return { kind: "abandon", reason: `Cluster ${request.cluster} is no longer configured` };
    }
    const startBy = new Date(approvedAt + this.startWithinMs);
    // Its people are asked again first: set back to waiting, the job waits for the new expiry (an approval
    // promotes it); while the identity source cannot answer, it comes back after a while.
    const checked = await lifecycle.recheck(request, startBy);
    if (checked.kind === "settled" && checked.request.state === "pending")
      return { kind: "later", at: Date.parse(checked.request.expiresAt) };
    if (checked.kind === "settled") return done;
    if (checked.kind === "retry") return { kind: "later", at: now() + checked.afterMs };
    await lifecycle.starting(request);
    const finished = await executeApproval(id, {
      store,
      connect: cluster.connect,
      kafka: cluster.lag,
      logLevels: cluster.logLevels,
      now,
      startBy,
      ruleStillApproves: (resolved) => lifecycle.ruleStillApproves(resolved),
      backToPeople: (running, why, executor) => lifecycle.withdrawRule(running, why, ["executing"], executor),
      ...(this.#options.rebalanceWaitMs === undefined
        ? {}
        : { rebalanceWaitMs: this.#options.rebalanceWaitMs }),
      afterStep: async (step, progress) => {
        await lifecycle.recordStep(progress, step);
        await this.#options.afterStep?.(step, progress);
      },
    });
    // Sent back to people (its rule no longer approves the resolved plan): told already; the job waits for them.
    if (finished.state === "pending") return { kind: "later", at: Date.parse(finished.expiresAt) };
    await lifecycle.finished(finished);
    return done;
  }
}
