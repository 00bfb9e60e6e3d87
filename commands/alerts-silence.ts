import { z } from "zod";
import { connectorsMatching } from "../src/alerts/alert-targets.js";
import { defineCommand, flag, positional } from "../src/core/command-spec.js";
import { Duration, Reason } from "../src/core/connector-args.js";
import { formatDuration } from "../src/core/duration.js";
import { errorReply, reply } from "../src/core/reply.js";

export const alertsSilence = defineCommand({
  name: "alerts silence",
  summary: "Silence alerts of matching connectors.",
  details: "Silence the alerts of every connector matching a pattern, for a while, saying why.",
  examples: ['alerts silence "orders-*" 2h --reason "planned migration"'],
  args: z.object({
    pattern: positional(
      z.string().min(1).max(249, "a pattern is at most 249 characters"),
      "connector names to silence: * is any run of characters, ? one character",
    ),
    duration: positional(Duration, "how long, such as 2h or 3d"),
    reason: flag(Reason, "why (shown with the silence and kept in the audit)", {
      valueName: '"WHY"',
      why: "it is shown with the silence and kept in the audit",
    }),
  }),
  role: "operator",
  risk: "safe",
  async run(context, { pattern, duration, reason }) {
    const { cluster, actor, alerts } = context;
    const matched = await connectorsMatching(context, pattern);
    if (matched.length === 0) {
      return errorReply(
        "refused",
        `${pattern} matches no connector on ${cluster.name}: nothing to silence. \`list ${pattern}\` uses the same pattern.`,
      );
    }
    // A silence holds for every connector its pattern matches: it may only reach those the person operates.
    const scope = await context.scopeOn(cluster.name, { fresh: true });
    const outside = matched.filter((name) => !scope.check(name, "operator").inScope);
    if (outside.length > 0) {
      return errorReply(
        "refused",
        `${pattern} matches ${outside.length} connector(s) outside your operator scope on ${cluster.name} (${outside.slice(0, 5).join(", ")}${outside.length > 5 ? ", …" : ""}): nothing was silenced. Narrow the pattern to connectors you operate.`,
      );
    }
    const silence = await alerts.silence(cluster.name, pattern, duration, reason, actor);
    const text = `${actor.name} silenced alerts of ${pattern} (${matched.length} connector(s) now) on ${cluster.name} for ${formatDuration(duration)} (${silence.id}): ${reason}`;
    return reply(text, [{ kind: "text", text }], "in_channel");
  },
});
