import { z } from "zod";
import { defineCommand } from "../src/core/command-spec.js";
import { formatDuration } from "../src/core/duration.js";
import { reply } from "../src/core/reply.js";
import { outOfScopeNote, scopePerCluster } from "../src/core/roles.js";

export const approvalsList = defineCommand({
  name: "approvals",
  summary: "Recent change requests, and how long each waits.",
  details:
    "Recent requests for destructive changes on connectors you may see, where each stands, and how long a waiting one has waited.",
  examples: ["approvals"],
  args: z.object({}),
  role: "viewer",
  risk: "read",
  async run({ approvals, scopeOn, now }) {
    const scopeOf = scopePerCluster((cluster) => scopeOn(cluster));
    const recent = await approvals.recent(20);
    const seen = await Promise.all(recent.map(async (r) => (await scopeOf(r.cluster)).sees(r.connector)));
    const requests = recent.filter((_, i) => seen[i]);
    const hidden = outOfScopeNote(recent.length - requests.length, "request(s) on connectors");
    if (requests.length === 0)
      return reply("no requests", [{ kind: "text", text: "No requests yet." }, ...hidden]);
    const at = now();
    return reply(`${requests.length} request(s)`, [
      {
        kind: "table",
        columns: ["id", "state", "waited", "command", "connector", "asked by", "decided by"],
        rows: requests.map((r) => [
          r.id,
          r.state,
          r.state === "pending" ? formatDuration(Math.max(0, at - Date.parse(r.createdAt))) : "",
          r.command,
          r.connector,
          r.requester.name,
          r.decidedBy?.name ?? "",
        ]),
      },
      ...hidden,
    ]);
  },
});
