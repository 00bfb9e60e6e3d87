import { z } from "zod";
import { defineCommand } from "../src/core/command-spec.js";
import { requestArg } from "../src/core/connector-args.js";
import { errorReply, reply } from "../src/core/reply.js";

export const cancel = defineCommand({
  name: "cancel",
  summary: "Withdraw a request you made.",
  details: "Withdraw a request you made, while it waits.",
  examples: ["cancel prod-17-k3mx"],
  args: z.object({ request: requestArg }),
  role: "anyone",
  anyCluster: true,
  risk: "safe",
  async run({ actor, approvals }, { request: id }) {
    const decision = await approvals.cancel(id, actor);
    const { request } = decision;
    const about =
      request === undefined ? {} : { about: { cluster: request.cluster, connector: request.connector } };
    if (!decision.ok) return { ...errorReply("refused", decision.refusal), ...about };
    const text = `${actor.name} cancelled ${id}.`;
    return { ...reply(text, [{ kind: "text", text }], "in_channel"), ...about };
  },
});
