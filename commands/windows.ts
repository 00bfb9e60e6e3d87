import { z } from "zod";
import { defineCommand } from "../src/core/command-spec.js";
import { reply } from "../src/core/reply.js";
import { utc } from "../src/core/window-time.js";

export const windows = defineCommand({
  name: "windows",
  summary: "List maintenance windows (times in UTC).",
  details:
    "List the maintenance windows of the cluster that end later than a day ago: scheduled, open, or ended. `cancel <window id>` ends one early (or withdraws it before it opens).",
  examples: ["windows"],
  args: z.object({}),
  role: "viewer",
  risk: "read",
  async run({ cluster, automation }) {
    const found = (await automation.windows.list()).filter((window) => window.cluster === cluster.name);
    if (found.length === 0) {
      const text = `No maintenance window on ${cluster.name} (none scheduled, open, or ended within a day).`;
      return reply(text, [{ kind: "text", text }]);
    }
    const text = `${found.length} maintenance window(s) on ${cluster.name}; times are UTC.`;
    return reply(text, [
      { kind: "text", text },
      {
        kind: "table",
        columns: ["id", "state", "does", "from", "until", "by", "reason"],
        rows: found.map((window) => [
          window.id,
          window.approval !== undefined && window.state === "scheduled"
            ? `scheduled (needs ${window.approval})`
            : window.state,
          `${window.action} ${window.connectors.join(", ")}`,
          utc(window.from).slice(0, 16),
          utc(window.until).slice(0, 16),
          window.by.name,
          window.reason,
        ]),
      },
      { kind: "note", text: "End one early, or withdraw it before it opens: cancel <id>." },
    ]);
  },
});
