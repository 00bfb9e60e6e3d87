import { z } from "zod";
import { defineCommand } from "../src/core/command-spec.js";
import { Duration, Reason, reasonFlag } from "../src/core/connector-args.js";
import { formatDuration } from "../src/core/duration.js";
import { reply } from "../src/core/reply.js";

export const alertsSilence = defineCommand({
  name: "alerts silence",
  summary: "Silence the alerts of every connector matching a pattern, for a while, saying why.",
  examples: ['alerts silence "orders-*" 2h --reason "planned migration"'],
  positionals: [
    {
      name: "pattern",
      description: "connector names to silence: * is any run of characters, ? one character",
    },
    { name: "duration", description: "how long, such as 2h or 3d" },
  ],
  flags: reasonFlag,
  args: z.object({
    pattern: z.string().min(1).max(249, "a pattern is at most 249 characters"),
    duration: Duration,
    reason: Reason,
  }),
  role: "operator",
  risk: "safe",
  async run({ cluster, actor, alerts }, { pattern, duration, reason }) {
    const silence = await alerts.silence(cluster.name, pattern, duration, reason, actor);
    const text = `${actor.name} silenced alerts of ${pattern} on ${cluster.name} for ${formatDuration(duration)} (${silence.id}): ${reason}`;
    return reply(text, [{ kind: "text", text }], "in_channel");
  },
});
