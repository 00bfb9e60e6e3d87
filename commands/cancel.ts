import { z } from "zod";
import { defineCommand, positional } from "../src/core/command-spec.js";
import { RequestId, WindowId } from "../src/core/connector-args.js";
import { errorReply, reply } from "../src/core/reply.js";

export const cancel = defineCommand({
  name: "cancel",
  summary: "Withdraw a request you made, or end a window.",
  details:
    "Withdraw a request you made, while it waits (a request id: prod-17-k3mx). Or end a maintenance window early, putting its connectors back now, or withdraw it before it opens (a window id: w7-kmxp; the operator role on its cluster).",
  examples: ["cancel prod-17-k3mx", "cancel w7-kmxp"],
  args: z.object({
    request: positional(
      z.union([WindowId, RequestId], {
        error: "a request id such as prod-17-k3mx, or a window id such as w7-kmxp",
      }),
      "the request's id (prod-17-k3mx) or the window's (w7-kmxp)",
    ),
  }),
  role: "anyone",
  anyCluster: true,
  risk: "safe",
  async run(context, { request: id }) {
    const { actor, approvals, automation } = context;
    if (WindowId.safeParse(id).success) {
      const window = await automation.windows.get(id);
      if (window === undefined)
        return errorReply("refused", `There is no window ${id}. \`windows\` lists them.`);
      const about = { about: { cluster: window.cluster, connector: window.target } };
      // Ending a window resumes its connectors: the operator role must hold on every one of them.
      const scope = await context.scopeOn(window.cluster, { fresh: true, needed: "operator" });
      const outside = window.connectors.filter((connector) => !scope.check(connector, "operator").inScope);
      if (outside.length > 0)
        return {
          ...errorReply(
            "refused",
            `Ending window ${id} needs the operator role on each of its connectors on ${window.cluster}; you lack it on ${outside.join(", ")}.`,
          ),
          ...about,
        };
      const alreadyEnded = (state: string) => ({
        ...errorReply("refused", `Window ${id} has already ended (${state}).`),
        ...about,
      });
      if (window.state !== "scheduled" && window.state !== "opening" && window.state !== "open")
        return alreadyEnded(window.state);
      const ended = await automation.windows.end(id, actor.name);
      // Another person, or the window's own end, got there first.
      if (ended === undefined || ended.endedBy !== actor.name) return alreadyEnded(ended?.state ?? "gone");
      const text =
        ended.state === "cancelled"
          ? `${actor.name} withdrew window ${id} before it opened: nothing was changed.`
          : `${actor.name} ended window ${id} early: ${ended.connectors.join(", ")} went back to the state each had before; its thread says whether they came back healthy.`;
      return { ...reply(text, [{ kind: "text", text }], "in_channel"), ...about };
    }
    const decision = await approvals.cancel(id, actor);
    const { request } = decision;
    const about =
      request === undefined ? {} : { about: { cluster: request.cluster, connector: request.connector } };
    if (!decision.ok) return { ...errorReply("refused", decision.refusal), ...about };
    const text = `${actor.name} cancelled ${id}.`;
    return { ...reply(text, [{ kind: "text", text }], "in_channel"), ...about };
  },
});
