import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { AuditRecord, AuditTrail } from "../src/audit/audit-trail.js";
import type { Cluster } from "../src/cluster.js";
import type { ConnectorOffset } from "../src/connect/connect-schemas.js";
import { formatDuration } from "../src/core/duration.js";
import { timeLimit } from "../src/core/time-limit.js";
import { RedisKeys } from "../src/redis-keys.js";
import { type ApprovalPolicy, defaultPolicy } from "./approval-policy.js";
import {
  type ApprovalRequest,
  type ApprovalStore,
  digestOf,
  type ExecutionStep,
  type OffsetMove,
  type Operation,
  openStates,
} from "./approval-store.js";
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
  /** A sink plan's per-partition numbers at the time of asking. */
  readonly preview?: readonly OffsetMove[];
  /** A source change's offsets as they were when asked. */
  readonly previewOffsets?: readonly ConnectorOffset[];
  readonly requestId: string;
  readonly channelId?: string;
}

/** Who decided when the cluster's policy needs nobody. */
const policyDecider = { id: "policy", name: "policy (no approval needed on this cluster)" };

export type Decision =
  | { readonly ok: true; readonly request: ApprovalRequest }
  | {
      readonly ok: false;
      readonly refusal: string;
      /** The request the refusal is about, when there is one (the audit files the refusal under its connector). */
      readonly request?: ApprovalRequest;
    };

export interface ApprovalsOptions {
  /** Redis for BullMQ: a connection of its own, with maxRetriesPerRequest null as BullMQ's workers require. */
  readonly connection: Redis;
  readonly keyPrefix: string;
  readonly store: ApprovalStore;
  /** The Connect client and Kafka reader of a configured cluster. */
  readonly clusterFor: (cluster: string) => Pick<Cluster, "connect" | "lag"> | undefined;
  readonly notifier?: ApprovalNotifier;
  /** Every change of a request's state, and every execution step, is recorded here. */
  readonly audit: AuditTrail;
  readonly expiryMs?: number;
  readonly policyFor?: (cluster: string) => ApprovalPolicy;
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
declare module "../src/core/ports.js" {
  /** What commands may do with approval requests. */
  interface CommandServices {
    readonly approvals: Pick<Approvals, "request" | "get" | "decide" | "cancel" | "recent" | "awaitOutcome">;
  }
}

export class Approvals {
  readonly #options: ApprovalsOptions;
  readonly #queue: Queue;
  #worker: Worker | undefined;
  readonly #notifying = new Set<Promise<void>>();

  constructor(options: ApprovalsOptions) {
    this.#options = options;
    this.#queue = new Queue(queueName, {
      connection: options.connection,
      prefix: new RedisKeys(options.keyPrefix).bullPrefix,
    });
    // A lost Redis connection is reported once by the app's RedisWatch; BullMQ would print every retry.
    this.#queue.on("error", (error) => options.onConnectionError?.(error));
  }

  get expiryMs(): number {
    return this.#options.expiryMs ?? 30 * 60_000;
  }

  /**
   * Queues a request, approved at once where the policy needs nobody. Refused while the connector has another
   * open request (pending, approved or executing): one change per connector at a time.
   */
  async request(input: NewRequest): Promise<Decision> {
    const now = this.#now();
    const policy = this.policyFor(input.cluster);
    const needed = policy.required.has(input.command) ? policy.approvers : 0;
    const { preview, previewOffsets, ...fields } = input;
    const request: ApprovalRequest = {
      ...fields,
      ...(preview === undefined ? {} : { preview: [...preview] }),
      ...(previewOffsets === undefined ? {} : { previewOffsets: [...previewOffsets] }),
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
    const open = await this.#options.store.create(request);
    if (open !== undefined) {
      await job.remove();
      return { ok: false, refusal: await this.#openRefusal(input.connector, open.openId) };
    }
    if (needed === 0) await job.promote();
    await this.#notify(request);
    return { ok: true, request };
  }

  async #openRefusal(connector: string, openId: string): Promise<string> {
    const open = await this.#options.store.get(openId);
    const what =
      open === undefined ? "" : ` (${open.state}: \`${open.command}\` asked by ${open.requester.name})`;
    const then =
      open?.state === "pending"
        ? `Its requester can withdraw it with \`cancel ${openId}\`, or an approver can \`deny ${openId} --reason "…"\`; then ask again.`
        : "Wait for it to finish (`approvals` shows where it stands), then ask again.";
    return `${connector} already has an open request, ${openId}${what}: one change per connector at a time. ${then}`;
  }

  /** Waits until the request has ended, polling the store; undefined if it is still open after `timeoutMs`. */
  async awaitOutcome(id: string, timeoutMs: number): Promise<ApprovalRequest | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const request = await this.#options.store.get(id);
      if (request !== undefined && !openStates.includes(request.state)) return request;
      if (Date.now() > deadline) return undefined;
      await new Promise((done) => setTimeout(done, 200));
    }
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

  /**
   * The caller has checked the approver role on the request's cluster; this checks everything else. With a
   * `digest` (a button's), the request must still do what the digest says: an id that names another request now
   * (Redis lost its data and the id was given again) is refused as stale.
   */
  async decide(
    id: string,
    decider: { readonly id: string; readonly name: string },
    decision: "approve" | "deny",
    note?: string,
    digest?: string,
  ): Promise<Decision> {
    const request = await this.#options.store.get(id);
    if (request === undefined)
      return { ok: false, refusal: `There is no request ${id}. \`approvals\` lists them.` };
    if (digest !== undefined && digest !== digestOf(request)) {
      return {
        ok: false,
        request,
        refusal: `Stale: the message you clicked does not show what ${id} does now (\`${request.command}\` ${request.connector} on ${request.cluster}, asked by ${request.requester.name}). Nothing was decided; decide ${id} from its own message or with \`${decision} ${id}\`.`,
      };
    }
    const expired = (r: ApprovalRequest) => Date.parse(r.expiresAt) <= this.#now().getTime();
    const expiredRefusal = `${id} expired at ${request.expiresAt.slice(11, 16)} UTC; ask again if it is still needed.`;
    if (request.state === "pending" && expired(request)) return { ok: false, refusal: expiredRefusal };
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
      // Checked again in the compare-and-set: past its expiry, the connector takes new requests (see the store).
      if (expired(r)) return undefined;
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
      if (standing?.state === "pending" && expired(standing)) return { ok: false, refusal: expiredRefusal };
      if (standing?.state === "pending" && standing.approvedBy.some((earlier) => earlier.id === decider.id)) {
        return { ok: false, request, refusal: `You approved ${id} already; it needs another approver.` };
      }
      return { ok: false, request, refusal: alreadyDecided(id, standing) };
    }
    const job = await this.#queue.getJob(id);
    if (result.request.state === "approved") await job?.promote().catch(() => undefined);
    if (result.request.state === "denied") await job?.remove().catch(() => undefined);
    // The decision is saved and audited; the messages follow without holding up the answer (Slack's 3 s ack).
    await this.#notify(result.request, "later");
    return { ok: true, request: result.request };
  }

  /** Only the requester cancels, and only while the request waits. */
  async cancel(id: string, actor: { readonly id: string }): Promise<Decision> {
    const request = await this.#options.store.get(id);
    if (request === undefined) return { ok: false, refusal: `There is no request ${id}.` };
    if (request.requester.id !== actor.id)
      return { ok: false, request, refusal: `Only ${request.requester.name}, who asked, can cancel ${id}.` };
    const result = await this.#options.store.transition(id, ["pending"], (r) => ({
      ...r,
      state: "cancelled",
    }));
    if (!result.ok || result.request === undefined)
      return { ok: false, request, refusal: alreadyDecided(id, result.request) };
    await (await this.#queue.getJob(id))?.remove().catch(() => undefined);
    await this.#notify(result.request);
    return { ok: true, request: result.request };
  }

  /** Runs approved requests and expires forgotten ones. Several replicas may run one each: a job runs once. */
  async startWorker(): Promise<void> {
    await this.#requeueOrphans();
    this.#worker ??= new Worker(queueName, (job) => this.#process(job), {
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
      const due = request.state === "pending" ? Date.parse(request.expiresAt) - this.#now().getTime() : 0;
      await this.#queue.add(
        "approval",
        { id: request.id },
        { jobId: request.id, delay: Math.max(0, due), ...jobOptions },
      );
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
  async close({ drainMs = 20_000 }: { readonly drainMs?: number } = {}): Promise<void> {
    if (this.#worker !== undefined) await timeLimit(this.#worker.close(), drainMs);
    await timeLimit(Promise.allSettled(this.#notifying), drainMs);
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
    const approvedAt = Date.parse(request.decidedAt ?? request.createdAt);
    if (request.state === "approved" && this.#now().getTime() - approvedAt > this.startWithinMs) {
      // Nobody ran it in time (no bot process was up): its numbers are old, so it never runs late.
      const stale = await this.#options.store.transition(id, ["approved"], (r) => ({
        ...r,
        state: "failed",
        finishedAt: this.#now().toISOString(),
        outcome: `Not run: no bot process started it within ${formatDuration(this.startWithinMs)} of its approval (${r.decidedAt?.slice(11, 16) ?? "?"} UTC), so it failed as stale rather than run late on old numbers. Nothing was changed; ask again if it is still needed.`,
      }));
      if (stale.ok) {
        await this.#notify(stale.request);
        return;
      }
      request = stale.request;
      if (request?.state !== "executing") return;
    }
    const cluster = this.#options.clusterFor(request.cluster);
    if (cluster === undefined) {
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
      connect: cluster.connect,
      kafka: cluster.lag,
      now: () => this.#now(),
      startBy: new Date(approvedAt + this.startWithinMs),
      afterStep: async (step, progress) => {
        await this.#record(progress, "succeeded", `step ${step} done`);
        await this.#options.afterStep?.(step, progress);
      },
    });
    await this.#notify(finished);
  }

  /** Audits the change, then tells the notifier: at once, or "later" (in the background, awaited by close). */
  async #notify(request: ApprovalRequest, when: "now" | "later" = "now"): Promise<void> {
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
    const told = this.#options.notifier?.changed(request).catch(() => undefined);
    if (told === undefined) return;
    if (when === "now") return told;
    this.#notifying.add(told);
    void told.finally(() => this.#notifying.delete(told));
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
