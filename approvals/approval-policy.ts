/** How a cluster treats destructive commands: which need approval, by how many people, and what nudges them. */
export interface ApprovalPolicy {
  /** Command names (`offsets reset`, `stop`…) that wait for approval; others run as soon as they are asked. */
  readonly required: ReadonlySet<string>;
  /** Distinct approvers needed, none of them the requester. */
  readonly approvers: number;
  /** Rules that approve a request in a person's place, within their bounds (approvals/auto-approval.ts). */
  readonly autoApprove?: readonly AutoApprovalRule[];
  /**
   * A waiting request is reminded of in its thread this long after it was asked, naming who can approve it; the
   * requester's `nudge` may repeat that once per this interval. Unset: no reminder, and `nudge` every 10 minutes.
   */
  readonly remindAfterMs?: number;
  /** A request still waiting this long after it was asked is escalated to `escalateTo`. */
  readonly escalateAfterMs?: number;
  /** Where an escalation goes: a channel id (`C…`, a post there) or a user group id (`S…`, mentioned in the thread). */
  readonly escalateTo?: string;
}

/**
 * A rule that approves in a person's place: requests for one of `commands` on a connector matching one of
 * `connectors` (the one glob dialect). With a bound, only sink offset changes whose plan can be counted, and
 * only within it: `maxReplay` records read again, `maxSkip` records skipped (unset while `maxReplay` is set: none).
 */
export interface AutoApprovalRule {
  /** Named in the audit and in the message of every request it approves. */
  readonly name: string;
  readonly commands: readonly string[];
  readonly connectors: readonly string[];
  readonly maxReplay?: number;
  readonly maxSkip?: number;
}

/**
 * Whether a request under `entry` waits for people on a cluster with `policy`, where `entries` are the entries a
 * policy may name (`destructiveCommands`, read from the command specs). Fails closed: only an entry the policy
 * could name and leaves out of `required` runs without approval; a request under an entry no command declares (a
 * new command that files requests without declaring it) waits for approval on every cluster.
 */
export function needsApproval(policy: ApprovalPolicy, entry: string, entries: readonly string[]): boolean {
  return policy.required.has(entry) || !entries.includes(entry);
}

/** The policy entry a request's command falls under: `bulk pause` under `bulk`, the others under their own name. */
export function policyEntryOf(command: string): string {
  return command.startsWith("bulk ") ? "bulk" : command;
}
