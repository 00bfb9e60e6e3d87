import { z } from "zod";
import { defineCommand, positional } from "../src/core/command-spec.js";
import { beforeWords, groupWorker, workerFlag } from "../src/core/logger-workers.js";
import { reply } from "../src/core/reply.js";

export const loggers = defineCommand({
  name: "loggers",
  summary: "List a worker's log levels.",
  details:
    "List the log levels of one Connect worker (KIP-495): the cluster's URL, or --worker, one of the group's workers. The ones the bot changed for a while say when they go back.",
  examples: ["loggers", "loggers org.apache.kafka.connect", "loggers --worker http://connect-2:8083"],
  args: z.object({
    prefix: positional(z.string().optional(), "only loggers whose name starts with this"),
    worker: workerFlag,
  }),
  role: "viewer",
  risk: "read",
  async run({ cluster, automation, requestId }, { prefix, worker }) {
    const named = await groupWorker(automation.logLevels, cluster.name, worker, requestId);
    if ("refusal" in named) return named.refusal;
    const levels = await automation.logLevels.list(cluster.name, requestId, named.worker);
    const names = Object.keys(levels)
      .filter((name) => prefix === undefined || name.startsWith(prefix))
      .sort();
    const rows = await Promise.all(
      names.slice(0, 50).map(async (name) => {
        const open = await automation.logLevels.openChange(cluster.name, name);
        return [
          name,
          levels[name]?.level ?? "?",
          open === undefined
            ? ""
            : `back to ${beforeWords(open)} at ${new Date(open.until).toISOString().slice(11, 16)} UTC (${open.id}, ${open.scope} scope)`,
        ];
      }),
    );
    const text = `${names.length} logger(s) on ${cluster.name}${named.worker === undefined ? "" : ` (${new URL(named.worker).host})`}.`;
    return reply(text, [
      { kind: "text", text },
      {
        kind: "table",
        columns: ["logger", "level", "changed for a while"],
        rows,
        ...(names.length > 50
          ? {
              omitted: {
                count: names.length - 50,
                hint: "name a prefix: `loggers org.apache.kafka.connect`",
              },
            }
          : {}),
      },
    ]);
  },
});
