import type { ApprovalJob, ApprovalQueue, JobOutcome } from "./approval-queue.js";

type JobState = "delayed" | "waiting" | "active" | "completed" | "failed";

interface MemoryJob {
  readonly job: ApprovalJob;
  state: JobState;
  dueAt: number;
  attempts: number;
  readonly maxAttempts: number;
}

/**
 * The approval queue in this process's memory, for tests of the lifecycle, the execution and the polls without
 * Redis: jobs are due by `setTimeout`, a handler that throws is tried again after `retryMs` up to five times (three
 * for a reminder), and `closeWorker` waits for the running handlers. One process only: nothing survives it.
 */
export class MemoryApprovalQueue implements ApprovalQueue {
  readonly #jobs = new Map<string, MemoryJob>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #running = new Set<Promise<void>>();
  readonly #retryMs: number;
  #handle: ((job: ApprovalJob) => Promise<JobOutcome>) | undefined;
  #closed = false;

  /** `retryMs`: how long after a thrown handler its job is tried again. @defaultValue 1,000 ms */
  constructor({ retryMs = 1_000 }: { readonly retryMs?: number } = {}) {
    this.#retryMs = retryMs;
  }

  async add(id: string, delayMs: number): Promise<void> {
    this.#put(id, { id }, delayMs, 5);
  }

  async remind(id: string, kind: "reminder" | "escalation", delayMs: number, round: number): Promise<void> {
    this.#put(`${id}-${kind}-${round}`, { id, reminder: kind, round }, delayMs, 3);
  }

  async promote(id: string): Promise<void> {
    const job = this.#jobs.get(id);
    if (job?.state === "delayed") this.#schedule(id, job, 0);
  }

  async remove(id: string): Promise<void> {
    const job = this.#jobs.get(id);
    if (job === undefined || job.state === "active") return;
    clearTimeout(this.#timers.get(id));
    this.#jobs.delete(id);
  }

  async holds(id: string): Promise<boolean> {
    const job = this.#jobs.get(id);
    return job !== undefined && job.state !== "failed";
  }

  async replace(id: string, delayMs: number): Promise<void> {
    await this.remove(id);
    await this.add(id, delayMs);
  }

  async start(handle: (job: ApprovalJob) => Promise<JobOutcome>): Promise<void> {
    this.#handle ??= handle;
    for (const [key, job] of this.#jobs) if (job.state === "waiting") this.#schedule(key, job, 0);
  }

  get running(): boolean {
    return this.#handle !== undefined && !this.#closed;
  }

  async counts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = { waiting: 0, active: 0, delayed: 0, failed: 0 };
    for (const { state } of this.#jobs.values())
      if (state in counts) counts[state] = (counts[state] ?? 0) + 1;
    return counts;
  }

  async closeWorker(drainMs: number): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(this.#running),
      new Promise((done) => {
        timer = setTimeout(done, drainMs);
      }),
    ]);
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** Adds a job under `key` unless one is there already (adding twice is one job, as BullMQ's job ids make it). */
  #put(key: string, job: ApprovalJob, delayMs: number, maxAttempts: number): void {
    if (this.#jobs.has(key)) return;
    const entry: MemoryJob = { job, state: "delayed", dueAt: Date.now() + delayMs, attempts: 0, maxAttempts };
    this.#jobs.set(key, entry);
    this.#schedule(key, entry, Math.max(0, delayMs));
  }

  #schedule(key: string, entry: MemoryJob, delayMs: number): void {
    clearTimeout(this.#timers.get(key));
    entry.state = "delayed";
    entry.dueAt = Date.now() + delayMs;
    if (this.#closed) return;
    this.#timers.set(
      key,
      setTimeout(() => {
        this.#timers.delete(key);
        entry.state = "waiting";
        if (this.#handle !== undefined) this.#run(key, entry, this.#handle);
      }, delayMs),
    );
  }

  #run(key: string, entry: MemoryJob, handle: (job: ApprovalJob) => Promise<JobOutcome>): void {
    if (this.#closed || entry.state !== "waiting") return;
    entry.state = "active";
    entry.attempts += 1;
    const ran = handle(entry.job).then(
      (outcome) => {
        if (outcome.kind === "done") entry.state = "completed";
        else if (outcome.kind === "abandon") entry.state = "failed";
        else this.#schedule(key, entry, Math.max(0, outcome.at - Date.now()));
      },
      () => {
        if (entry.attempts >= entry.maxAttempts) entry.state = "failed";
        else this.#schedule(key, entry, this.#retryMs * 2 ** (entry.attempts - 1));
      },
    );
    this.#running.add(ran);
    void ran.finally(() => this.#running.delete(ran));
  }
}
