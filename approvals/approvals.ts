import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { AuditRecord, AuditTrail } from "../src/audit/audit-trail.js";
import type { ConnectClient } from "../src/connect/connect-client.js";
import { timeLimit } from "../src/core/time-limit.js";
import { type ApprovalPolicy, defaultPolicy } from "./approval-policy.js";
import type { ApprovalRequest, ApprovalStore, ExecutionStep, Operation } from "./approval-store.js";
import { executeApproval } from "./execute-approval.js";

/** Where people hear about a request: the Slack adapter posts and updates messages, the shell prints. */
export interface ApprovalNotifier {
  /** A request was made, decided, expired, cancelled, started or finished. */
  changed(request: ApprovalRequest): Promise<void>;
}

export interface NewRequest {
  readonly cluster: string;
  readonly connector: string;
  readonly command: string;
  readonly reason: string;
  readonly requester: { readonly id: string; readonly name: string };
  readonly operation: Operation;
  readonly planSummary: string;
  readonly requestId: string;
  readonly channelId?: string;
}

/** Who decided when the cluster's policy needs nobody. */
const policyDecider = { id: "policy", name: "policy (no approval needed on this cluster)" };

export type Decision =
  | { readonly ok: true; readonly request: ApprovalRequest }
  | { readonly ok: false; readonly refusal: string };

export interface ApprovalsOptions {
  /** Redis for BullMQ: a connection of its own, with maxRetriesPerRequest null as BullMQ's workers require. */
  readonly connection: Redis;
  readonly keyPrefix: string;
  readonly store: ApprovalStore;
  readonly connectFor: (cluster: string) => ConnectClient | undefined;
  readonly notifier?: ApprovalNotifier;
  /** Every change of a request's state, and every execution step, is recorded here. */
  readonly audit: AuditTrail;
  readonly expiryMs?: number;
  readonly policyFor?: (cluster: string) => ApprovalPolicy;
  /** How long a worker may hold a job without renewing its lock; a crashed worker's job resumes after it. */
  readonly lockDurationMs?: number;
  readonly now?: () => Date;
  /** A reason this user may never approve (a guest, a bot, a deactivated account), or undefined. */
  readonly ineligibleApprover?: (userId: string) => Promise<string | undefined>;
  readonly afterStep?: (step: ExecutionStep, request: ApprovalRequest) => Promise<void>;
  /** Told when the queue or worker loses Redis (they reconnect by themselves); without it, BullMQ prints it. */
  readonly onConnectionError?: (error: Error) => void;
}

const JobData = z.object({ id: z.string() });

const outcomeOf: Readonly<Record<ApprovalRequest["state"], AuditRecord["outcome"]>> = {
  pending: "requested",
  approved: "approved",
  executing: "succeeded",
  succeeded: "succeeded",
  failed: "failed",
  denied: "denied",
  expired: "expired",
  cancelled: "cancelled",
};
const queueName = "approvals";
const jobOptions = {
  removeOnComplete: 1000,
  // Execution resumes from its saved step, so a retry after an error outside the steps is safe.
  attempts: 5,
  backoff: { type: "exponential", delay: 5_000 },
} as const;

/**
 * Destructive changes wait here for a second person. Each request is a BullMQ job with the request's id, delayed
 * until the request expires: approving promotes it to run now; if nobody decides, the delay runs out and the
 * worker marks it expired. Decisions are compare-and-set transitions in the store, so one click wins.
 */
export class Approvals {
  readonly #options: ApprovalsOptions;
  readonly #queue: Queue;
  #worker: Worker | undefined;

  constructor(options: ApprovalsOptions) {
    this.#options = options;
    this.#queue = new Queue(queueName, {
      connection: options.connection,
      prefix: `${options.keyPrefix}bull`,
    });
    if (options.onConnectionError !== undefined) this.#queue.on("error", options.onConnectionError);
  }

  get expiryMs(): number {
    return this.#options.expiryMs ?? 30 * 60_000;
  }

  async request(input: NewRequest): Promise<ApprovalRequest> {
    const now = this.#now();
    const policy = this.policyFor(input.cluster);
    const needed = policy.required.has(input.command) ? policy.approvers : 0;
    const request: ApprovalRequest = {
      ...input,
      id: await this.#options.store.nextId(input.cluster),
      requester: { ...input.requester },
      state: needed === 0 ? "approved" : "pending",
      approversNeeded: needed,
      approvedBy: [],
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.expiryMs).toISOString(),
      ...(needed === 0 ? { decidedBy: policyDecider, decidedAt: now.toISOString() } : {}),
    };
    // The job first: a crash before the request is stored leaves a job that finds nothing, never a request
    // that no job will ever expire or run.
    const job = await this.#queue.add(
      "approval",
      { id: request.id },
      { jobId: request.id, delay: this.expiryMs, ...jobOptions },
    );
    await this.#options.store.create(request);
    if (needed === 0) await job.promote();
    await this.#notify(request);
    return request;
  }

  policyFor(cluster: string): ApprovalPolicy {
    return this.#options.policyFor?.(cluster) ?? defaultPolicy;
  }

  get(id: string): Promise<ApprovalRequest | undefined> {
    return this.#options.store.get(id);
  }

  recent(limit?: number): Promise<ApprovalRequest[]> {
    return this.#options.store.recent(limit);
  }

  /**
   * Connectors whose halt an approved request explains: one is working on them now ("operating"), or their latest
   * request was a `stop` that succeeded ("stopped"), which explains a STOPPED state until they run again.
   */
  async explainedHalts(cluster: string): Promise<Map<string, "operating" | "stopped">> {
    const explained = new Map<string, "operating" | "stopped">();
    // Newest first: the first request seen for a connector is its latest.
    for (const r of await this.#options.store.recent(200)) {
      if (r.cluster !== cluster || explained.has(r.connector)) continue;
      if (r.state === "approved" || r.state === "executing") explained.set(r.connector, "operating");
      else if (r.state === "succeeded" && r.operation.kind === "stop") explained.set(r.connector, "stopped");
    }
    return explained;
  }

  /** The caller has checked the approver role on the request's cluster; this checks everything else. */
  async decide(
    id: string,
    decider: { readonly id: string; readonly name: string },
    decision: "approve" | "deny",
    note?: string,
  ): Promise<Decision> {
    const request = await this.#options.store.get(id);
    if (request === undefined)
      return { ok: false, refusal: `There is no request ${id}. \`approvals\` lists them.` };
    if (request.state === "pending" && Date.parse(request.expiresAt) <= this.#now().getTime()) {
      return {
        ok: false,
        refusal: `${id} expired at ${request.expiresAt.slice(11, 16)} UTC; ask again if it is still needed.`,
      };
    }
    if (decision === "approve" && request.requester.id === decider.id) {
      return { ok: false, refusal: `You asked for ${id} yourself: another approver must approve it.` };
    }
    if (decision === "approve") {
      const ineligible = await this.#options.ineligibleApprover?.(decider.id);
      if (ineligible !== undefined) return { ok: false, refusal: `You cannot approve: ${ineligible}.` };
    }
    const at = this.#now().toISOString();
    const person = { ...decider };
    const result = await this.#options.store.transition(id, ["pending"], (r) => {
      if (decision === "deny") {
        return { ...r, state: "denied", decidedBy: person, decidedAt: at, ...definedNote(note) };
      }
      if (r.approvedBy.some((earlier) => earlier.id === decider.id)) return undefined;
      const approvedBy = [...r.approvedBy, person];
      const enough = approvedBy.length >= r.approversNeeded;
      return { ...r, state: enough ? "approved" : "pending", approvedBy, decidedBy: person, decidedAt: at };
    });
    if (!result.ok || result.request === undefined) {
      const standing = result.request;
      if (standing?.state === "pending" && standing.approvedBy.some((earlier) => earlier.id === decider.id)) {
        return { ok: false, refusal: `You approved ${id} already; it needs another approver.` };
      }
      return { ok: false, refusal: alreadyDecided(id, standing) };
    }
    const job = await this.#queue.getJob(id);
    if (result.request.state === "approved") await job?.promote().catch(() => undefined);
    if (result.request.state === "denied") await job?.remove().catch(() => undefined);
    await this.#notify(result.request);
    return { ok: true, request: result.request };
  }

  /** Only the requester cancels, and only while the request waits. */
  async cancel(id: string, actor: { readonly id: string }): Promise<Decision> {
    const request = await this.#options.store.get(id);
    if (request === undefined) return { ok: false, refusal: `There is no request ${id}.` };
    if (request.requester.id !== actor.id)
      return { ok: false, refusal: `Only ${request.requester.name}, who asked, can cancel ${id}.` };
    const result = await this.#options.store.transition(id, ["pending"], (r) => ({
      ...r,
      state: "cancelled",
    }));
    if (!result.ok || result.request === undefined)
      return { ok: false, refusal: alreadyDecided(id, result.request) };
    await (await this.#queue.getJob(id))?.remove().catch(() => undefined);
    await this.#notify(result.request);
    return { ok: true, request: result.request };
  }

  /** Runs approved requests and expires forgotten ones. Several replicas may run one each: a job runs once. */
  async startWorker(): Promise<void> {
    await this.#requeueOrphans();
    this.#worker ??= new Worker(queueName, (job) => this.#process(job), {
      connection: this.#options.connection,
      prefix: `${this.#options.keyPrefix}bull`,
      concurrency: 4,
      lockDuration: this.#options.lockDurationMs ?? 60_000,
      // A job whose worker died twice (a crash loop) is still resumed, not failed.
      maxStalledCount: 5,
      stalledInterval: Math.min(this.#options.lockDurationMs ?? 30_000, 30_000),
    });
    const onError = this.#options.onConnectionError;
    if (onError !== undefined) this.#worker.on("error", onError);
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
      const due = request.state === "pending" ? Date.parse(request.expiresAt) - this.#now().getTime() : 0;
      await this.#queue.add(
        "approval",
        { id: request.id },
        { jobId: request.id, delay: Math.max(0, due), ...jobOptions },
      );
    }
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
  async close({ drainMs = 20_000 }: { readonly drainMs?: number } = {}): Promise<void> {
    if (this.#worker !== undefined) await timeLimit(this.#worker.close(), drainMs);
    await this.#queue.close();
  }

  async #process(job: Job): Promise<void> {
    const { id } = JobData.parse(job.data);
    let request = await this.#options.store.get(id);
    if (request?.state === "pending") {
      const expired = await this.#options.store.transition(id, ["pending"], (r) => ({
        ...r,
        state: "expired",
      }));
      if (expired.ok) {
        await this.#notify(expired.request);
        return;
      }
      // Approved in the same instant the expiry came due: the approval won, so carry it out.
      request = expired.request;
    }
    if (request?.state !== "approved" && request?.state !== "executing") return;
    const connect = this.#options.connectFor(request.cluster);
    if (connect === undefined) {
      const failed = await this.#options.store.transition(id, ["approved", "executing"], (r) => ({
        ...r,
        state: "failed",
        finishedAt: this.#now().toISOString(),
        outcome: `Cluster ${r.cluster} is no longer configured, so nothing ${r.step === undefined ? "was changed" : `ran after step ${r.step}`}.`,
      }));
      if (failed.ok) await this.#notify(failed.request);
      throw new UnrecoverableError(`Cluster ${request.cluster} is no longer configured`);
    }
    await this.#notify({ ...request, state: "executing" });
    const finished = await executeApproval(id, {
      store: this.#options.store,
      connect,
      now: () => this.#now(),
      afterStep: async (step, progress) => {
        await this.#record(progress, "succeeded", `step ${step} done`);
        await this.#options.afterStep?.(step, progress);
      },
    });
    await this.#notify(finished);
  }

  async #notify(request: ApprovalRequest): Promise<void> {
    if (request.state !== "executing") {
      const partlyApproved = request.state === "pending" && request.approvedBy.length > 0;
      await this.#record(
        request,
        partlyApproved ? "approved" : outcomeOf[request.state],
        partlyApproved
          ? `${request.approvedBy.length} of ${request.approversNeeded} approvals`
          : request.outcome,
      );
    }
    await this.#options.notifier?.changed(request).catch(() => undefined);
  }

  async #record(
    request: ApprovalRequest,
    outcome: AuditRecord["outcome"],
    detail: string | undefined,
  ): Promise<void> {
    const actor =
      (request.state === "pending" && request.approvedBy.length === 0) || request.state === "cancelled"
        ? request.requester
        : (request.decidedBy ?? { id: "connect-ops", name: "connect-ops" });
    await this.#options.audit.append({
      actorId: actor.id,
      actorName: actor.name,
      source: "system",
      cluster: request.cluster,
      connector: request.connector,
      command: `${request.command} (${request.id})`,
      args: request.reason,
      outcome,
      ...(detail === undefined ? {} : { detail }),
      durationMs: Date.now() - Date.parse(request.createdAt),
      requestId: request.requestId,
    });
  }

  #now(): Date {
    return (this.#options.now ?? (() => new Date()))();
  }
}

function definedNote(note: string | undefined): { decisionNote?: string } {
  return note === undefined ? {} : { decisionNote: note };
}

function alreadyDecided(id: string, request: ApprovalRequest | undefined): string {
  if (request === undefined) return `There is no request ${id}.`;
  const by = request.decidedBy === undefined ? "" : ` by ${request.decidedBy.name}`;
  return `${id} is already ${request.state}${by}.`;
}
