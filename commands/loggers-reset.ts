import { z } from "zod";
import { askForApproval } from "../approvals/ask-for-approval.js";
import { defineCommand, flag, positional } from "../src/core/command-spec.js";
import { Reason } from "../src/core/connector-args.js";
import { beforeWords } from "../src/core/logger-workers.js";
import { errorReply, type Reply, reply } from "../src/core/reply.js";

export const loggersReset = defineCommand({
  name: "loggers reset",
  summary: "Put a log level back now.",
  details:
    "End a `loggers set` early: each worker it reached gets the level it had before back now, said in its thread and audited.",
  examples: ["loggers reset org.apache.kafka.connect.runtime.WorkerSinkTask"],
  args: z.object({
    logger: positional(z.string().min(1), "the logger's name"),
    reason: flag(Reason.optional(), "why (needed when an agent proposes it; kept in the audit)", {
      valueName: '"WHY"',
    }),
  }),
  role: "operator",
  risk: "safe",
  async asProposal(context, { logger, reason }) {
    const { cluster, automation } = context;
    if (reason === undefined)
      return errorReply(
        "refused",
        `Proposing \`loggers reset ${logger}\` needs --reason: the intent a person reads.`,
      );
    const open = await automation.logLevels.openChange(cluster.name, logger);
    if (open === undefined) return nothingToPutBack(logger, cluster.name);
    return askForApproval(
      context,
      {
        connector: logger,
        command: "loggers reset",
        reason,
        operation: { kind: "log-level", change: { action: "reset" } },
        planSummary: `Put ${logger} back to ${beforeWords(open)} on ${cluster.name} now (${open.id}), before the bot would at ${new Date(open.until).toISOString().slice(11, 16)} UTC.`,
      },
      `put ${logger} back`,
    );
  },
  async run({ cluster, automation, actor }, { logger }) {
    const open = await automation.logLevels.openChange(cluster.name, logger);
    if (open === undefined || !(await automation.logLevels.revert(open.id, actor)))
      return nothingToPutBack(logger, cluster.name);
    const text = `${actor.name} put ${logger} back to ${beforeWords(open)} on ${cluster.name} (${open.id}).`;
    return reply(text, [{ kind: "text", text }], "in_channel");
  },
});

/** The refusal when no change of `logger` is open: nothing is put back, and nothing proposed. */
function nothingToPutBack(logger: string, cluster: string): Reply {
  return errorReply("refused", `The bot has no change of ${logger} on ${cluster} to put back.`);
}
