import { z } from "zod";
import { defineCommand } from "../src/core/command-spec.js";
import { reply } from "../src/core/reply.js";

export const approvalsList = defineCommand({
  name: "approvals",
  summary: "Recent change requests and their state.",
  details: "Recent requests for destructive changes and where each stands.",
  examples: ["approvals"],
  args: z.object({}),
  role: "viewer",
  risk: "read",
  async run({ approvals }) {
    const requests = await approvals.recent(20);
    if (requests.length === 0) return reply("no requests", [{ kind: "text", text: "No requests yet." }]);
    return reply(`${requests.length} request(s)`, [
      {
        kind: "table",
        columns: ["id", "state", "command", "connector", "asked by", "decided by"],
        rows: requests.map((r) => [
          r.id,
          r.state,
          r.command,
          r.connector,
          r.requester.name,
          r.decidedBy?.name ?? "",
        ]),
      },
    ]);
  },
});
