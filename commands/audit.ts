import { z } from "zod";
import type { AuditLogEntry } from "../src/core/audit-log.js";
import { defineCommand, flag, positional } from "../src/core/command-spec.js";
import { ConnectorName, Duration } from "../src/core/connector-args.js";
import { cutText } from "../src/core/cut-text.js";
import { reply } from "../src/core/reply.js";
import { outOfScopeNote, scopePerCluster } from "../src/core/roles.js";

/**
 * A user as people type one: Slack's mention `<@U123>` or `<@U123|name>` (commands with escaping on), a user id
 * (`U123`, or the shell's `local:name`), or `@name` as typed in a slash command, which Slack passes as plain text
 * and which is matched against the name the audit recorded.
 */
const User = z.string().transform((text, context): { actorId: string } | { actorName: string } => {
  const mentioned = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(text)?.[1];
  if (mentioned !== undefined) return { actorId: mentioned };
  if (/^[UW][A-Z0-9]+$/.test(text) || /^(?:local|agent):\S+$/.test(text)) return { actorId: text };
  const name = /^@([\w.-]+)$/.exec(text)?.[1];
  if (name !== undefined) return { actorName: name };
  context.addIssue({
    code: "custom",
    message: `"${text}" is not a user: type @name, mention them, or give their id (U…)`,
  });
  return z.NEVER;
});

export const audit = defineCommand({
  name: "audit",
  summary: "Recent audit entries, newest first.",
  details: "Recent audit entries, newest first: who did what, and how it ended.",
  examples: ["audit", "audit orders-sink --since 24h", "audit --user @alice --limit 50"],
  args: z.object({
    connector: positional(ConnectorName.optional(), "only entries about this connector"),
    user: flag(User.optional(), "only this user's entries: @name, <@U…>, U… or agent:<name>", {
      valueName: "@USER",
    }),
    since: flag(Duration.default(86_400_000), "only this recent, e.g. 30m, 24h, 7d (default 24h)", {
      valueName: "DURATION",
    }),
    limit: flag(
      z.coerce.number().int().min(1).max(100).default(20),
      "at most N entries (default 20, at most 100)",
      { valueName: "N" },
    ),
  }),
  role: "viewer",
  risk: "read",
  connectorOf: (args) => args.connector,
  async run({ audit: trail, now, scopeOn }, args) {
    const scopeOf = scopePerCluster((cluster) => scopeOn(cluster));
    const sees = async ({ cluster, connector }: AuditLogEntry) =>
      cluster === undefined || connector === undefined || (await scopeOf(cluster)).sees(connector);
    const queried = await trail.query({
      ...(args.connector === undefined ? {} : { connector: args.connector }),
      ...args.user,
      since: new Date(now() - args.since),
      limit: args.limit,
    });
    // Entries about connectors outside the person's viewer scope are left out, and counted.
    const shown = await Promise.all(queried.map(sees));
    const entries = queried.filter((_, i) => shown[i]);
    const hidden = outOfScopeNote(queried.length - entries.length, "entr(ies) about connectors");
    const summary = `${entries.length} audit entr${entries.length === 1 ? "y" : "ies"}`;
    if (entries.length === 0)
      return reply(summary, [{ kind: "text", text: "No audit entries match." }, ...hidden]);
    return reply(summary, [
      {
        kind: "table",
        columns: ["time (UTC)", "who", "cluster", "command", "outcome"],
        rows: entries.map((e) => [
          e.time.slice(0, 19).replace("T", " "),
          e.actorName,
          e.cluster ?? "",
          cutText(`${e.command} ${e.args.slice(e.command.length).trim()}`.trim(), 80),
          outcomeOf(e),
        ]),
      },
      ...hidden,
    ]);
  },
});

/** The bot's own entries (an execution's steps, its outcome) carry what happened in their detail: show it. */
function outcomeOf(entry: AuditLogEntry): string {
  if (entry.errorCode !== undefined) return `${entry.outcome} (${entry.errorCode})`;
  if (entry.source !== "system" || entry.detail === undefined) return entry.outcome;
  const detail = cutText(entry.detail, 60, "…");
  return `${entry.outcome}: ${detail}`;
}
