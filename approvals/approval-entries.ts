import { commands } from "../commands/registry.js";
import { approvalEntriesOf } from "../src/core/command-spec.js";
import type { ApprovalPolicy } from "./approval-policy.js";

/**
 * The policy entries a cluster's `approvals.required` may name, read from the command specs
 * (`CommandSpec.approvalEntry`, or the name of a `proposes` command): every command that files approval requests.
 * `bulk` is a pause, resume or restart of a pattern's connectors (or a pause window) above
 * `automation.bulk.approvalAbove`.
 */
export const destructiveCommands = nonEmpty(approvalEntriesOf(commands));

function nonEmpty(entries: readonly string[]): readonly [string, ...string[]] {
  const [first, ...rest] = entries;
  if (first === undefined) throw new Error("no command files approval requests");
  return [first, ...rest];
}

/** A cluster's policy when its config says none: every entry waits for one approver. */
export const defaultPolicy: ApprovalPolicy = { required: new Set(destructiveCommands), approvers: 1 };
