import { z } from "zod";
import { bulkCommand, proposeBulk } from "../approvals/ask-for-bulk.js";
import { announceStateChange } from "../src/core/announce-state-change.js";
import { defineCommand, flag } from "../src/core/command-spec.js";
import {
  confirmArg,
  connectorOrPattern,
  exactArg,
  isPattern,
  Reason,
  targetProblem,
  yesArg,
} from "../src/core/connector-args.js";

export const resume = defineCommand({
  name: "resume",
  summary: "Resume a connector, or a pattern's connectors.",
  details:
    'Resume a paused or stopped connector. A pattern ("orders-*") first previews the paused and stopped connectors it matches, then resumes exactly that set once confirmed (--yes in the shell); above automation.bulk.approvalAbove connectors it is one approval request.',
  examples: ["resume orders-sink", 'resume "orders-*"', 'resume "orders-*" --yes'],
  args: z
    .object({
      connector: connectorOrPattern,
      exact: exactArg,
      yes: yesArg,
      confirm: confirmArg,
      reason: flag(Reason.optional(), "why, for an approval request above the bulk threshold", {
        valueName: '"WHY"',
      }),
    })
    .superRefine((args, context) => {
      const problem = targetProblem({ ...args, name: args.connector });
      if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
    }),
  role: "operator",
  risk: "safe",
  approvalEntry: "bulk",
  // A pattern names no one connector: the role must hold somewhere on the cluster, and the set is narrowed to
  // the connectors where it holds (bulk-plan.ts, withinActorScope).
  connectorOf: (args) => (args.exact !== true && isPattern(args.connector) ? undefined : args.connector),
  async asProposal(context, args) {
    return proposeBulk(context, {
      ask: { action: "resume", pattern: args.connector, failedOnly: false },
      exact: args.exact === true || !isPattern(args.connector),
      reason: args.reason,
    });
  },
  async run(context, args) {
    const { connector } = args;
    if (args.exact !== true && isPattern(connector)) {
      return bulkCommand(context, {
        ask: { action: "resume", pattern: connector, failedOnly: false },
        confirm: args.confirm,
        yes: args.yes === true,
        reason: args.reason,
      });
    }
    await context.cluster.connect.resume(connector, { requestId: context.requestId });
    return announceStateChange(context, connector, { verb: "resume", wanted: "RUNNING" });
  },
});
