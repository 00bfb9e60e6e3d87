import { z } from "zod";
import { defineCommand, flag } from "../src/core/command-spec.js";
import { digestArg, Reason, requestArg } from "../src/core/connector-args.js";
import { errorReply, reply } from "../src/core/reply.js";

export const deny = defineCommand({
  name: "deny",
  summary: "Deny a waiting request, saying why.",
  details: "Deny a waiting request, saying why (approver role on its cluster).",
  examples: ['deny prod-17-k3mx --reason "not during the sale"'],
  args: z.object({
    request: requestArg,
    reason: flag(Reason, "why (told to the requester and kept in the audit)", {
      valueName: '"WHY"',
      why: "it is told to the requester and kept in the audit",
    }),
    digest: digestArg,
  }),
  role: "anyone",
  anyCluster: true,
  risk: "safe",
  async run({ actor, approvals, scopeOn }, { request: id, reason, digest }) {
    const request = await approvals.get(id);
    if (request === undefined)
      return errorReply("refused", `There is no request ${id}. \`approvals\` lists them.`);
    const about = { cluster: request.cluster, connector: request.connector };
    // Checked on the request's connector: an approver for payments-* decides nothing on orders-sink.
    const scope = await scopeOn(request.cluster, {
      fresh: true,
      needed: "approver",
      connector: request.connector,
    });
    const check = scope.check(request.connector, "approver");
    if (!check.inScope) return { ...errorReply("refused", `Denying ${check.reason}.`), about };
    const decision = await approvals.decide(
      id,
      { id: actor.id, name: actor.name, source: actor.source },
      "deny",
      reason,
      digest,
    );
    if (!decision.ok) return { ...errorReply("refused", decision.refusal), about };
    const text = `${actor.name} denied ${id} (${request.command} ${request.connector}): ${reason}`;
    return { ...reply(text, [{ kind: "text", text }], "in_channel"), about };
  },
});
