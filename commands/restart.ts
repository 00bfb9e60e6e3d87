import { z } from "zod";
import { bulkCommand, proposeBulk } from "../approvals/ask-for-bulk.js";
import { defineCommand, flag, positional } from "../src/core/command-spec.js";
import {
  ConnectorName,
  confirmArg,
  exactArg,
  isPattern,
  Reason,
  targetProblem,
  yesArg,
} from "../src/core/connector-args.js";
import { errorReply, reply } from "../src/core/reply.js";

/** `orders-sink` or `orders-sink/2` (a task). Names with `/` cannot be addressed in Connect, so this is unambiguous. */
const Target = z.string().transform((text, context) => {
  const match = /^(.*)\/(\d+)$/.exec(text);
  const connector = ConnectorName.safeParse(match?.[1] ?? text);
  if (!connector.success) {
    context.addIssue({
      code: "custom",
      message: connector.error.issues[0]?.message ?? "not a connector name",
    });
    return z.NEVER;
  }
  return { connector: connector.data, task: match?.[2] === undefined ? undefined : Number(match[2]) };
});

export const restart = defineCommand({
  name: "restart",
  summary: "Restart a connector, a task, or a pattern's.",
  details:
    'Restart a connector (optionally its tasks, or only the failed ones), or one task as <connector>/<task>. A pattern ("orders-*") restarts each matching connector with its tasks (only what FAILED with --failed-only): first a preview of every connector and task it touches, then that set once confirmed (--yes in the shell); above automation.bulk.approvalAbove connectors it is one approval request.',
  examples: [
    "restart orders-sink",
    "restart orders-sink --include-tasks --failed-only",
    "restart orders-sink/0",
    'restart "orders-*" --failed-only',
  ],
  args: z
    .object({
      target: positional(Target, 'a connector, <connector>/<task number>, or a pattern such as "orders-*"'),
      exact: exactArg,
      yes: yesArg,
      confirm: confirmArg,
      reason: flag(Reason.optional(), "why, for an approval request above the bulk threshold", {
        valueName: '"WHY"',
      }),
      "include-tasks": flag(z.literal(true).optional(), "restart the tasks too"),
      "failed-only": flag(
        z.literal(true).optional(),
        "restart only what has FAILED (implies --include-tasks)",
      ),
    })
    .refine(
      (args) =>
        args.target.task === undefined ||
        (args["include-tasks"] === undefined && args["failed-only"] === undefined),
      {
        message: "a single task restarts on its own: drop --include-tasks and --failed-only",
      },
    )
    .superRefine((args, context) => {
      const { connector, task } = args.target;
      const problem =
        task !== undefined && args.exact !== true && isPattern(connector)
          ? "a task number goes with one connector, not with a pattern"
          : targetProblem({ ...args, name: connector });
      if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
    }),
  role: "operator",
  risk: "safe",
  approvalEntry: "bulk",
  // A pattern names no one connector: the role must hold somewhere on the cluster, and the set is narrowed to
  // the connectors where it holds (bulk-plan.ts, withinActorScope).
  connectorOf: (args) =>
    args.exact !== true && isPattern(args.target.connector) ? undefined : args.target.connector,
  async asProposal(context, args) {
    const { connector, task } = args.target;
    if (task !== undefined)
      return errorReply(
        "refused",
        `An agent proposes restarts of whole connectors, not of task ${task}: propose \`restart ${connector} --failed-only\`.`,
      );
    return proposeBulk(context, {
      ask: { action: "restart", pattern: connector, failedOnly: args["failed-only"] === true },
      exact: args.exact === true || !isPattern(connector),
      reason: args.reason,
    });
  },
  async run(context, args) {
    const { cluster, actor, requestId, channelId } = context;
    // Typed in a channel: the bot follows the restart through in a thread there (failed again, or it held). The
    // restart is done whatever happens to the watch: a watch that could not be queued does not fail the command.
    const follow = async (connector: string) => {
      if (channelId !== undefined)
        await context.automation
          .follow({
            cluster: cluster.name,
            connector,
            change: "restart",
            requester: actor,
            channel: channelId,
            requestId,
          })
          .catch(() => undefined);
    };
    const { connector, task } = args.target;
    if (args.exact !== true && isPattern(connector)) {
      return bulkCommand(context, {
        ask: { action: "restart", pattern: connector, failedOnly: args["failed-only"] === true },
        confirm: args.confirm,
        yes: args.yes === true,
        reason: args.reason,
      });
    }
    if (task !== undefined) {
      await cluster.connect.restartTask(connector, task, { requestId });
      await follow(connector);
      const text = `${actor.name} restarted task ${task} of ${connector} on ${cluster.name}.`;
      return reply(text, [{ kind: "text", text }], "in_channel");
    }
    const onlyFailed = args["failed-only"] === true;
    const includeTasks = onlyFailed || args["include-tasks"] === true;
    const restarting = await cluster.connect.restart(connector, { includeTasks, onlyFailed }, { requestId });
    const restarted =
      restarting === undefined
        ? ["the connector"]
        : [
            ...(restarting.connector.state === "RESTARTING" ? ["the connector"] : []),
            ...restarting.tasks.filter((t) => t.state === "RESTARTING").map((t) => `task ${t.id}`),
          ];
    if (restarted.length > 0) await follow(connector);
    const parts = restarted.join(", ") || "nothing (nothing had failed)";
    const text = `${actor.name} restarted ${connector} on ${cluster.name}: ${parts}.`;
    return reply(text, [{ kind: "text", text }], "in_channel");
  },
});
