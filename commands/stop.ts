import { z } from "zod";
import { askForApproval } from "../approvals/ask-for-approval.js";
import { askForWindow } from "../approvals/ask-for-window.js";
import { defineCommand } from "../src/core/command-spec.js";
import {
  asksForWindow,
  connectorOrPattern,
  exactArg,
  isPattern,
  reasonArg,
  targetProblem,
  windowArgs,
} from "../src/core/connector-args.js";
import { errorReply } from "../src/core/reply.js";

export const stop = defineCommand({
  name: "stop",
  summary: "Ask to stop a connector, or for a window.",
  details:
    'Ask to stop a connector: its tasks shut down and release their partitions (approved by a second person). With --from/--until/--for it is a maintenance window, approved up front: stopped at the start, put back at the end, alerts held in between (times in UTC); a window may name a pattern ("orders-*").',
  examples: [
    'stop orders-sink --reason "downstream database maintenance"',
    'stop "orders-*" --from 00:30 --until 01:00 --reason "database migration"',
  ],
  args: z
    .object({ connector: connectorOrPattern, exact: exactArg, ...windowArgs, reason: reasonArg })
    .superRefine((args, context) => {
      const problem = targetProblem({ ...args, name: args.connector, window: asksForWindow(args) });
      if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
    }),
  // A pattern names no one connector: the role must hold somewhere on the cluster, and the set is narrowed to
  // the connectors where it holds (bulk-plan.ts, withinActorScope).
  connectorOf: (args) => (args.exact !== true && isPattern(args.connector) ? undefined : args.connector),
  role: "operator",
  risk: "destructive",
  proposes: true,
  async run(context, args) {
    const { connector, reason } = args;
    if (asksForWindow(args)) return askForWindow(context, "stop", args);
    if (args.exact !== true && isPattern(connector))
      return errorReply(
        "refused",
        `stop takes one connector at a time; a pattern ("${connector}") only with a window (--from/--until/--for). Nothing was asked.`,
      );
    const status = await context.cluster.connect.status(connector, { requestId: context.requestId });
    const running = status.tasks.filter((task) => task.state === "RUNNING").length;
    const summary = `${connector} is ${status.connector.state} with ${status.tasks.length} task(s), ${running} running. Stopping shuts its tasks down until \`resume\`.`;
    return askForApproval(
      context,
      { connector, command: "stop", reason, operation: { kind: "stop" }, planSummary: summary },
      `stop ${connector}`,
    );
  },
});
