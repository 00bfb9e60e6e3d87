import { z } from "zod";
import { defineCommand } from "../src/core/command-spec.js";
import { ConnectorName, Duration } from "../src/core/connector-args.js";
import { formatDuration } from "../src/core/duration.js";
import { errorReply, reply } from "../src/core/reply.js";

const dayMs = 86_400_000;

export const alertsSnooze = defineCommand({
  name: "alerts snooze",
  summary: "Keep a connector's alerts quiet for a while (they still show in `alerts`).",
  examples: ["alerts snooze orders-sink 2h"],
  positionals: [
    { name: "connector", description: "the connector's name" },
    { name: "duration", description: "how long, such as 1h, 4h or 24h (at most 7d)" },
  ],
  flags: {},
  args: z.object({ connector: ConnectorName, duration: Duration }),
  role: "operator",
  risk: "safe",
  connectorOf: (args) => args.connector,
  async run({ cluster, actor, alerts }, { connector, duration }) {
    if (duration > 7 * dayMs)
      return errorReply("refused", "A snooze lasts at most 7d; use a silence for longer.");
    const snooze = await alerts.snooze(cluster.name, connector, duration, actor);
    const text = `${actor.name} snoozed the alerts of ${connector} on ${cluster.name} for ${formatDuration(duration)}, until ${new Date(snooze.until).toISOString().slice(11, 16)} UTC.`;
    return reply(text, [{ kind: "text", text }], "in_channel");
  },
});
