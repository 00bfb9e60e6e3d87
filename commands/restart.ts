import { z } from "zod";
import { defineCommand, flag, positional } from "../src/core/command-spec.js";
import { ConnectorName } from "../src/core/connector-args.js";
import { reply } from "../src/core/reply.js";

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
  summary: "Restart a connector, its tasks, or one task.",
  details:
    "Restart a connector (optionally its tasks, or only the failed ones), or one task as <connector>/<task>.",
  examples: [
    "restart orders-sink",
    "restart orders-sink --include-tasks --failed-only",
    "restart orders-sink/0",
  ],
  args: z
    .object({
      target: positional(Target, "a connector, or <connector>/<task number>"),
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
    ),
  role: "operator",
  risk: "safe",
  connectorOf: (args) => args.target.connector,
  async run({ cluster, actor, requestId }, args) {
    const { connector, task } = args.target;
    if (task !== undefined) {
      await cluster.connect.restartTask(connector, task, { requestId });
      const text = `${actor.name} restarted task ${task} of ${connector} on ${cluster.name}.`;
      return reply(text, [{ kind: "text", text }], "in_channel");
    }
    const onlyFailed = args["failed-only"] === true;
    const includeTasks = onlyFailed || args["include-tasks"] === true;
    const restarting = await cluster.connect.restart(connector, { includeTasks, onlyFailed }, { requestId });
    const parts =
      restarting === undefined
        ? "the connector"
        : `${
            [
              restarting.connector.state === "RESTARTING" ? "the connector" : undefined,
              ...restarting.tasks.filter((t) => t.state === "RESTARTING").map((t) => `task ${t.id}`),
            ]
              .filter((part) => part !== undefined)
              .join(", ") || "nothing (nothing had failed)"
          }`;
    const text = `${actor.name} restarted ${connector} on ${cluster.name}: ${parts}.`;
    return reply(text, [{ kind: "text", text }], "in_channel");
  },
});
