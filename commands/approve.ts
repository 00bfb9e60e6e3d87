import { z } from "zod";
import { defineCommand } from "../src/core/command-spec.js";
import { digestArg, requestArg } from "../src/core/connector-args.js";
import { errorReply, reply } from "../src/core/reply.js";

export const approve = defineCommand({
  name: "approve",
  summary: "Approve a waiting request; shows what it approves.",
  details:
    "Approve a waiting request (approver role on its cluster; never your own). Shows what it approves.",
  examples: ["approve prod-17-k3mx"],
  args: z.object({ request: requestArg, digest: digestArg }),
  // The role that counts is the one on the request's cluster, checked afresh when deciding.
  role: "anyone",
  anyCluster: true,
  risk: "destructive",
  async run({ actor, approvals, scopeOn }, { request: id, digest }) {
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
    if (!check.inScope) return { ...errorReply("refused", `Approving ${check.reason}.`), about };
    const decision = await approvals.decide(
      id,
      { id: actor.id, name: actor.name, source: actor.source },
      "approve",
      undefined,
      digest,
    );
    if (!decision.ok) return { ...errorReply("refused", decision.refusal), about };
    const what = `\`${request.command}\` ${request.connector} on ${request.cluster}, asked by ${request.requester.name} ("${request.reason}")`;
    const text =
      decision.request.state === "approved"
        ? `${actor.name} approved ${id}: ${what}. The bot now carries it out.`
        : `${actor.name} approved ${id}: ${what}. It needs ${decision.request.approversNeeded - decision.request.approvedBy.length} more approver(s).`;
    return {
      ...reply(
        text,
        [
          { kind: "text", text },
          { kind: "code", text: request.planSummary },
        ],
        "in_channel",
      ),
      about,
    };
  },
});
