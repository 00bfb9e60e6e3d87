import type { AuditLog } from "../src/core/audit-log.js";
import { type Clock, systemClock } from "../src/core/clock.js";
import type { Identities } from "../src/core/identity.js";
import { defaultPolicy, destructiveCommands } from "./approval-entries.js";
import {
  ApprovalLifecycle,
  type ApprovalNotifier,
  type Decision,
  type NewRequest,
} from "./approval-lifecycle.js";
import type { ApprovalPolicy } from "./approval-policy.js";
import type { ApprovalQueue } from "./approval-queue.js";
import type { ApprovalRequest } from "./approval-request.js";
import type { ApprovalStore } from "./approval-store.js";
import { ApprovalViews } from "./approval-views.js";
import { ApprovalWorker, type ExecutionClients } from "./approval-worker.js";
import type { ExecutionStep } from "./request-record.js";

export type { Reminder } from "./reminder.js";
/** The port adapters implement to hear of requests; passed in `ApprovalsOptions.notifier`. */
export type { ApprovalNotifier };

export interface ApprovalsOptions {
  /** Where requests are kept (src/redis/redis-approval-store.ts, or memory-approval-store.ts). */
  readonly store: ApprovalStore;
  /** The queue they run on (src/queue/bullmq-approval-queue.ts, or memory-approval-queue.ts). */
  readonly queue: ApprovalQueue;
  /** The Connect client and Kafka reader of a configured cluster. */
  readonly clusterFor: (cluster: string) => ExecutionClients | undefined;
  readonly notifier?: ApprovalNotifier;
  /** Every change of a request's state, and every execution step, is recorded here. */
  readonly audit: AuditLog;
  /** How long a request waits for its approvers. @defaultValue 30 minutes */
  readonly expiryMs?: number;
  readonly policyFor?: (cluster: string) => ApprovalPolicy;
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
  readonly now?: Clock;
  /** Each adapter's identity, by source: who may approve, and who still may when a change is about to run. */
  readonly identities: Identities;
  /** See `ApprovalLifecycleOptions.identityRetryMs`. @defaultValue 5,000 ms */
  readonly identityRetryMs?: number;
  readonly afterStep?: (step: ExecutionStep, request: ApprovalRequest) => Promise<void>;
}

declare module "../src/core/ports.js" {
  /** What commands may do with approval requests. */
  interface CommandServices {
    readonly approvals: Pick<ApprovalLifecycle, "request" | "decide" | "cancel" | "nudge"> &
      Pick<ApprovalViews, "get" | "recent" | "awaitOutcome">;
  }
}

/**
 * Destructive changes wait here for a second person. Three parts, one job each: the request lifecycle (ask,
 * decide, cancel, expire: `approval-lifecycle.ts`), the queue that expires, fails as stale or runs them
 * (`approval-queue.ts`), and what is read about them (`approval-views.ts`). This class wires them and offers
 * what the app and the commands use.
 */
export class Approvals {
  readonly #lifecycle: ApprovalLifecycle;
  readonly #queue: ApprovalQueue;
  readonly #worker: ApprovalWorker;
  readonly #views: ApprovalViews;

  constructor(options: ApprovalsOptions) {
    const { store, now = systemClock } = options;
    this.#queue = options.queue;
    this.#worker = new ApprovalWorker({
      queue: options.queue,
      store,
      clusterFor: options.clusterFor,
      now,
      ...(options.startWithinMs === undefined ? {} : { startWithinMs: options.startWithinMs }),
      ...(options.rebalanceWaitMs === undefined ? {} : { rebalanceWaitMs: options.rebalanceWaitMs }),
      ...(options.afterStep === undefined ? {} : { afterStep: options.afterStep }),
    });
    this.#lifecycle = new ApprovalLifecycle({
      store,
      jobs: this.#queue,
      audit: options.audit,
      expiryMs: options.expiryMs ?? 30 * 60_000,
      policyFor: (cluster) => options.policyFor?.(cluster) ?? defaultPolicy,
      approvalEntries: destructiveCommands,
      now,
      ...(options.notifier === undefined ? {} : { notifier: options.notifier }),
      identities: options.identities,
      ...(options.identityRetryMs === undefined ? {} : { identityRetryMs: options.identityRetryMs }),
    });
    this.#views = new ApprovalViews(store, now);
  }

  request(input: NewRequest): Promise<Decision> {
    return this.#lifecycle.request(input);
  }

  decide(...args: Parameters<ApprovalLifecycle["decide"]>): Promise<Decision> {
    return this.#lifecycle.decide(...args);
  }

  cancel(id: string, actor: { readonly id: string }): Promise<Decision> {
    return this.#lifecycle.cancel(id, actor);
  }

  nudge(id: string, actor: { readonly id: string }): Promise<Decision> {
    return this.#lifecycle.nudge(id, actor);
  }

  get(id: string): Promise<ApprovalRequest | undefined> {
    return this.#views.get(id);
  }

  recent(limit?: number): Promise<ApprovalRequest[]> {
    return this.#views.recent(limit);
  }

  awaitOutcome(id: string, timeoutMs: number): Promise<ApprovalRequest | undefined> {
    return this.#views.awaitOutcome(id, timeoutMs);
  }

  explainedHalts(cluster: string): Promise<Map<string, "operating" | "stopped">> {
    return this.#views.explainedHalts(cluster);
  }

  /** Runs approved requests and expires forgotten ones in this process. */
  startWorker(): Promise<void> {
    return this.#worker.start(this.#lifecycle);
  }

  /** How long an approved request may wait for a process to start it, in ms. */
  get startWithinMs(): number {
    return this.#worker.startWithinMs;
  }

  get workerRunning(): boolean {
    return this.#queue.running;
  }

  jobCounts(): Promise<Record<string, number>> {
    return this.#queue.counts();
  }

  /**
   * Stops taking jobs at once, and waits up to `drainMs` for a running execution and the messages still being sent.
   * Past that the caller leaves anyway: the job keeps its last saved step, and another process resumes it.
   */
  async close({ drainMs = 20_000 }: { readonly drainMs?: number } = {}): Promise<void> {
    await this.#queue.closeWorker(drainMs);
    await this.#lifecycle.close(drainMs);
    await this.#queue.close();
  }
}
