import { z } from "zod";
import { defineCommand, positional } from "../src/core/command-spec.js";
import { beforeWords } from "../src/core/logger-workers.js";
import { errorReply, reply } from "../src/core/reply.js";

export const loggersReset = defineCommand({
  name: "loggers reset",
  summary: "Put a log level back now.",
  details:
    "End a `loggers set` early: each worker it reached gets the level it had before back now, said in its thread and audited.",
  examples: ["loggers reset org.apache.kafka.connect.runtime.WorkerSinkTask"],
  args: z.object({ logger: positional(z.string().min(1), "the logger's name") }),
  role: "operator",
  risk: "safe",
  async run({ cluster, automation, actor }, { logger }) {
    const open = await automation.logLevels.openChange(cluster.name, logger);
    if (open === undefined || !(await automation.logLevels.revert(open.id, actor))) {
      return errorReply("refused", `The bot has no change of ${logger} on ${cluster.name} to put back.`);
    }
    const text = `${actor.name} put ${logger} back to ${beforeWords(open)} on ${cluster.name} (${open.id}).`;
    return reply(text, [{ kind: "text", text }], "in_channel");
  },
});
