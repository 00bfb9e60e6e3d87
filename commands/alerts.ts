import { z } from "zod";
import { ruleName } from "../src/alerts/alert-rules.js";
import { defineCommand } from "../src/core/command-spec.js";
import { formatDuration } from "../src/core/duration.js";
import { type ReplyPart, reply } from "../src/core/reply.js";
import { outOfScopeNote } from "../src/core/roles.js";

export const alerts = defineCommand({
  name: "alerts",
  summary: "Firing alerts, snoozes and silences.",
  details: "Alerts firing on the cluster (lag, stalled or failed connectors), with snoozes and silences.",
  examples: ["alerts", "alerts --cluster prod"],
  args: z.object({}),
  role: "viewer",
  risk: "read",
  async run({ cluster, alerts: service, now, scopeOn }) {
    const at = now();
    const [all, silences, scope] = await Promise.all([
      service.firing(cluster.name),
      service.silences(),
      scopeOn(cluster.name),
    ]);
    // A cluster's own alert (`*`: Connect unreachable) concerns everyone with a role there.
    const firing = all.filter((alert) => alert.connector === "*" || scope.sees(alert.connector));
    const mine = silences.filter((silence) => silence.cluster === cluster.name);
    const summary =
      firing.length === 0
        ? `No alert is firing on ${cluster.name}.`
        : `${firing.length} alert(s) firing on ${cluster.name}.`;
    const parts: ReplyPart[] = [{ kind: "text", text: summary }];
    if (firing.length > 0) {
      parts.push({
        kind: "table",
        columns: ["connector", "alert", "for", "state", "what"],
        rows: firing.map((alert) => [
          alert.connector,
          ruleName(alert.rule),
          formatDuration(at - alert.firedAt),
          alert.snoozedUntil !== undefined && alert.snoozedUntil > at
            ? `snoozed ${formatDuration(alert.snoozedUntil - at)}`
            : alert.acknowledgedBy === undefined
              ? "firing"
              : `acked by ${alert.acknowledgedBy.name}`,
          alert.summary,
        ]),
      });
    }
    if (mine.length > 0) {
      parts.push({
        kind: "table",
        columns: ["silence", "pattern", "ends in", "by", "reason"],
        rows: mine.map((silence) => [
          silence.id,
          silence.pattern,
          formatDuration(silence.until - at),
          silence.by.name,
          silence.reason,
        ]),
      });
    }
    parts.push(...outOfScopeNote(all.length - firing.length, "alert(s) on connectors"));
    return reply(summary, parts);
  },
});
