import { z } from "zod";
import { unknownConnector } from "../src/alerts/alert-targets.js";
import { defineCommand, positional } from "../src/core/command-spec.js";
import { connectorArg, Duration } from "../src/core/connector-args.js";
import { formatDuration, utcClock } from "../src/core/duration.js";
import { errorReply, reply, time, timed } from "../src/core/reply.js";

const dayMs = 86_400_000;

export const alertsSnooze = defineCommand({
  name: "alerts snooze",
  summary: "Quiet a connector's alerts for a while.",
  details: "Keep a connector's alerts quiet for a while (they still show in `alerts`).",
  examples: ["alerts snooze orders-sink 2h"],
  args: z.object({
    connector: connectorArg,
    duration: positional(Duration, "how long, such as 1h, 4h or 24h (at most 7d)"),
  }),
  role: "operator",
  risk: "safe",
  connectorOf: (args) => args.connector,
  async run(context, { connector, duration }) {
    const { cluster, actor, alerts } = context;
    if (duration > 7 * dayMs)
      return errorReply("refused", "A snooze lasts at most 7d; use a silence for longer.");
    const unknown = await unknownConnector(context, connector);
    if (unknown !== undefined) return errorReply("refused", unknown);
    const snooze = await alerts.snooze(cluster.name, connector, duration, actor);
    const done = `${actor.name} snoozed the alerts of ${connector} on ${cluster.name} for ${formatDuration(duration)}`;
    return reply(
      `${done}, until ${utcClock(snooze.until)}.`,
      [timed("text")`${done}, until ${time(snooze.until)}.`],
      "in_channel",
    );
  },
});
