import { z } from "zod";
import type { AuditEntry } from "../src/audit/audit-trail.js";
import { defineCommand } from "../src/core/command-spec.js";
import { ConnectorName, Duration } from "../src/core/connector-args.js";
import { reply } from "../src/core/reply.js";

/** Slack sends a mention as `<@U123|name>` (with escaping on) and the shell takes a plain id. */
const UserId = z.string().transform((text, context) => {
  const id =
    /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(text)?.[1] ?? (/^[UW][A-Z0-9]+$/.test(text) ? text : undefined);
  if (id === undefined) {
    context.addIssue({
      code: "custom",
      message: `"${text}" is not a user: mention them (@name) or give their id (U…)`,
    });
    return z.NEVER;
  }
  return id;
});

export const audit = defineCommand({
  name: "audit",
  summary: "Recent audit entries, newest first: who did what, and how it ended.",
  examples: ["audit", "audit orders-sink --since 24h", "audit --user @alice --limit 50"],
  positionals: [{ name: "connector", description: "only entries about this connector", optional: true }],
  flags: {
    user: { type: "string", valueName: "@USER", description: "only this user's entries" },
    since: {
      type: "string",
      valueName: "DURATION",
      description: "only this recent, e.g. 30m, 24h, 7d (default 24h)",
    },
    limit: { type: "string", valueName: "N", description: "at most N entries (default 20, at most 100)" },
  },
  args: z.object({
    connector: ConnectorName.optional(),
    user: UserId.optional(),
    since: Duration.default(86_400_000),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  }),
  role: "viewer",
  risk: "read",
  connectorOf: (args) => args.connector,
  async run({ audit: trail, now }, args) {
    const entries = await trail.query({
      ...(args.connector === undefined ? {} : { connector: args.connector }),
      ...(args.user === undefined ? {} : { actorId: args.user }),
      since: new Date(now().getTime() - args.since),
      limit: args.limit,
    });
    const summary = `${entries.length} audit entr${entries.length === 1 ? "y" : "ies"}`;
    if (entries.length === 0) return reply(summary, [{ kind: "text", text: "No audit entries match." }]);
    return reply(summary, [
      {
        kind: "table",
        columns: ["time (UTC)", "who", "cluster", "command", "outcome"],
        rows: entries.map((e) => [
          e.time.slice(0, 19).replace("T", " "),
          e.actorName,
          e.cluster ?? "",
          `${e.command} ${e.args.slice(e.command.length).trim()}`.trim().slice(0, 80),
          outcomeOf(e),
        ]),
      },
    ]);
  },
});

/** The bot's own entries (an execution's steps, its outcome) carry what happened in their detail: show it. */
function outcomeOf(entry: AuditEntry): string {
  if (entry.errorCode !== undefined) return `${entry.outcome} (${entry.errorCode})`;
  if (entry.source !== "system" || entry.detail === undefined) return entry.outcome;
  const detail = entry.detail.length > 60 ? `${entry.detail.slice(0, 59)}…` : entry.detail;
  return `${entry.outcome}: ${detail}`;
}
