import { cutText } from "../core/cut-text.js";
import { formatDuration } from "../core/duration.js";
import { type Reply, type ReplyPart, type ReplyTime, reply, time, timed } from "../core/reply.js";
import { flapCount } from "./alert-news.js";
import { ruleName } from "./alert-rules.js";
import type { Alert } from "./alert-store.js";
import { count, figure } from "./rules/figures.js";

/**
 * What people may do about a firing alert, as commands: `alerts snooze`, `alerts ack`, `restart --failed-only`, and
 * `offsets reset` (a failed sink stuck on a poison message): adapters with forms open its form (Slack).
 * Each adapter draws them its own way (Slack: buttons).
 */
export type AlertAction =
  | { readonly kind: "snooze"; readonly duration: "1h" | "4h" | "24h"; readonly label: string }
  | { readonly kind: "acknowledge"; readonly label: string }
  | { readonly kind: "restart-failed"; readonly label: string }
  | { readonly kind: "offsets"; readonly label: string };

/** One alert message, adapter-neutral: a line for the whole, and each alert's reply with its actions. */
export interface AlertReplies {
  /** One line for notifications and clients that cannot draw the rest. */
  readonly summary: string;
  readonly alerts: readonly {
    readonly alert: Alert;
    readonly reply: Reply;
    /** Empty once resolved. */
    readonly actions: readonly AlertAction[];
  }[];
}

/**
 * At most this many detail lines of this length per alert: with five alerts a message, enough to see where a
 * trace points and well inside Slack's 12,000 characters of block text (the tightest adapter).
 */
const detailLines = 8;
const detailLineLength = 200;
const snoozeDurations = ["1h", "4h", "24h"] as const;

/**
 * A summary lists this many firing connectors at most, in at most `summaryListBudget` characters (names are never
 * cut, summaries are): with its other lines well inside Slack's 50 blocks and 12,000 characters, whatever the
 * storm's size.
 */
const summaryListLines = 30;
const summaryListBudget = 6_000;
/** Characters of lines per thread reply: inside Slack's ~12,000 per message with room for escaping. */
const threadReplyBudget = 8_000;

/**
 * What a message showing these alerts says: each alert with its state (FIRING or RESOLVED, since when,
 * acknowledged or snoozed), its details, and what can be done while it fires. `now` (epoch ms) decides whether
 * a snooze still holds.
 */
export function alertReplies(alerts: readonly Alert[], now: number): AlertReplies {
  const firing = alerts.filter((alert) => alert.resolvedAt === undefined);
  const listed = (shown: readonly Alert[]) =>
    shown.map((alert) => `${ruleName(alert.rule)}: ${placeOf(alert)}`).join(", ");
  const summary =
    firing.length === 0
      ? `Resolved: ${listed(alerts)}`
      : `${firing.length} alert(s) firing: ${listed(firing)}`;
  return {
    summary,
    alerts: alerts.map((alert) => ({
      alert,
      reply: reply(summary, alertParts(alert, now)),
      actions: actionsOf(alert),
    })),
  };
}

function alertParts(alert: Alert, now: number): ReplyPart[] {
  const where = placeOf(alert);
  const note = timed("note");
  if (alert.resolvedAt !== undefined) {
    const resolvedAt = time(alert.resolvedAt);
    return [
      { kind: "text", text: `RESOLVED: ${ruleName(alert.rule)}, ${where} (was: ${alert.summary})` },
      alert.flaps === undefined
        ? note`Fired at ${time(alert.firedAt)}, resolved at ${resolvedAt} after ${formatDuration(alert.resolvedAt - alert.firedAt)}.`
        : {
            kind: "timed",
            as: "note",
            pieces: ["Flapping: ", ...flapCount(alert), "; resolved again at ", resolvedAt, "."],
          },
    ];
  }
  const since =
    alert.lastFiredAt === undefined
      ? [`Firing since `, time(alert.firedAt)]
      : [`Firing again since `, time(alert.lastFiredAt), ", flapping: ", ...flapCount(alert)];
  const acknowledged =
    alert.acknowledgedBy === undefined ? [] : [` · acknowledged by ${alert.acknowledgedBy.name}`];
  const snoozed =
    alert.snoozedUntil !== undefined && alert.snoozedUntil > now
      ? [" · snoozed until ", time(alert.snoozedUntil)]
      : [];
  return [
    { kind: "text", text: `FIRING: ${ruleName(alert.rule)}, ${where}: ${alert.summary}` },
    ...(alert.details.length === 0
      ? []
      : [{ kind: "code" as const, text: alert.details.slice(0, detailLines).map(clipped).join("\n") }]),
    { kind: "timed", as: "note", pieces: [...since, ...acknowledged, ...snoozed, "."] },
  ];
}

function actionsOf(alert: Alert): AlertAction[] {
  // The bot's own "alerting has stopped" is about no connector: nothing to snooze, acknowledge or restart.
  if (alert.resolvedAt !== undefined || alert.rule === "alerting-stopped") return [];
  return [
    ...snoozeDurations.map((duration) => ({
      kind: "snooze" as const,
      duration,
      label: `Snooze ${duration}`,
    })),
    ...(alert.acknowledgedBy === undefined ? [{ kind: "acknowledge" as const, label: "Acknowledge" }] : []),
    ...(alert.rule === "task-failed" || alert.rule === "connector-failed"
      ? [
          { kind: "restart-failed" as const, label: "Restart failed tasks" },
          { kind: "offsets" as const, label: "Offsets…" },
        ]
      : []),
  ];
}

/** A connector on its cluster; a cluster-wide alert (connector `*`) names the cluster alone, a bot-wide one neither. */
function placeOf(alert: Alert): string {
  if (alert.cluster === "*") return "every cluster";
  return alert.connector === "*" ? `cluster ${alert.cluster}` : `${alert.connector} on ${alert.cluster}`;
}

function clipped(line: string): string {
  return cutText(line, detailLineLength, "…");
}

/** Whether these alerts are one storm's summary message (alert-delivery.ts) rather than alerts shown in full. */
export function isSummary(alerts: readonly Alert[]): boolean {
  return alerts.some((alert) => alert.inSummary === true);
}

/**
 * A storm's one message: how many connectors of the cluster the rule hit, how many still fire, the firing ones
 * listed (at most `summaryListLines` in `summaryListBudget` characters), and how to act on one. No buttons: 25 a message was the noise this
 * replaces; the commands act on a connector, and each connector's details are in the thread (summaryThread).
 */
export function alertSummary(alerts: readonly Alert[], now: number): Reply {
  const firing = alerts.filter((alert) => alert.resolvedAt === undefined);
  const resolved = alerts.filter((alert) => alert.resolvedAt !== undefined);
  const first = alerts[0];
  const rule = first === undefined ? "alerts" : ruleName(first.rule);
  const where = first === undefined || first.cluster === "*" ? "" : ` of ${first.cluster}`;
  const total = count(alerts.length, "connector");
  const headline =
    firing.length === 0
      ? `RESOLVED: ${rule} on ${total}${where}`
      : resolved.length === 0
        ? `FIRING: ${rule} on ${total}${where}`
        : `FIRING: ${rule} on ${figure(firing.length)} of ${total}${where} (${figure(resolved.length)} resolved)`;
  const listed =
    linesWithin(
      firing.slice(0, summaryListLines).map((alert) => `${alert.connector}: ${clipped(alert.summary)}`),
      summaryListBudget,
    )[0] ?? [];
  const acknowledged = firing.filter((alert) => alert.acknowledgedBy !== undefined).length;
  const snoozed = firing.filter((alert) => (alert.snoozedUntil ?? 0) > now).length;
  const flapping = alerts.filter((alert) => alert.flaps !== undefined).length;
  const startedAt = Math.min(...alerts.map((alert) => alert.firedAt));
  const lastResolvedAt = Math.max(...resolved.map((alert) => alert.resolvedAt ?? 0));
  const state: (string | ReplyTime)[] = [
    "Started together at ",
    time(startedAt),
    ...(firing.length === 0
      ? [" · all resolved by ", time(lastResolvedAt), ` after ${formatDuration(lastResolvedAt - startedAt)}`]
      : []),
    ...[
      ...(acknowledged === 0 ? [] : [`${figure(acknowledged)} acknowledged`]),
      ...(snoozed === 0 ? [] : [`${figure(snoozed)} snoozed`]),
      ...(flapping === 0 ? [] : [`${figure(flapping)} fired again after resolving`]),
    ].map((said) => ` · ${said}`),
    ".",
  ];
  return reply(headline, [
    { kind: "text", text: headline },
    ...(listed.length === 0
      ? []
      : [
          {
            kind: "code" as const,
            text: listed.join("\n"),
          },
        ]),
    ...(firing.length > listed.length
      ? [
          {
            kind: "note" as const,
            text: `…and ${figure(firing.length - listed.length)} more firing: \`alerts\` lists them.`,
          },
        ]
      : []),
    { kind: "timed", as: "note", pieces: state },
    ...(firing.length === 0
      ? []
      : [
          {
            kind: "note" as const,
            text: "Each connector's details are in the thread. Act on one with `alerts ack <connector>`, `alerts snooze <connector> 1h` or `restart <connector> --failed-only`.",
          },
        ]),
  ]);
}

/**
 * A storm's details for its thread: each connector with its summary and the first line of its details (where
 * the trace points), as few replies as `threadReplyBudget` allows: 100 connectors are a few replies, not 100.
 */
export function summaryThread(alerts: readonly Alert[]): Reply[] {
  const lines = alerts.map((alert) => {
    const detail = alert.details[0];
    // The name whole, however long: it is what a reader looks for; its summary and trace line are cut.
    return `${alert.connector}: ${clipped(`${alert.summary}${detail === undefined ? "" : ` | ${detail}`}`)}`;
  });
  const chunks = linesWithin(lines, threadReplyBudget);
  let from = 1;
  return chunks.map((chunk) => {
    const to = from + chunk.length - 1;
    const heading = `Connectors ${figure(from)}–${figure(to)} of ${figure(alerts.length)}`;
    from = to + 1;
    return reply(heading, [
      { kind: "text", text: `${heading}:` },
      { kind: "code", text: chunk.join("\n") },
    ]);
  });
}

/** A round's thread lines (threadLines) as replies: one when they fit, more only past `threadReplyBudget`. */
export function threadReplies(lines: readonly string[]): Reply[] {
  return linesWithin(lines, threadReplyBudget).map((chunk) =>
    reply(
      chunk[0] ?? "",
      chunk.map((text) => ({ kind: "text" as const, text })),
    ),
  );
}

/** Lines in consecutive groups of at most `budget` characters each (a longer line alone). */
function linesWithin(lines: readonly string[], budget: number): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let used = 0;
  for (const line of lines) {
    if (current.length > 0 && used + line.length + 1 > budget) {
      groups.push(current);
      current = [];
      used = 0;
    }
    current.push(line);
    used += line.length + 1;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
