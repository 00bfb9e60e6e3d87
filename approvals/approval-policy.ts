/** How a cluster treats destructive commands: which need approval, and by how many people. */
export interface ApprovalPolicy {
  /** Command names (`offsets reset`, `stop`…) that wait for approval; others run as soon as they are asked. */
  readonly required: ReadonlySet<string>;
  /** Distinct approvers needed, none of them the requester. */
  readonly approvers: number;
}

/** The commands that go through approvals; a cluster's policy decides which of them wait for a person. */
export const destructiveCommands = [
  "offsets reset",
  "offsets set",
  "offsets restore",
  "stop",
  "delete",
  "config set",
  "config restore",
  "create",
] as const;

export const defaultPolicy: ApprovalPolicy = { required: new Set(destructiveCommands), approvers: 1 };
