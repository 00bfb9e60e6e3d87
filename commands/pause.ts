import { z } from "zod";
import { bulkCommand, proposeBulk } from "../approvals/ask-for-bulk.js";
import { askForWindow } from "../approvals/ask-for-window.js";
import { announceStateChange } from "../src/core/announce-state-change.js";
import { defineCommand, flag } from "../src/core/command-spec.js";
import {
  asksForWindow,
  confirmArg,
  connectorOrPattern,
  exactArg,
  isPattern,
  Reason,
  targetProblem,
  windowArgs,
  yesArg,
} from "../src/core/connector-args.js";
import { errorReply } from "../src/core/reply.js";

export const pause = defineCommand({
  name: "pause",
  summary: "Pause a connector, a pattern's, or for a window.",
  details:
    'Pause a connector and its tasks (they stay assigned; resume picks up where they were). A pattern ("orders-*") first previews every connector and task it touches, then acts on that set once confirmed (--yes in the shell); above automation.bulk.approvalAbove connectors it is one approval request. With --from/--until/--for it is a maintenance window: paused at the start, put back at the end, alerts held in between (times in UTC).',
  examples: [
    "pause orders-sink",
    'pause "orders-*"',
    'pause "orders-*" --from 00:30 --until 01:00 --reason "database migration"',
    'pause orders-sink --for 30m --reason "downstream deploy"',
  ],
  args: z
    .object({
      connector: connectorOrPattern,
      exact: exactArg,
      yes: yesArg,
      confirm: confirmArg,
      ...windowArgs,
      reason: flag(Reason.optional(), "why (needed for a window; kept in the audit)", { valueName: '"WHY"' }),
    })
    .superRefine((args, context) => {
      const problem = targetProblem({ ...args, name: args.connector, window: asksForWindow(args) });
      if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
    }),
  role: "operator",
  risk: "safe",
  approvalEntry: "bulk",
  // A pattern names no one connector: the role must hold somewhere on the cluster, and the set is narrowed to
  // the connectors where it holds (bulk-plan.ts, withinActorScope).
  connectorOf: (args) => (args.exact !== true && isPattern(args.connector) ? undefined : args.connector),
  async asProposal(context, args) {
    if (asksForWindow(args))
      return errorReply(
        "refused",
        "An agent proposes a pause now, not a window: leave out --from, --until and --for.",
      );
    return proposeBulk(context, {
      ask: { action: "pause", pattern: args.connector, failedOnly: false },
      exact: args.exact === true || !isPattern(args.connector),
      reason: args.reason,
    });
  },
  async run(context, args) {
    const { connector } = args;
    if (asksForWindow(args)) return askForWindow(context, "pause", args);
    if (args.exact !== true && isPattern(connector)) {
      return bulkCommand(context, {
        ask: { action: "pause", pattern: connector, failedOnly: false },
        confirm: args.confirm,
        yes: args.yes === true,
        reason: args.reason,
      });
    }
    await context.cluster.connect.pause(connector, { requestId: context.requestId });
    return announceStateChange(context, connector, { verb: "pause", wanted: "PAUSED" });
  },
});
