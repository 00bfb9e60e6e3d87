import { z } from "zod";
import { defineCommand } from "../src/core/command-spec.js";
import { errorReply, reply } from "../src/core/reply.js";

export const auditVerify = defineCommand({
  name: "audit verify",
  summary: "Check the audit trail's hash chain.",
  details: "Check the whole audit trail's hash chain: finds any changed or deleted entry.",
  examples: ["audit verify"],
  args: z.object({}),
  role: "viewer",
  risk: "read",
  async run({ audit }) {
    const result = await audit.verify();
    if (result.ok) {
      const text = `The audit trail is intact: ${result.entries} entries, each linked to the one before.`;
      return reply(text, [{ kind: "text", text }]);
    }
    return errorReply("failed", `The audit trail has been tampered with: ${result.problem}.`, [
      {
        kind: "text",
        text: `The audit trail has been tampered with: ${result.problem}. ${result.entries} entries before it are intact.`,
      },
    ]);
  },
});
