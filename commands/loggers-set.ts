import { z } from "zod";
import { askForApproval } from "../approvals/ask-for-approval.js";
import { type CommandContext, defineCommand, flag, positional } from "../src/core/command-spec.js";
import { Duration, reasonArg } from "../src/core/connector-args.js";
import { formatDuration } from "../src/core/duration.js";
import { beforeWords, groupWorker, workerFlag } from "../src/core/logger-workers.js";
import { errorReply, inUtc, type Reply, reply, time } from "../src/core/reply.js";

const levels = ["OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"] as const;

export const loggersSet = defineCommand({
  name: "loggers set",
  summary: "Set a log level for a while; it reverts by itself.",
  details:
    "Change a logger's level (KIP-495) until --for runs out, then the bot puts back the level each worker had, says so and audits it. DEBUG and TRACE need --for. Worker scope reaches one worker (the configured one, or --worker) and is lost when it restarts; --cluster-wide (Connect 3.7+, KIP-976) reaches every worker and outlives restarts.",
  examples: [
    'loggers set org.apache.kafka.connect.runtime.WorkerSinkTask DEBUG --for 30m --reason "why are commits slow"',
    'loggers set io.debezium TRACE --cluster-wide --for 15m --reason "snapshot stuck"',
    'loggers set io.debezium DEBUG --worker http://connect-2:8083 --for 15m --reason "one task is slow"',
  ],
  args: z
    .object({
      logger: positional(z.string().min(1), "the logger's name, e.g. org.apache.kafka.connect"),
      level: positional(
        z
          .string()
          .transform((text) => text.toUpperCase())
          .pipe(z.enum(levels)),
        `the level: ${levels.join(", ")}`,
      ),
      for: flag(Duration.optional(), "how long, e.g. 30m (needed for DEBUG and TRACE)", {
        valueName: "DURATION",
      }),
      "cluster-wide": flag(z.literal(true).optional(), "every worker (scope=cluster, Connect 3.7+)"),
      worker: workerFlag,
      reason: reasonArg,
    })
    .refine((args) => args.for !== undefined || (args.level !== "DEBUG" && args.level !== "TRACE"), {
      message: "DEBUG and TRACE fill disks: say how long with --for, e.g. --for 30m",
    })
    .refine((args) => args.worker === undefined || args["cluster-wide"] === undefined, {
      message:
        "--cluster-wide reaches every worker: name one with --worker, or all with --cluster-wide, not both",
    }),
  role: "operator",
  risk: "safe",
  async asProposal(context, args) {
    const planned = await plan(context, args);
    if ("refusal" in planned) return planned.refusal;
    const { worker, forMs } = planned;
    const scope = args["cluster-wide"] === true ? "cluster" : "worker";
    const where =
      scope === "cluster"
        ? "every worker"
        : worker === undefined
          ? "the worker at the cluster's URL"
          : new URL(worker).host;
    return askForApproval(
      context,
      {
        connector: args.logger,
        command: "loggers set",
        reason: args.reason,
        operation: {
          kind: "log-level",
          change: {
            action: "set",
            level: args.level,
            scope,
            ...(worker === undefined ? {} : { worker }),
            forMs,
          },
        },
        planSummary: `Set ${args.logger} to ${args.level} on ${context.cluster.name} (${where}) for ${formatDuration(forMs)}; then the bot puts back the level each worker had.`,
      },
      `set ${args.logger} to ${args.level}`,
    );
  },
  async run(context, args) {
    const { cluster, automation, actor, requestId } = context;
    const planned = await plan(context, args);
    if ("refusal" in planned) return planned.refusal;
    const { forMs } = planned;
    const change = await automation.logLevels.set({
      cluster: cluster.name,
      logger: args.logger,
      level: args.level,
      scope: args["cluster-wide"] === true ? "cluster" : "worker",
      worker: planned.worker,
      forMs,
      reason: args.reason,
      by: actor,
      requestId,
    });
    const where = change.scope === "cluster" ? "every worker" : new URL(change.worker).host;
    const said = [
      `${actor.name} set ${change.logger} to ${change.level} on ${cluster.name} (${where}) for ${formatDuration(forMs)}; it goes back to ${beforeWords(change)} at `,
      time(change.until),
      ` (${change.id}).`,
    ];
    return reply(
      inUtc(said),
      [
        { kind: "timed", as: "text", pieces: said },
        {
          kind: "note",
          text:
            change.scope === "cluster"
              ? "Cluster scope (KIP-976): every worker, new ones too; it outlives a worker restart until the bot puts it back, each worker to its own level."
              : `Worker scope: only ${new URL(change.worker).host}; a restart of that worker loses it (its log4j config applies again).`,
        },
        { kind: "fields", fields: [["end it early", `loggers reset ${change.logger}`]] },
      ],
      "in_channel",
    );
  },
});

/**
 * The worker and how long, as the command was typed: a refusal (changing nothing) when `--worker` is not one of
 * the group's or `--for` exceeds automation.loggers.maxFor. `--for` unset: that maximum.
 */
async function plan(
  { cluster, automation, requestId }: CommandContext,
  args: { readonly worker?: string | undefined; readonly for?: number | undefined },
): Promise<{ readonly worker: string | undefined; readonly forMs: number } | { readonly refusal: Reply }> {
  const named = await groupWorker(automation.logLevels, cluster.name, args.worker, requestId);
  if ("refusal" in named) return named;
  const forMs = args.for ?? automation.loggerMaxForMs;
  if (forMs > automation.loggerMaxForMs) {
    return {
      refusal: errorReply(
        "refused",
        `--for ${formatDuration(forMs)} is longer than the ${formatDuration(automation.loggerMaxForMs)} allowed (automation.loggers.maxFor); nothing was changed.`,
      ),
    };
  }
  return { worker: named.worker, forMs };
}
