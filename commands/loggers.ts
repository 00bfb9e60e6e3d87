import { z } from "zod";
import { defineCommand, positional } from "../src/core/command-spec.js";
import { reply } from "../src/core/reply.js";

export const loggers = defineCommand({
  name: "loggers",
  summary: "List the worker's log levels.",
  details:
    "List the log levels of the cluster's Connect worker (KIP-495), with the ones the bot changed for a while and when they go back.",
  examples: ["loggers", "loggers org.apache.kafka.connect"],
  args: z.object({
    prefix: positional(z.string().optional(), "only loggers whose name starts with this"),
  }),
  role: "viewer",
  risk: "read",
  async run({ cluster, automation, requestId }, { prefix }) {
    const levels = await automation.logLevels.list(cluster.name, requestId);
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
            : `back to ${open.before} at ${new Date(open.until).toISOString().slice(11, 16)} UTC (${open.id}, ${open.scope} scope)`,
        ];
      }),
    );
    const text = `${names.length} logger(s) on ${cluster.name}.`;
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
