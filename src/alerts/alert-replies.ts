import { formatDuration } from "../core/duration.js";
import { type Reply, type ReplyPart, reply } from "../core/reply.js";
import { ruleName } from "./alert-rules.js";
import type { Alert } from "./alert-store.js";

/**
 * What people may do about a firing alert, as commands: `alerts snooze`, `alerts ack`, `restart --failed-only`.
 * Each adapter draws them its own way (Slack: buttons).
 */
export type AlertAction =
  | { readonly kind: "snooze"; readonly duration: "1h" | "4h" | "24h"; readonly label: string }
  | { readonly kind: "acknowledge"; readonly label: string }
  | { readonly kind: "restart-failed"; readonly label: string };

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
 * What a message showing these alerts says: each alert with its state (FIRING or RESOLVED, since when,
 * acknowledged or snoozed), its details, and what can be done while it fires. `now` (epoch ms) decides whether
 * a snooze still holds.
 */
export function alertReplies(alerts: readonly Alert[], now = Date.now()): AlertReplies {
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
  if (alert.resolvedAt !== undefined) {
    return [
      { kind: "text", text: `RESOLVED: ${ruleName(alert.rule)}, ${where} (was: ${alert.summary})` },
      {
        kind: "note",
        text: `Fired at ${clockTime(alert.firedAt)}, resolved at ${clockTime(alert.resolvedAt)} after ${formatDuration(alert.resolvedAt - alert.firedAt)}.`,
      },
    ];
  }
  const state = [
    `Firing since ${clockTime(alert.firedAt)}`,
    ...(alert.acknowledgedBy === undefined ? [] : [`acknowledged by ${alert.acknowledgedBy.name}`]),
    ...(alert.snoozedUntil !== undefined && alert.snoozedUntil > now
      ? [`snoozed until ${clockTime(alert.snoozedUntil)}`]
      : []),
  ].join(" · ");
  return [
    { kind: "text", text: `FIRING: ${ruleName(alert.rule)}, ${where}: ${alert.summary}` },
    ...(alert.details.length === 0
      ? []
      : [{ kind: "code" as const, text: alert.details.slice(0, detailLines).map(clipped).join("\n") }]),
    { kind: "note", text: `${state}.` },
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
      ? [{ kind: "restart-failed" as const, label: "Restart failed tasks" }]
      : []),
  ];
}

/** A connector on its cluster; a cluster-wide alert (connector `*`) names the cluster alone, a bot-wide one neither. */
function placeOf(alert: Alert): string {
  if (alert.cluster === "*") return "every cluster";
  return alert.connector === "*" ? `cluster ${alert.cluster}` : `${alert.connector} on ${alert.cluster}`;
}

function clockTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

function clipped(line: string): string {
  return line.length > detailLineLength ? `${line.slice(0, detailLineLength - 1)}…` : line;
}
