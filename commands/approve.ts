import { z } from "zod";
import { defineCommand } from "../src/core/command-spec.js";
import { requestArg } from "../src/core/connector-args.js";
import { errorReply, reply } from "../src/core/reply.js";
import { hasRole } from "../src/core/roles.js";

export const approve = defineCommand({
  name: "approve",
  summary: "Approve a waiting request.",
  details: "Approve a waiting request (approver role on its cluster; never your own).",
  examples: ["approve prod-17"],
  args: z.object({ request: requestArg }),
  // The role that counts is the one on the request's cluster, checked afresh when deciding.
  role: "anyone",
  anyCluster: true,
  risk: "destructive",
  async run({ actor, approvals, roleOn }, { request: id }) {
    const request = await approvals.get(id);
    if (request === undefined)
      return errorReply("refused", `There is no request ${id}. \`approvals\` lists them.`);
    const role = await roleOn(request.cluster, true);
    if (!hasRole(role, "approver")) {
      return errorReply(
        "refused",
        `Approving needs the approver role on cluster ${request.cluster}; you have ${role === undefined ? "no role there" : `the ${role} role`}.`,
      );
    }
    const decision = await approvals.decide(id, { id: actor.id, name: actor.name }, "approve");
    if (!decision.ok) return errorReply("refused", decision.refusal);
    const text =
      decision.request.state === "approved"
        ? `${actor.name} approved ${id}: the bot now carries out \`${request.command}\` on ${request.connector}.`
        : `${actor.name} approved ${id}; it needs ${decision.request.approversNeeded - decision.request.approvedBy.length} more approver(s).`;
    return reply(text, [{ kind: "text", text }], "in_channel");
  },
});
