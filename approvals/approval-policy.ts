/** How a cluster treats destructive commands: which need approval, and by how many people. */
export interface ApprovalPolicy {
  /** Command names (`offsets reset`, `stop`…) that wait for approval; others run as soon as they are asked. */
  readonly required: ReadonlySet<string>;
  /** Distinct approvers needed, none of them the requester. */
  readonly approvers: number;
}

/**
 * The commands that go through approvals; a cluster's policy decides which of them wait for a person. `bulk` is
 * a pause, resume or restart of a pattern's connectors (or a pause window) above `automation.bulk.approvalAbove`.
 */
export const destructiveCommands = [
  "offsets reset",
  "offsets set",
  "offsets restore",
  "stop",
  "delete",
  "bulk",
] as const;

/** The policy entry a request's command falls under: `bulk pause` under `bulk`, the others under their own name. */
export function policyEntryOf(command: string): string {
  return command.startsWith("bulk ") ? "bulk" : command;
}

export const defaultPolicy: ApprovalPolicy = { required: new Set(destructiveCommands), approvers: 1 };
