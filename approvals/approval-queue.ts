import type { ApprovalJobs } from "./approval-lifecycle.js";

/** One due job: a request's own (expire it, fail it as stale, or run it), or a reminder of one of its waits. */
export interface ApprovalJob {
  readonly id: string;
  /** A reminder's job: which; absent for the request's own job. */
  readonly reminder?: "reminder" | "escalation";
  /** A reminder's wait (its start, epoch ms). */
  readonly round?: number;
}

/**
 * What handling a due job decided: `done`; `later` (put it back, due at `at`, epoch ms: the request waits again);
 * `abandon` (fail the job for good, never retried: `reason` says why). A handler that throws is tried again later,
 * a few times, with a growing backoff: execution resumes from its saved step, so that is safe.
 */
export type JobOutcome =
  | { readonly kind: "done" }
  | { readonly kind: "later"; readonly at: number }
  | { readonly kind: "abandon"; readonly reason: string };

/**
 * The queue the approvals run on, every call the approval domain makes of it: a request is a job with the request's
 * id, delayed until it expires (approving promotes it); reminders are jobs of their own. Implemented on BullMQ
 * (src/queue/bullmq-approval-queue.ts) and in memory (memory-approval-queue.ts); test/approval-queue-conformance.test.ts
 * holds both to this contract. Several processes may start a worker each: a job is handled by one at a time, and a
 * job whose worker died is handled again by another.
 */
export interface ApprovalQueue extends ApprovalJobs {
  /**
   * Whether the request's own job is there to be handled (waiting, delayed, running or done), as opposed to lost
   * or failed for good.
   */
  holds(id: string): Promise<boolean>;
  /** Gives the request's own job again, due in `delayMs` ms, replacing a failed one. */
  replace(id: string, delayMs: number): Promise<void>;
  /** Starts this process's worker: each due job is given to `handle`. */
  start(handle: (job: ApprovalJob) => Promise<JobOutcome>): Promise<void>;
  /** Whether this process's worker runs (started, not closed). */
  readonly running: boolean;
  /** The jobs by state: waiting, active, delayed (requests waiting to expire), failed. */
  counts(): Promise<Record<string, number>>;
  /** Stops taking jobs at once, and waits up to `drainMs` ms for the running ones; past that it returns anyway. */
  closeWorker(drainMs: number): Promise<void>;
  /** Closes the queue itself (after the worker). */
  close(): Promise<void>;
}
