import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Clock } from "../src/core/clock.js";
import { formatDuration } from "../src/core/duration.js";
import { timeLimit } from "../src/core/time-limit.js";
import { RedisKeys } from "../src/redis-keys.js";
import type { ApprovalJobs, ApprovalLifecycle } from "./approval-lifecycle.js";
import type { ApprovalRequest, ApprovalStore, ExecutionStep } from "./approval-store.js";
import { executeApproval } from "./execute-approval.js";
import type { ExecutionConnect, SinkOffsetsReader } from "./ports.js";

export interface ApprovalQueueOptions {
  /** Redis for BullMQ: a connection of its own, with maxRetriesPerRequest null as BullMQ's workers require. */
  readonly connection: Redis;
  readonly keyPrefix: string;
  readonly store: ApprovalStore;
  /** The Connect client and Kafka reader of a configured cluster. */
  readonly clusterFor: (cluster: string) => ExecutionClients | undefined;
  /**
   * How long a worker may hold a job without renewing its lock (BullMQ renews it every half of this); a killed
   * worker's job is seen stalled and resumed by another process within this plus the stalled-check interval
   * (a half of it). @defaultValue 6,000 ms: a kill costs about 10 s.
   */
  readonly lockDurationMs?: number;
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
  /** Told when the queue or worker loses Redis (they reconnect by themselves); without it, BullMQ prints it. */
  readonly onConnectionError?: (error: Error) => void;
}

/** A configured cluster's clients, as an execution uses them. */
export interface ExecutionClients {
  readonly connect: ExecutionConnect;
  readonly lag: SinkOffsetsReader;
}

const JobData = z.object({
  id: z.string(),
  /** A reminder's job: which, and of which wait (its start, epoch ms); absent for the request's own job. */
  reminder: z.enum(["reminder", "escalation"]).optional(),
  round: z.number().optional(),
});

const queueName = "approvals";
const jobOptions = {
  removeOnComplete: 1000,
  // Execution resumes from its saved step, so a retry after an error outside the steps is safe.
  attempts: 5,
  backoff: { type: "exponential", delay: 5_000 },
} as const;

/**
 * The BullMQ side of approvals. Each request is a job with the request's id, delayed until the request expires:
 * approving promotes it to run now; if nobody decides, the delay runs out and the worker expires it. The worker
 * fails as stale an approved request nobody started in time, resumes the job of a killed worker (stalled), and
 * runs the rest. Several replicas may run a worker each: a job runs once.
 */
export class ApprovalQueue implements ApprovalJobs {
  readonly #options: ApprovalQueueOptions;
  readonly #queue: Queue;
  #worker: Worker | undefined;

  constructor(options: ApprovalQueueOptions) {
    this.#options = options;
    this.#queue = new Queue(queueName, {
      connection: options.connection,
      prefix: new RedisKeys(options.keyPrefix).bullPrefix,
    });
    // A lost Redis connection is reported once by the app's RedisWatch; BullMQ would print every retry.
    this.#queue.on("error", (error) => options.onConnectionError?.(error));
  }

  async add(id: string, delayMs: number): Promise<void> {
    await this.#queue.add("approval", { id }, { jobId: id, delay: Math.max(0, delayMs), ...jobOptions });
  }

  async remind(id: string, kind: "reminder" | "escalation", delayMs: number, round: number): Promise<void> {
    // Its own job id: added twice (a retry), it is still one job, and it runs once across replicas.
    await this.#queue.add(
      kind,
      { id, reminder: kind, round },
      { jobId: `${id}-${kind}-${round}`, delay: Math.max(0, delayMs), removeOnComplete: 1000, attempts: 3 },
    );
  }

  async promote(id: string): Promise<void> {
    await (await this.#queue.getJob(id))?.promote();
  }

  async remove(id: string): Promise<void> {
    await (await this.#queue.getJob(id))?.remove();
  }

  /** Starts this process's worker, which moves requests along through `lifecycle`. */
  async startWorker(lifecycle: ApprovalLifecycle): Promise<void> {
    await this.#requeueOrphans();
    this.#worker ??= new Worker(queueName, (job, token) => this.#process(job, lifecycle, token), {
      connection: this.#options.connection,
      prefix: new RedisKeys(this.#options.keyPrefix).bullPrefix,
      concurrency: 4,
      lockDuration: this.#lockDurationMs,
      // A job whose worker died twice (a crash loop) is still resumed, not failed.
      maxStalledCount: 5,
      // A job whose lock ran out is found at the next check: a killed execution resumes within ~1.5 locks.
      stalledInterval: Math.round(this.#lockDurationMs / 2),
    });
    // Without a listener BullMQ prints every lost connection to stderr; the app reports an outage once.
    this.#worker.on("error", (error) => this.#options.onConnectionError?.(error));
  }

  /**
   * An open request whose job is gone (lost with a Redis failover) or failed for good (its retries spent while
   * Redis was down) would wait for ever: give it a job again, due when it expires, or now if it was approved.
   */
  async #requeueOrphans(): Promise<void> {
    for (const request of await this.#options.store.recent(500)) {
      if (request.state !== "pending" && request.state !== "approved" && request.state !== "executing")
        continue;
      const job = await this.#queue.getJob(request.id);
      if (job !== undefined && !(await job.isFailed())) continue;
      await job?.remove();
      const due = request.state === "pending" ? Date.parse(request.expiresAt) - this.#options.now() : 0;
      await this.add(request.id, due);
    }
  }

  get #lockDurationMs(): number {
    return this.#options.lockDurationMs ?? 6_000;
  }

  /** How long an approved request may wait for a process to start it, in ms (see the option). */
  get startWithinMs(): number {
    return this.#options.startWithinMs ?? 5 * 60_000;
  }

  /** Whether this process's worker runs (started, not closed, not stopped by an error). */
  get workerRunning(): boolean {
    return this.#worker?.isRunning() === true;
  }

  /** The approvals queue's jobs by state: waiting, active, delayed (requests waiting to expire), failed. */
  jobCounts(): Promise<Record<string, number>> {
    return this.#queue.getJobCounts("waiting", "active", "delayed", "failed");
  }

  /**
   * Stops taking jobs at once, and waits up to `drainMs` for a running execution to finish. Past that the caller
   * leaves anyway: the job keeps its last saved step, and another process resumes it once its lock lapses.
   */
  async closeWorker(drainMs: number): Promise<void> {
    if (this.#worker !== undefined) await timeLimit(this.#worker.close(), drainMs);
  }

  async close(): Promise<void> {
    await this.#queue.close();
  }

  /** Puts the running job back, delayed until `at` (epoch ms): BullMQ's way for a processor to delay its job. */
  async #delayUntil(job: Job, token: string | undefined, at: number): Promise<never> {
    await job.moveToDelayed(at, token);
    throw new DelayedError();
  }

  /** A due job: a request to expire, to fail as stale, or to carry out. */
  async #process(job: Job, lifecycle: ApprovalLifecycle, token: string | undefined): Promise<void> {
    const { store, now } = this.#options;
    const { id, reminder, round } = JobData.parse(job.data);
    if (reminder !== undefined) return lifecycle.remind(id, reminder, round ?? 0);
    let request = await store.get(id);
    if (request?.state === "pending") {
      request = await lifecycle.expire(id);
      if (request?.state === "expired") return;
    }
    if (request?.state !== "approved" && request?.state !== "executing") return;
    const approvedAt = Date.parse(request.decidedAt ?? request.createdAt);
    if (request.state === "approved" && now() - approvedAt > this.startWithinMs) {
      // Nobody ran it in time (no bot process was up): its numbers are old, so it never runs late.
      const stale = await store.transition(id, ["approved"], (r) => ({
        ...r,
        state: "failed",
        finishedAt: new Date(now()).toISOString(),
        outcome: `Not run: no bot process started it within ${formatDuration(this.startWithinMs)} of its approval (${r.decidedAt?.slice(11, 16) ?? "?"} UTC), so it failed as stale rather than run late on old numbers. Nothing was changed; ask again if it is still needed.`,
      }));
      if (stale.ok) {
        await lifecycle.announce(stale.request);
        return;
      }
      request = stale.request;
      if (request?.state !== "executing") return;
    }
    const cluster = this.#options.clusterFor(request.cluster);
    if (cluster === undefined) {
      const failed = await store.transition(id, ["approved", "executing"], (r) => ({
        ...r,
        state: "failed",
        finishedAt: new Date(now()).toISOString(),
        outcome: `Cluster ${r.cluster} is no longer configured, so nothing ${r.step === undefined ? "was changed" : `ran after step ${r.step}`}.`,
      }));
      if (failed.ok) await lifecycle.announce(failed.request);
      throw new UnrecoverableError(`Cluster ${request.cluster} is no longer configured`);
    }
    const startBy = new Date(approvedAt + this.startWithinMs);
    // Its people are asked again first: set back to waiting, the job waits for the new expiry (an approval
    // promotes it); while Slack cannot answer, it comes back after a while.
    const checked = await lifecycle.recheck(request, startBy);
    if (checked.kind === "settled" && checked.request.state === "pending")
      return this.#delayUntil(job, token, Date.parse(checked.request.expiresAt));
    if (checked.kind === "settled") return;
    if (checked.kind === "retry") return this.#delayUntil(job, token, now() + checked.afterMs);
    await lifecycle.announce({ ...request, state: "executing" });
    const finished = await executeApproval(id, {
      store,
      connect: cluster.connect,
      kafka: cluster.lag,
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
    if (finished.state === "pending") return this.#delayUntil(job, token, Date.parse(finished.expiresAt));
    await lifecycle.announce(finished);
  }
}
