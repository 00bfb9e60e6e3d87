import type { ApprovalRequest } from "./approval-request.js";
import type { ApprovalStore } from "./approval-store.js";
import type { ApprovalState } from "./request-record.js";

/**
 * Who moves a request: `requester` (asks, cancels, nudges), `approver` (a person deciding), `policy` (a cluster's
 * policy or an auto-approval rule deciding in a person's place), `bot` (the lifecycle on its own: an expiry, a
 * re-check, a stale or orphaned request), `executor` (the run that holds the connector's lock).
 */
export type Mover = "requester" | "approver" | "policy" | "bot" | "executor";

/**
 * What the audit trail records for a move: an entry with this outcome (and this error code, for what the bot
 * decided), `steps` (each saved step is an entry of its own, `recordStep`), or `told` (the notifier hears of it,
 * nothing is audited: a run's start is told, its steps are audited).
 */
export type TransitionAudit =
  | {
      readonly outcome:
        | "requested"
        | "approved"
        | "denied"
        | "cancelled"
        | "expired"
        | "succeeded"
        | "failed";
    }
  | { readonly outcome: "refused"; readonly code: "APPROVAL_WITHDRAWN" | "RULE_WITHDRAWN" }
  /** Audited as an entry of its own, naming who is reminded (`nudge (id)`). */
  | "reminder"
  | "steps"
  | "told";

/** One allowed move of a request's state. `from: "new"`: the request is being created. */
export interface Transition {
  readonly from: ApprovalState | "new";
  readonly to: ApprovalState;
  readonly by: Mover;
  readonly audit: TransitionAudit;
  /** When it happens, for a reader of this table. */
  readonly when: string;
}

/**
 * Every move a request's state may make, and nothing else: `ApprovalLifecycle` is the only writer of a request's
 * state and checks each move against this table before it is stored, so a move the table lacks fails with
 * {@link ApprovalTransitionError} and changes nothing.
 */
export const approvalTransitions: readonly Transition[] = [
  { from: "new", to: "pending", by: "requester", audit: { outcome: "requested" }, when: "asked" },
  {
    from: "new",
    to: "approved",
    by: "policy",
    audit: { outcome: "approved" },
    when: "asked where the policy needs nobody, or a rule approves it",
  },
  {
    from: "pending",
    to: "pending",
    by: "approver",
    audit: { outcome: "approved" },
    when: "one approval of several needed",
  },
  {
    from: "pending",
    to: "approved",
    by: "approver",
    audit: { outcome: "approved" },
    when: "the last approval",
  },
  { from: "pending", to: "denied", by: "approver", audit: { outcome: "denied" }, when: "denied" },
  { from: "pending", to: "cancelled", by: "requester", audit: { outcome: "cancelled" }, when: "withdrawn" },
  { from: "pending", to: "pending", by: "requester", audit: "reminder", when: "nudged" },
  {
    from: "pending",
    to: "expired",
    by: "bot",
    audit: { outcome: "expired" },
    when: "nobody decided in time",
  },
  {
    from: "approved",
    to: "pending",
    by: "bot",
    audit: { outcome: "refused", code: "APPROVAL_WITHDRAWN" },
    when: "an approver no longer may, checked just before the run",
  },
  {
    from: "approved",
    to: "pending",
    by: "policy",
    audit: { outcome: "refused", code: "RULE_WITHDRAWN" },
    when: "the rule that approved it no longer does",
  },
  {
    from: "executing",
    to: "pending",
    by: "policy",
    audit: { outcome: "refused", code: "RULE_WITHDRAWN" },
    when: "its resolved plan is past the rule's bound (the run put the connector back)",
  },
  {
    from: "approved",
    to: "failed",
    by: "bot",
    audit: { outcome: "failed" },
    when: "not run: its requester may no longer ask, nobody confirmed its people, nobody started it in time, or its cluster is gone",
  },
  { from: "approved", to: "executing", by: "executor", audit: "told", when: "a run starts" },
  {
    from: "executing",
    to: "executing",
    by: "executor",
    audit: "steps",
    when: "a run saves a step or takes over",
  },
  {
    from: "executing",
    to: "succeeded",
    by: "executor",
    audit: { outcome: "succeeded" },
    when: "the run ended well",
  },
  { from: "executing", to: "failed", by: "executor", audit: { outcome: "failed" }, when: "the run failed" },
  { from: "executing", to: "failed", by: "bot", audit: { outcome: "failed" }, when: "its cluster is gone" },
];

/** A move {@link approvalTransitions} does not allow: a bug in the caller, never a lost race. */
export class ApprovalTransitionError extends Error {
  readonly code = "APPROVAL_INVALID_TRANSITION";
  readonly retriable = false;

  constructor(
    readonly from: ApprovalState | "new",
    readonly to: ApprovalState,
    readonly by: Mover,
  ) {
    super(`A request may not move from ${from} to ${to} by ${by}`);
  }
}

/** The table's row for a move; throws {@link ApprovalTransitionError} when it has none. */
export function transitionOf(from: ApprovalState | "new", to: ApprovalState, by: Mover): Transition {
  const row = approvalTransitions.find((each) => each.from === from && each.to === to && each.by === by);
  if (row === undefined) throw new ApprovalTransitionError(from, to, by);
  return row;
}

/** A stored move: the request as it now stands and the table's row for it; or why not (`request` as it stands). */
export type Moved =
  | { readonly ok: true; readonly request: ApprovalRequest; readonly transition: Transition }
  | { readonly ok: false; readonly request: ApprovalRequest | undefined };

/**
 * The one writer of a request's state: every change of a stored request goes through `move`, which checks it
 * against {@link approvalTransitions} and stores it as a compare-and-set (one click wins). The lifecycle, the
 * queue's worker and the execution each move requests only through it.
 */
export class RequestStates {
  readonly #store: ApprovalStore;

  constructor(store: ApprovalStore) {
    this.#store = store;
  }

  /** The table's row for a new request in `state`, asked by `by` (the requester, or the policy deciding at once). */
  created(state: ApprovalState, by: "requester" | "policy"): Transition {
    return transitionOf("new", state, by);
  }

  /** The table's row for a run that ended in `state` (`executeApproval` stores it through {@link move}). */
  ended(state: ApprovalState): Transition {
    return transitionOf("executing", state, "executor");
  }

  /**
   * Applies `change` if the request is in one of `from` and `change` returns its next version (undefined: no
   * change). Throws {@link ApprovalTransitionError} when the move from its state to the next one's is not `by`'s
   * to make; nothing is stored then. A loser of a race gets the request as it stands, so it learns who won.
   */
  async move(
    id: string,
    { from, by }: { readonly from: readonly ApprovalState[]; readonly by: Mover },
    change: (request: ApprovalRequest) => ApprovalRequest | undefined,
  ): Promise<Moved> {
    let transition: Transition | undefined;
    const result = await this.#store.transition(id, from, (current) => {
      const next = change(current);
      if (next !== undefined) transition = transitionOf(current.state, next.state, by);
      return next;
    });
    return result.ok && transition !== undefined
      ? { ok: true, request: result.request, transition }
      : { ok: false, request: result.request };
  }
}
