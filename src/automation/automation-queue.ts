import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { z } from "zod";
import { timeLimit } from "../core/time-limit.js";
import { RedisKeys } from "../redis-keys.js";
import { FollowWatch } from "./follow-verdict.js";

/**
 * Every job of the `automation` queue, parsed when a worker picks it up: a restart attempt due after its backoff,
 * a log level to put back, a maintenance window to open or close. Each is a BullMQ delayed job, so it survives a
 * bot restart, and BullMQ hands each to one worker of one replica.
 */
export const AutomationJob = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("restart"),
    cluster: z.string(),
    connector: z.string(),
    /** 1 for the first attempt of an episode (a failure after a healthy stretch). */
    attempt: z.number().int().min(1),
    episode: z.number().int().min(0),
  }),
  z.object({ kind: z.literal("logger-revert"), id: z.string() }),
  /** A maintenance window's opening; `attempt` counts the looks while it waits for its approval. */
  z.object({ kind: z.literal("window-open"), id: z.string(), attempt: z.number().int().min(0) }),
  z.object({ kind: z.literal("window-close"), id: z.string() }),
  /** One look of a change followed through; `look` counts them, `channel` is where a thread without a request opens. */
  z.object({
    kind: z.literal("follow"),
    watch: FollowWatch,
    look: z.number().int().min(0),
    channel: z.string().optional(),
  }),
]);
export type AutomationJob = z.infer<typeof AutomationJob>;

/** What runs each kind of job; the compiler asks for every kind. */
export type AutomationHandlers = {
  readonly [K in AutomationJob["kind"]]: (job: Extract<AutomationJob, { kind: K }>) => Promise<void>;
};

const queueName = "automation";

/**
 * The BullMQ queue of work the bot does by itself. A job's id names what it does (`restart-<hash>-<episode>-<n>`,
 * `logger-revert-<id>`, `window-open-<id>-<n>`, `window-close-<id>`, `follow-<hash>-<n>`), so scheduling the same work twice (two replicas, two polls) adds it once.
 */
export class AutomationQueue {
  readonly #queue: Queue;
  readonly #connection: Redis;
  readonly #prefix: string;
  readonly #logger: Logger | undefined;
  #worker: Worker | undefined;

  constructor(options: {
    readonly connection: Redis;
    readonly keyPrefix: string;
    readonly logger?: Logger | undefined;
    readonly onConnectionError?: ((error: Error) => void) | undefined;
  }) {
    this.#connection = options.connection;
    this.#prefix = new RedisKeys(options.keyPrefix).bullPrefix;
    this.#logger = options.logger;
    this.#queue = new Queue(queueName, { connection: options.connection, prefix: this.#prefix });
    this.#queue.on("error", (error) => options.onConnectionError?.(error));
  }

  /**
   * Adds `job` due in `delayMs` under `jobId`; a job of that id already waiting is left as it is (returns false).
   * Finished jobs are removed, so the same id may be scheduled again later.
   */
  async schedule(jobId: string, job: AutomationJob, delayMs: number): Promise<boolean> {
    const existing = await this.#queue.getJob(jobId);
    if (existing !== undefined) {
      const state = await existing.getState();
      if (state === "delayed" || state === "waiting" || state === "active" || state === "prioritized")
        return false;
      await existing.remove().catch(() => undefined);
    }
    await this.#queue.add(job.kind, job, {
      jobId,
      delay: Math.max(0, delayMs),
      removeOnComplete: true,
      removeOnFail: 100,
      attempts: 5,
      backoff: { type: "exponential", delay: 5_000 },
    });
    return true;
  }

  /** When the job of `jobId` is due (epoch ms), if it waits. */
  async dueAt(jobId: string): Promise<number | undefined> {
    const job = await this.#queue.getJob(jobId);
    if (job === undefined || (await job.getState()) !== "delayed") return undefined;
    return job.timestamp + (job.delay ?? 0);
  }

  /** Removes a waiting job (a window cancelled, a log level put back early). */
  async cancel(jobId: string): Promise<void> {
    await (await this.#queue.getJob(jobId))?.remove().catch(() => undefined);
  }

  /** Starts this process's worker; each due job runs on one worker of one replica. */
  start(handlers: AutomationHandlers): void {
    this.#worker ??= new Worker(queueName, (job: Job) => this.#run(job, handlers), {
      connection: this.#connection,
      prefix: this.#prefix,
      concurrency: 4,
      lockDuration: 10_000,
      stalledInterval: 5_000,
      maxStalledCount: 5,
    });
    this.#worker.on("error", () => undefined);
    this.#worker.on("failed", (job, error) =>
      this.#logger?.warn({ err: error, job: job?.id }, "an automation job failed"),
    );
  }

  get running(): boolean {
    return this.#worker?.isRunning() === true;
  }

  jobCounts(): Promise<Record<string, number>> {
    return this.#queue.getJobCounts("waiting", "active", "delayed", "failed");
  }

  async close(drainMs: number): Promise<void> {
    if (this.#worker !== undefined) await timeLimit(this.#worker.close(), drainMs);
    await this.#queue.close();
  }

  async #run(job: Job, handlers: AutomationHandlers): Promise<void> {
    const parsed = AutomationJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`job ${job.id} holds no automation job`);
    const data = parsed.data;
    // One switch, so each handler receives its own kind's data, typed.
    switch (data.kind) {
      case "restart":
        return handlers.restart(data);
      case "logger-revert":
        return handlers["logger-revert"](data);
      case "window-open":
        return handlers["window-open"](data);
      case "window-close":
        return handlers["window-close"](data);
      case "follow":
        return handlers.follow(data);
    }
  }
}
