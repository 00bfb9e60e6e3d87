import { z } from "zod";
import { defineCommand } from "../src/core/command-spec.js";
import { requestArg } from "../src/core/connector-args.js";
import { errorReply, reply } from "../src/core/reply.js";

export const nudge = defineCommand({
  name: "nudge",
  summary: "Remind the approvers of a request you made.",
  details:
    "Remind the approvers of a request you made that still waits: a reply in its thread names who can approve it. Once per the cluster's reminder interval (10 minutes when none is set).",
  examples: ["nudge prod-17-k3mx"],
  args: z.object({ request: requestArg }),
  role: "anyone",
  anyCluster: true,
  risk: "safe",
  async run({ actor, approvals }, { request: id }) {
    const decision = await approvals.nudge(id, actor);
    const { request } = decision;
    const about =
      request === undefined ? {} : { about: { cluster: request.cluster, connector: request.connector } };
    if (!decision.ok) return { ...errorReply("refused", decision.refusal), ...about };
    const text = `${actor.name} nudged the approvers of ${id}.`;
    return { ...reply(text, [{ kind: "text", text }]), ...about };
  },
});
