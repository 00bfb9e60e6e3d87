import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { ApprovalJob, ApprovalQueue, JobOutcome } from "../../approvals/approval-queue.js";
import { timeLimit } from "../core/time-limit.js";
import { RedisKeys } from "../redis-keys.js";

export interface BullApprovalQueueOptions {
  /** Redis for BullMQ: a connection of its own, with maxRetriesPerRequest null as BullMQ's workers require. */
  readonly connection: Redis;
  readonly keyPrefix: string;
  /**
   * How long a worker may hold a job without renewing its lock (BullMQ renews it every half of this); a killed
   * worker's job is seen stalled and resumed by another process within this plus the stalled-check interval
   * (a half of it). @defaultValue 6,000 ms: a kill costs about 10 s.
   */
  readonly lockDurationMs?: number;
  /** Told when the queue or worker loses Redis (they reconnect by themselves); without it, BullMQ prints it. */
  readonly onConnectionError?: (error: Error) => void;
}

/** A job's data, parsed when a worker picks it up (job data is an edge). */
const JobData = z.object({
  id: z.string(),
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
 * The approval queue on BullMQ. Each request is a job with the request's id, delayed until the request expires:
 * approving promotes it to run now. A job whose worker died (its lock lapsed) is seen stalled and handled again by
 * another process. Several replicas may run a worker each: a job runs once at a time.
 */
export class BullApprovalQueue implements ApprovalQueue {
  readonly #options: BullApprovalQueueOptions;
  readonly #queue: Queue;
  #worker: Worker | undefined;

  constructor(options: BullApprovalQueueOptions) {
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

  async holds(id: string): Promise<boolean> {
    const job = await this.#queue.getJob(id);
    return job !== undefined && !(await job.isFailed());
  }

  async replace(id: string, delayMs: number): Promise<void> {
    await (await this.#queue.getJob(id))?.remove();
    await this.add(id, delayMs);
  }

  async start(handle: (job: ApprovalJob) => Promise<JobOutcome>): Promise<void> {
    const lockDurationMs = this.#options.lockDurationMs ?? 6_000;
    this.#worker ??= new Worker(queueName, (job, token) => this.#process(job, token, handle), {
      connection: this.#options.connection,
      prefix: new RedisKeys(this.#options.keyPrefix).bullPrefix,
      concurrency: 4,
      lockDuration: lockDurationMs,
      // A job whose worker died twice (a crash loop) is still resumed, not failed.
      maxStalledCount: 5,
      // A job whose lock ran out is found at the next check: a killed execution resumes within ~1.5 locks.
      stalledInterval: Math.round(lockDurationMs / 2),
    });
    // Without a listener BullMQ prints every lost connection to stderr; the app reports an outage once.
    this.#worker.on("error", (error) => this.#options.onConnectionError?.(error));
  }

  get running(): boolean {
    return this.#worker?.isRunning() === true;
  }

  counts(): Promise<Record<string, number>> {
    return this.#queue.getJobCounts("waiting", "active", "delayed", "failed");
  }

  async closeWorker(drainMs: number): Promise<void> {
    if (this.#worker !== undefined) await timeLimit(this.#worker.close(), drainMs);
  }

  async close(): Promise<void> {
    await this.#queue.close();
  }

  /** Hands the job to `handle`, and does with it what the outcome says, in BullMQ's terms. */
  async #process(
    job: Job,
    token: string | undefined,
    handle: (job: ApprovalJob) => Promise<JobOutcome>,
  ): Promise<void> {
    const { id, reminder, round } = JobData.parse(job.data);
    const outcome = await handle({
      id,
      ...(reminder === undefined ? {} : { reminder }),
      ...(round === undefined ? {} : { round }),
    });
    if (outcome.kind === "abandon") throw new UnrecoverableError(outcome.reason);
    if (outcome.kind === "later") {
      // BullMQ's way for a processor to delay its own job.
      await job.moveToDelayed(outcome.at, token);
      throw new DelayedError();
    }
  }
}
