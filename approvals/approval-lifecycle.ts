import type { AuditLog, AuditRecord } from "../src/core/audit-log.js";
import type { Clock } from "../src/core/clock.js";
import { formatDuration } from "../src/core/duration.js";
import { type Identities, identityOf } from "../src/core/identity.js";
import { IdentityError } from "../src/core/identity-error.js";
import type { ConnectorOffset } from "../src/core/ports.js";
import { timeLimit } from "../src/core/time-limit.js";
import { type ApprovalPolicy, needsApproval, policyEntryOf } from "./approval-policy.js";
import { type ApprovalRequest, digestOf } from "./approval-request.js";
import type { ApprovalStore } from "./approval-store.js";
import { RequestStates, type Transition } from "./approval-transitions.js";
import { lostWords, requesterGoneOutcome, setBackDetail, unconfirmedOutcome } from "./approval-words.js";
import { backToPeople, ruleVerdict } from "./auto-approval.js";
import type { Operation } from "./kinds/registry.js";
import { operationKind } from "./kinds/registry.js";
import { accountBar, type RequestPerson, verdictOf, whyNoLonger } from "./recheck-people.js";
import type { Reminder, ReminderKind } from "./reminder.js";
import type { ExecutionStep, OffsetMove } from "./request-record.js";

/** Where people hear about a request: the Slack adapter posts and updates messages, the shell prints. */
export interface ApprovalNotifier {
  /** A request was made, decided, expired, cancelled, started or finished. */
  changed(request: ApprovalRequest): Promise<void>;
  /** Where people see and decide the request (a Slack message's permalink), or undefined where there is none. */
  linkOf?(id: string): Promise<string | undefined>;
  /**
   * A waiting request is brought up again (`reminderWords` say what): in its thread, naming `reminder.approvers`;
   * an escalation also reaches `escalateTo` (a channel: posted there; a user group: named in the thread).
   */
  remind?(request: ApprovalRequest, reminder: Reminder): Promise<void>;
}

/** What the lifecycle asks of the queue: each request is a job with the request's id (approval-queue.ts). */
export interface ApprovalJobs {
  /** Adds the request's job, due in `delayMs` (when the request expires, or 0 to run now). */
  add(id: string, delayMs: number): Promise<void>;
  /** Makes the job due now: the request was approved. */
  promote(id: string): Promise<void>;
  /** Removes the job: the request ended before it ran, or was never stored. */
  remove(id: string): Promise<void>;
  /**
   * Adds a reminder of the request, due in `delayMs`; `round` tells apart the waits of one request (it may wait
   * again after a set-back), so each wait is reminded of once, however many processes run.
   */
  remind(id: string, kind: Exclude<ReminderKind, "nudge">, delayMs: number, round: number): Promise<void>;
}

export interface NewRequest {
  readonly cluster: string;
  readonly connector: string;
  readonly command: string;
  readonly reason: string;
  readonly requester: RequestPerson;
  readonly operation: Operation;
  readonly planSummary: string;
  /** A sink plan's per-partition numbers at the time of asking. */
  readonly preview?: readonly OffsetMove[];
  /** A source change's offsets as they were when asked. */
  readonly previewOffsets?: readonly ConnectorOffset[];
  readonly requestId: string;
  readonly channelId?: string;
}

export type Decision =
  | { readonly ok: true; readonly request: ApprovalRequest }
  | {
      readonly ok: false;
      readonly refusal: string;
      /** The request the refusal is about, when there is one (the audit files the refusal under its connector). */
      readonly request?: ApprovalRequest;
    };

export interface ApprovalLifecycleOptions {
  readonly store: ApprovalStore;
  readonly jobs: ApprovalJobs;
  /** Every change of a request's state, and every execution step, is recorded here. */
  readonly audit: AuditLog;
  readonly notifier?: ApprovalNotifier;
  /** How long a request waits for its approvers, in ms. */
  readonly expiryMs: number;
  readonly policyFor: (cluster: string) => ApprovalPolicy;
  /** The entries a policy may name (`destructiveCommands`); a request under any other waits for approval. */
  readonly approvalEntries: readonly string[];
  readonly now: Clock;
  /**
   * Each adapter's identity, by source: who may approve (guests, bots and deactivated accounts never do), and
   * whether the requester and approvers still may when the change is about to run.
   */
  readonly identities: Identities;
  /**
   * While the identity source cannot answer that re-check (an outage), the run is tried again this often, as
   * long as the next try still falls before the request's start bound. @defaultValue 5,000 ms
   */
  readonly identityRetryMs?: number;
}

/** What the re-check before a run decided (see `ApprovalLifecycle.recheck`). */
export type Recheck =
  | { readonly kind: "runs" }
  /** Failed (the requester may no longer ask, or nobody could be confirmed in time), or set back to `pending`. */
  | { readonly kind: "settled"; readonly request: ApprovalRequest }
  /** The identity source could not answer: try again after this long. */
  | { readonly kind: "retry"; readonly afterMs: number; readonly reason: string };

/** Who decided when the cluster's policy needs nobody. */
const policyDecider = { id: "policy", name: "policy (no approval needed on this cluster)" };

/** Who decided when an auto-approval rule approved: the rule, by name (the audit files the approval under it). */
const ruleDecider = (rule: string) => ({ id: `rule:${rule}`, name: `rule ${rule}` });

/**
 * A request's life until it runs: asked, approved (by as many people as the cluster's policy says) or denied,
 * cancelled by its requester, or expired. Every change is a compare-and-set in the store, so one click wins;
 * each is audited, then told to the notifier.
 */
export class ApprovalLifecycle {
  readonly #options: ApprovalLifecycleOptions;
  readonly #states: RequestStates;
  readonly #notifying = new Set<Promise<void>>();

  constructor(options: ApprovalLifecycleOptions) {
    this.#options = options;
    this.#states = new RequestStates(options.store);
  }

  /**
   * Queues a request, approved at once where the policy needs nobody. Refused while the connector has another
   * open request (pending, approved or executing): one change per connector at a time.
   */
  async request(input: NewRequest): Promise<Decision> {
    const { store, jobs, expiryMs } = this.#options;
    const now = new Date(this.#options.now());
    const policy = this.#options.policyFor(input.cluster);
    // An agent's request is a proposal: a person decides it, whatever the policy (or its rules) says for people.
    const proposal = identityOf(this.#options.identities, input.requester.source)?.proposeOnly === true;
    const needed = proposal
      ? Math.max(1, policy.approvers)
      : needsApproval(policy, policyEntryOf(input.command), this.#options.approvalEntries)
        ? policy.approvers
        : 0;
    // A rule approves in a person's place only within what it states, on the plan as previewed now; the
    // resolved plan is judged again when the change runs (execute-approval.ts).
    const byRule =
      needed === 0 || proposal ? undefined : ruleVerdict(policy.autoApprove ?? [], input, input.preview);
    const ruled = byRule?.approves === true ? byRule.rule : undefined;
    const { preview, previewOffsets, ...fields } = input;
    const request: ApprovalRequest = {
      ...fields,
      ...(preview === undefined ? {} : { preview: [...preview] }),
      ...(previewOffsets === undefined ? {} : { previewOffsets: [...previewOffsets] }),
      id: await store.nextId(input.cluster),
      requester: { ...input.requester },
      ...(proposal ? { proposal: true } : {}),
      state: needed === 0 || ruled !== undefined ? "approved" : "pending",
      approversNeeded: needed,
      approvedBy: [],
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + expiryMs).toISOString(),
      ...(needed === 0 ? { decidedBy: policyDecider, decidedAt: now.toISOString() } : {}),
      ...(ruled === undefined
        ? {}
        : { approvedByRule: ruled, decidedBy: ruleDecider(ruled), decidedAt: now.toISOString() }),
      ...(byRule?.approves === false && byRule.why !== undefined ? { ruleDeclined: byRule.why } : {}),
    };
    // The job first: a crash before the request is stored leaves a job that finds nothing, never a request
    // that no job will ever expire or run.
    await jobs.add(request.id, expiryMs);
    const open = await store.create(request);
    if (open !== undefined) {
      await jobs.remove(request.id);
      return { ok: false, refusal: await this.#openRefusal(input.connector, open.openId) };
    }
    if (request.state === "approved") await jobs.promote(request.id);
    else await this.#scheduleReminders(request, now);
    await this.#announce(
      request,
      this.#states.created(request.state, needed === 0 || ruled !== undefined ? "policy" : "requester"),
    );
    return { ok: true, request };
  }

  /** The policy's reminder and escalation of a wait that starts `from` (asked, or sent back to people). */
  async #scheduleReminders(request: ApprovalRequest, from: Date): Promise<void> {
    const policy = this.#options.policyFor(request.cluster);
    const round = from.getTime();
    const waitMs = Date.parse(request.expiresAt) - round;
    // A reminder due after the request expires would find it expired: none is added.
    if (policy.remindAfterMs !== undefined && policy.remindAfterMs < waitMs)
      await this.#options.jobs.remind(request.id, "reminder", policy.remindAfterMs, round);
    if (policy.escalateAfterMs !== undefined && policy.escalateAfterMs < waitMs)
      await this.#options.jobs.remind(request.id, "escalation", policy.escalateAfterMs, round);
  }

  /**
   * Brings a request up again, if it still waits: tells the notifier (who may approve it, how long it waited) and
   * audits it under the bot. A reminder of an earlier wait (the request was decided, or waits again since) does
   * nothing.
   */
  async remind(id: string, kind: Exclude<ReminderKind, "nudge">, round: number): Promise<void> {
    const request = await this.#options.store.get(id);
    if (request === undefined || request.state !== "pending") return;
    const now = this.#options.now();
    if (Date.parse(request.expiresAt) <= now || this.#waitStartedAt(request) !== round) return;
    await this.#bringUp(request, kind);
  }

  /**
   * The requester's nudge: brings the request up again at once, naming its approvers, at most once per the
   * policy's reminder interval (10 minutes without one). Refused, saying when the next may be, before then.
   */
  async nudge(id: string, actor: { readonly id: string }): Promise<Decision> {
    const { store } = this.#options;
    const request = await store.get(id);
    if (request === undefined) return { ok: false, refusal: `There is no request ${id}.` };
    if (request.requester.id !== actor.id)
      return { ok: false, request, refusal: `Only ${request.requester.name}, who asked, can nudge ${id}.` };
    const everyMs = this.#options.policyFor(request.cluster).remindAfterMs ?? 10 * 60_000;
    const at = new Date(this.#options.now());
    const last = request.nudgedAt === undefined ? undefined : Date.parse(request.nudgedAt);
    const nextAt = (from: number) => new Date(from + everyMs).toISOString().slice(11, 19);
    const result = await this.#states.move(id, { from: ["pending"], by: "requester" }, (r) => {
      const previous = r.nudgedAt === undefined ? undefined : Date.parse(r.nudgedAt);
      if (previous !== undefined && at.getTime() - previous < everyMs) return undefined;
      return { ...r, nudgedAt: at.toISOString() };
    });
    if (!result.ok || result.request === undefined) {
      const standing = result.request;
      if (standing?.state === "pending") {
        const since =
          standing.nudgedAt === undefined ? (last ?? at.getTime()) : Date.parse(standing.nudgedAt);
        return {
          ok: false,
          request,
          refusal: `${id} was nudged at ${new Date(since).toISOString().slice(11, 19)} UTC; the next nudge may be from ${nextAt(since)} UTC (once every ${formatDuration(everyMs)}).`,
        };
      }
      return { ok: false, request, refusal: alreadyDecided(id, standing) };
    }
    await this.#bringUp(result.request, "nudge");
    return { ok: true, request: result.request };
  }

  /** When the request's current wait began: asked, or sent back to people since. */
  #waitStartedAt(request: ApprovalRequest): number {
    const since = [request.createdAt, request.ruleWithdrawn?.at, request.setBacks?.at(-1)?.at].filter(
      (at): at is string => at !== undefined,
    );
    return Math.max(...since.map((at) => Date.parse(at)));
  }

  async #bringUp(request: ApprovalRequest, kind: ReminderKind): Promise<void> {
    const policy = this.#options.policyFor(request.cluster);
    const holders =
      identityOf(this.#options.identities, request.requester.source)?.holdersOf?.(
        request.cluster,
        request.connector,
        "approver",
      ) ?? [];
    const done = new Set([request.requester.id, ...request.approvedBy.map((person) => person.id)]);
    const reminder: Reminder = {
      kind,
      approvers: holders.filter((holder) => holder.kind === "group" || !done.has(holder.id)),
      waitedMs: this.#options.now() - Date.parse(request.createdAt),
      ...(kind === "escalation" && policy.escalateTo !== undefined ? { escalateTo: policy.escalateTo } : {}),
    };
    const actor = kind === "nudge" ? request.requester : { id: "connect-ops", name: "connect-ops" };
    await this.#options.audit.append({
      actorId: actor.id,
      actorName: actor.name,
      source: kind === "nudge" ? (request.requester.source ?? "system") : "system",
      cluster: request.cluster,
      connector: request.connector,
      command: `${kind} (${request.id})`,
      args: request.reason,
      outcome: "succeeded",
      detail: `${kind} after ${formatDuration(reminder.waitedMs)}, naming ${reminder.approvers.map((p) => p.id).join(", ") || "no approver (none configured for this connector)"}${reminder.escalateTo === undefined ? "" : `; escalated to ${reminder.escalateTo}`}`,
      durationMs: reminder.waitedMs,
      requestId: request.requestId,
    });
    await this.#options.notifier?.remind?.(request, reminder).catch(() => undefined);
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

  /**
   * The caller has checked the approver role on the request's cluster; this checks everything else. With a
   * `digest` (a button's), the request must still do what the digest says: an id that names another request now
   * (Redis lost its data and the id was given again) is refused as stale.
   */
  async decide(
    id: string,
    decider: RequestPerson,
    decision: "approve" | "deny",
    note?: string,
    digest?: string,
  ): Promise<Decision> {
    const { store, jobs } = this.#options;
    const request = await store.get(id);
    if (request === undefined)
      return { ok: false, refusal: `There is no request ${id}. \`approvals\` lists them.` };
    if (digest !== undefined && digest !== digestOf(request)) {
      return {
        ok: false,
        request,
        refusal: `Stale: the message you clicked does not show what ${id} does now (\`${request.command}\` ${request.connector} on ${request.cluster}, asked by ${request.requester.name}). Nothing was decided; decide ${id} from its own message or with \`${decision} ${id}\`.`,
      };
    }
    const expired = (r: ApprovalRequest) => Date.parse(r.expiresAt) <= this.#options.now();
    const expiredRefusal = `${id} expired at ${request.expiresAt.slice(11, 16)} UTC; ask again if it is still needed.`;
    if (request.state === "pending" && expired(request)) return { ok: false, refusal: expiredRefusal };
    if (identityOf(this.#options.identities, decider.source)?.proposeOnly === true) {
      return { ok: false, request, refusal: `An agent cannot ${decision} ${id}: a person decides it.` };
    }
    if (decision === "approve" && request.requester.id === decider.id) {
      return { ok: false, refusal: `You asked for ${id} yourself: another approver must approve it.` };
    }
    if (decision === "approve") {
      // Slack's "no such account" is a verdict here; its failing to answer throws, and is worded as its failure.
      const barred = await accountBar(this.#options.identities, decider, "approver");
      if (barred !== undefined && barred.kind !== "no-source")
        return { ok: false, refusal: `You cannot approve: ${lostWords(barred)}.` };
    }
    const at = new Date(this.#options.now()).toISOString();
    const person = { ...decider };
    const result = await this.#states.move(id, { from: ["pending"], by: "approver" }, (r) => {
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
    // The decision stands whatever becomes of the job: a lost job is given again when a worker starts.
    if (result.request.state === "approved") await jobs.promote(id).catch(() => undefined);
    if (result.request.state === "denied") await jobs.remove(id).catch(() => undefined);
    // The decision is saved and audited; the messages follow without holding up the answer (Slack's 3 s ack).
    await this.#announce(result.request, result.transition, "later");
    return { ok: true, request: result.request };
  }

  /**
   * Asks afresh, just before an approved request runs, whether its requester and each approver still may (role and
   * account, of their own adapter's identity; approvals/recheck-people.ts has the rule). A requester who may not
   * fails the request; approvals that no longer count are dropped and the request waits again, with a new expiry,
   * saying whose and why. Each is audited and told. When the identity source cannot answer, nothing is decided:
   * "retry" while another try fits before `startBy`, else the request fails unrun, saying the source did not
   * answer. A request already running (a step saved) is not checked again: its people were checked when it began.
   */
  async recheck(request: ApprovalRequest, startBy: Date): Promise<Recheck> {
    const { identities, now } = this.#options;
    if (request.state !== "approved" || request.step !== undefined) return { kind: "runs" };
    if (request.approvedByRule !== undefined) {
      // The rule as configured now, on the plan as approved: a rule removed or narrowed approves no more.
      const why = this.ruleStillApproves(request);
      if (why !== undefined) {
        const settled = await this.withdrawRule(request, why, ["approved"]);
        return settled === undefined ? { kind: "runs" } : { kind: "settled", request: settled };
      }
    }
    let verdict: ReturnType<typeof verdictOf>;
    try {
      const requester = await whyNoLonger(
        identities,
        request.requester,
        request.cluster,
        "requester",
        request.connector,
      );
      const approvals =
        requester === undefined
          ? await Promise.all(
              request.approvedBy.map((person) =>
                whyNoLonger(identities, person, request.cluster, "approver", request.connector),
              ),
            )
          : [];
      verdict = verdictOf(request, requester, approvals);
    } catch (error) {
      if (!(error instanceof IdentityError) || error.code !== "IDENTITY_UNAVAILABLE") throw error;
      const afterMs = this.#options.identityRetryMs ?? 5_000;
      if (now() + afterMs < startBy.getTime()) return { kind: "retry", afterMs, reason: error.message };
      return this.#settle(request, "failed", {
        outcome: unconfirmedOutcome(error.service, error.reason, startBy),
        errorCode: error.code,
      });
    }
    if (verdict.kind === "runs") return verdict;
    if (verdict.kind === "requester-gone") {
      return this.#settle(request, "failed", {
        outcome: requesterGoneOutcome(request, verdict.lost),
        errorCode: "REQUESTER_GONE",
      });
    }
    const at = new Date(now());
    const setBack = await this.#states.move(request.id, { from: ["approved"], by: "bot" }, (r) => {
      const { decidedBy, decidedAt, ...rest } = r;
      const last = verdict.kept.at(-1);
      return {
        ...rest,
        state: "pending",
        approvedBy: [...verdict.kept],
        ...(last === undefined ? {} : { decidedBy: last, decidedAt: decidedAt ?? at.toISOString() }),
        expiresAt: new Date(at.getTime() + this.#options.expiryMs).toISOString(),
        setBacks: [
          ...(r.setBacks ?? []),
          {
            at: at.toISOString(),
            dropped: verdict.dropped.map(({ person, lost }) => ({
              person: { ...person },
              why: lostWords(lost),
            })),
          },
        ],
      };
    });
    if (!setBack.ok) return { kind: "runs" };
    await this.#audit(setBack.request, setBack.transition, setBackDetail(setBack.request));
    await this.#scheduleReminders(setBack.request, at);
    await this.#tell(setBack.request);
    return { kind: "settled", request: setBack.request };
  }

  /**
   * For a request a rule approved, on its resolved plan (the moves saved at step "resolved"): why the cluster's
   * rules no longer approve it, or undefined when the same rule still does.
   */
  ruleStillApproves(request: ApprovalRequest): string | undefined {
    const moves = request.resolved?.moves ?? request.preview;
    const verdict = ruleVerdict(this.#options.policyFor(request.cluster).autoApprove ?? [], request, moves);
    if (verdict.approves && verdict.rule === request.approvedByRule) return undefined;
    return verdict.approves
      ? `rule ${request.approvedByRule ?? "?"} no longer applies to it`
      : (verdict.why ?? `rule ${request.approvedByRule ?? "?"} no longer applies to it`);
  }

  /**
   * Sends a request a rule approved back to people, saying why (`backToPeople`): from `approved` before its run, or
   * from `executing` once its resolved plan grew past the rule's bound (the run has put the connector back). Audited
   * under the bot as `RULE_WITHDRAWN`, and told. Undefined when the request had moved on meanwhile.
   */
  async withdrawRule(
    request: ApprovalRequest,
    why: string,
    from: readonly ("approved" | "executing")[],
    executor?: string,
  ): Promise<ApprovalRequest | undefined> {
    const at = new Date(this.#options.now());
    const back = await this.#states.move(request.id, { from, by: "policy" }, (r) =>
      executor !== undefined && r.executor !== executor
        ? undefined
        : backToPeople(r, why, at, this.#options.expiryMs),
    );
    if (!back.ok) return undefined;
    await this.#audit(back.request, back.transition, `back to waiting for people: ${why}`);
    await this.#scheduleReminders(back.request, at);
    await this.#tell(back.request);
    return back.request;
  }

  /** Ends an approved request unrun, audited under `errorCode` and told. */
  async #settle(
    request: ApprovalRequest,
    state: "failed",
    { outcome, errorCode }: { readonly outcome: string; readonly errorCode: string },
  ): Promise<Recheck> {
    const ended = await this.#states.move(request.id, { from: ["approved"], by: "bot" }, (r) => ({
      ...r,
      state,
      finishedAt: new Date(this.#options.now()).toISOString(),
      outcome,
    }));
    if (!ended.ok) return { kind: "runs" };
    await this.#audit(ended.request, ended.transition, outcome, errorCode);
    await this.#tell(ended.request);
    return { kind: "settled", request: ended.request };
  }

  /** Only the requester cancels, and only while the request waits. */
  async cancel(id: string, actor: { readonly id: string }): Promise<Decision> {
    const { store, jobs } = this.#options;
    const request = await store.get(id);
    if (request === undefined) return { ok: false, refusal: `There is no request ${id}.` };
    if (request.requester.id !== actor.id)
      return { ok: false, request, refusal: `Only ${request.requester.name}, who asked, can cancel ${id}.` };
    const result = await this.#states.move(id, { from: ["pending"], by: "requester" }, (r) => ({
      ...r,
      state: "cancelled",
    }));
    if (!result.ok) return { ok: false, request, refusal: alreadyDecided(id, result.request) };
    await jobs.remove(id).catch(() => undefined);
    await this.#announce(result.request, result.transition);
    return { ok: true, request: result.request };
  }

  /**
   * A request nobody decided in time expires. Returns the request as it stands: expired, or approved in the same
   * instant its expiry came due (the approval wins, and the caller carries it out).
   */
  async expire(id: string): Promise<ApprovalRequest | undefined> {
    const expired = await this.#states.move(id, { from: ["pending"], by: "bot" }, (r) => ({
      ...r,
      state: "expired",
    }));
    if (expired.ok) await this.#announce(expired.request, expired.transition);
    return expired.request;
  }

  /**
   * Ends an approved request unrun, or a run whose cluster is gone, as `failed` with `outcome` (it reads the
   * request as it stands), audited and told. Returns the request as it stands: failed, or moved on meanwhile.
   */
  async fail(
    id: string,
    from: readonly ("approved" | "executing")[],
    outcome: (request: ApprovalRequest) => string,
  ): Promise<{ readonly failed: boolean; readonly request: ApprovalRequest | undefined }> {
    const failed = await this.#states.move(id, { from, by: "bot" }, (r) => ({
      ...r,
      state: "failed",
      finishedAt: new Date(this.#options.now()).toISOString(),
      outcome: outcome(r),
    }));
    if (failed.ok) await this.#announce(failed.request, failed.transition);
    return { failed: failed.ok, request: failed.request };
  }

  /** A run is about to start: told, not audited (its steps are). */
  async starting(request: ApprovalRequest): Promise<void> {
    await this.#tell({ ...request, state: "executing" });
  }

  /** A run ended (succeeded or failed, as `executeApproval` stored it): audited with its outcome, and told. */
  async finished(request: ApprovalRequest): Promise<void> {
    await this.#announce(request, this.#states.ended(request.state));
  }

  /**
   * Audits a change of the request, then tells the notifier: at once, or "later" (in the background, awaited by
   * `close`). An execution's start is told, not audited: its steps are.
   */
  async #announce(
    request: ApprovalRequest,
    transition: Transition,
    when: "now" | "later" = "now",
  ): Promise<void> {
    const partlyApproved = request.state === "pending" && request.approvedBy.length > 0;
    await this.#audit(
      request,
      transition,
      partlyApproved
        ? `${request.approvedBy.length} of ${request.approversNeeded} approvals`
        : request.outcome,
    );
    return this.#tell(request, when);
  }

  /**
   * Records a move as the transition table says it is audited (nothing for a move audited elsewhere or only
   * told); what the bot decided is filed under the bot, with the row's code or `errorCode`.
   */
  async #audit(
    request: ApprovalRequest,
    transition: Transition,
    detail: string | undefined,
    errorCode?: string,
  ): Promise<void> {
    const { audit } = transition;
    if (typeof audit === "string") return;
    const code = errorCode ?? ("code" in audit ? audit.code : undefined);
    await this.#record(request, audit.outcome, detail, code);
  }

  /** Tells the notifier of a change already audited: at once, or "later" (see `announce`). */
  async #tell(request: ApprovalRequest, when: "now" | "later" = "now"): Promise<void> {
    const told = this.#options.notifier?.changed(request).catch(() => undefined);
    if (told === undefined) return;
    if (when === "now") return told;
    this.#notifying.add(told);
    void told.finally(() => this.#notifying.delete(told));
  }

  /** Audits a saved execution step, and what the step "changed" did to each connector of a kind that acts on several. */
  async recordStep(request: ApprovalRequest, step: ExecutionStep): Promise<void> {
    await this.#record(request, "succeeded", `step ${step} done`);
    if (step !== "changed") return;
    for (const each of operationKind(request.operation).connectorAudits?.(request, request.operation) ?? []) {
      await this.#options.audit.append({
        actorId: request.requester.id,
        actorName: request.requester.name,
        source: "system",
        cluster: request.cluster,
        connector: each.connector,
        command: `${request.command} (${request.id})`,
        args: request.reason,
        outcome: each.outcome,
        detail: each.detail,
        durationMs: this.#options.now() - Date.parse(request.createdAt),
        requestId: request.requestId,
      });
    }
  }

  async #record(
    request: ApprovalRequest,
    outcome: AuditRecord["outcome"],
    detail: string | undefined,
    /** Set for what the bot itself decided (a re-check): filed under the bot, with this code. */
    errorCode?: string,
  ): Promise<void> {
    const bot = { id: "connect-ops", name: "connect-ops" };
    const actor =
      errorCode !== undefined
        ? bot
        : (request.state === "pending" && request.approvedBy.length === 0) || request.state === "cancelled"
          ? request.requester
          : (request.decidedBy ?? bot);
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
      ...(errorCode === undefined ? {} : { errorCode }),
      durationMs: this.#options.now() - Date.parse(request.createdAt),
      requestId: request.requestId,
    });
  }

  /** Waits up to `drainMs` for the messages still being sent. */
  async close(drainMs: number): Promise<void> {
    await timeLimit(Promise.allSettled(this.#notifying), drainMs);
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
