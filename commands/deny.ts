import { z } from "zod";
import { defineCommand } from "../src/core/command-spec.js";
import { digestFlag, Reason, RequestDigest, RequestId } from "../src/core/connector-args.js";
import { errorReply, reply } from "../src/core/reply.js";
import { hasRole } from "../src/core/roles.js";

export const deny = defineCommand({
  name: "deny",
  summary: "Deny a waiting request, saying why (approver role on its cluster).",
  examples: ['deny prod-17-k3mx --reason "not during the sale"'],
  positionals: [{ name: "request", description: "the request's id, e.g. prod-17-k3mx" }],
  flags: { reason: { type: "string", valueName: '"WHY"', description: "why (required)" }, ...digestFlag },
  args: z.object({
    request: RequestId,
    reason: Reason,
    digest: RequestDigest.optional(),
  }),
  role: "anyone",
  anyCluster: true,
  risk: "safe",
  async run({ actor, approvals, roleOn }, { request: id, reason, digest }) {
    const request = await approvals.get(id);
    if (request === undefined)
      return errorReply("refused", `There is no request ${id}. \`approvals\` lists them.`);
    const about = { cluster: request.cluster, connector: request.connector };
    const role = await roleOn(request.cluster, true);
    if (!hasRole(role, "approver")) {
      return {
        ...errorReply("refused", `Denying needs the approver role on cluster ${request.cluster}.`),
        about,
      };
    }
    const decision = await approvals.decide(id, { id: actor.id, name: actor.name }, "deny", reason, digest);
    if (!decision.ok) return { ...errorReply("refused", decision.refusal), about };
    const text = `${actor.name} denied ${id} (${request.command} ${request.connector}): ${reason}`;
    return { ...reply(text, [{ kind: "text", text }], "in_channel"), about };
  },
});
