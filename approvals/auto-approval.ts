import { globMatches } from "../src/core/glob.js";
import type { AutoApprovalRule } from "./approval-policy.js";
import type { ApprovalRequest } from "./approval-request.js";
import type { OffsetMove } from "./request-record.js";

/** What the rules say of one request: approved by the named rule, or left to people (with why, when a rule matched). */
export type RuleVerdict =
  | { readonly approves: true; readonly rule: string }
  | { readonly approves: false; readonly why?: string };

const count = (n: number) => n.toLocaleString("en-US");

/**
 * Whether a rule approves `request` on its plan `moves` (the preview when asked, the resolved plan at execution):
 * the first rule whose command and connector patterns match and whose bounds hold. Fails closed: a rule with a
 * bound approves nothing it cannot count (no sink plan: a source connector's offsets, a stop), and a rule with a
 * replay bound but no skip bound allows no skipped record. `why` names the rule that matched and what it did not
 * allow, so the request's message can say it.
 */
export function ruleVerdict(
  rules: readonly AutoApprovalRule[],
  request: Pick<ApprovalRequest, "command" | "connector">,
  moves: readonly OffsetMove[] | undefined,
): RuleVerdict {
  let why: string | undefined;
  for (const rule of rules) {
    if (!rule.commands.includes(request.command)) continue;
    if (!rule.connectors.some((pattern) => globMatches(pattern, request.connector))) continue;
    const outside = outsideBounds(rule, moves);
    if (outside === undefined) return { approves: true, rule: rule.name };
    why ??= `rule ${rule.name} does not approve it: ${outside}`;
  }
  return why === undefined ? { approves: false } : { approves: false, why };
}

/** What in the plan exceeds the rule's bounds, or undefined when it is within them (or the rule states none). */
function outsideBounds(rule: AutoApprovalRule, moves: readonly OffsetMove[] | undefined): string | undefined {
  if (rule.maxReplay === undefined && rule.maxSkip === undefined) return undefined;
  if (moves === undefined) return "the records it would replay or skip cannot be counted";
  const replay = moves.reduce((total, move) => total + move.replay, 0);
  const skip = moves.reduce((total, move) => total + move.skip, 0);
  const maxSkip = rule.maxSkip ?? 0;
  if (rule.maxReplay !== undefined && replay > rule.maxReplay)
    return `it replays ${count(replay)} records, more than the ${count(rule.maxReplay)} the rule allows`;
  if (skip > maxSkip)
    return `it skips ${count(skip)} records, more than the ${count(maxSkip)} the rule allows`;
  return undefined;
}

/**
 * A request a rule approved, sent back to people because the rule no longer approves it (`why`): waiting again for
 * as many approvers as the policy asks, with a new expiry, saying why. Anything the run saved is dropped.
 */
export function backToPeople(
  request: ApprovalRequest,
  why: string,
  at: Date,
  expiryMs: number,
): ApprovalRequest {
  const {
    decidedBy,
    decidedAt,
    approvedByRule,
    executor,
    step,
    changeSent,
    resolved,
    snapshot,
    priorState,
    ...rest
  } = request;
  return {
    ...rest,
    state: "pending",
    approvedBy: [],
    expiresAt: new Date(at.getTime() + expiryMs).toISOString(),
    ruleWithdrawn: { rule: approvedByRule ?? "?", why, at: at.toISOString() },
  };
}
