import { formatDuration } from "../core/duration.js";
import { inUtc, type ReplyTime, time } from "../core/reply.js";
import type { NewsLine } from "./alert-outbox.js";
import { ruleName } from "./alert-rules.js";
import type { Alert } from "./alert-store.js";

/** Lines one round says in one thread at most: a storm's changes are shown by the message, not line by line. */
const maxThreadLines = 20;
/** Characters of connector names one line lists before "and N more". */
const namesBudget = 600;

/**
 * The lines said in an alert message's thread as its alerts change, adapter-neutral like the message itself
 * (alert-replies.ts). Durations are ms; `now` is epoch ms. A line never names its connector: `threadLines` does,
 * when the message shows more than one.
 */
export const alertNews = {
  /** The measured value moved by a quarter or more. */
  moved: (alert: Alert) => `${ruleName(alert.rule)}: ${alert.summary}`,
  /** Nobody acknowledged it, and the repeat interval passed. */
  stillFiring: (alert: Alert, now: number) =>
    `Still firing after ${formatDuration(now - alert.firedAt)}: ${ruleName(alert.rule)}, ${alert.summary}`,
  resolved: (alert: Alert, now: number) =>
    `${ruleName(alert.rule)} resolved after ${formatDuration(now - (alert.lastFiredAt ?? alert.firedAt))}.`,
  /** It resolved less than the flap window ago and fires again: the same alert, one more flap. */
  firedAgain: (alert: Alert, resolvedForMs: number) =>
    `${ruleName(alert.rule)} fired again, ${formatDuration(resolvedForMs)} after it resolved (${inUtc(flapCount(alert))}): ${alert.summary}`,
  connectAnswers: (alert: Alert, now: number) =>
    `Connect answers again, after ${formatDuration(now - alert.firedAt)}.`,
  connectorGone: (alert: Alert) => `Deleted: no longer exists on ${alert.cluster}.`,
  connectDoesNotAnswer: (error: Error) => `Connect does not answer: ${error.message}`,
  /** `health`: the worker's own verdict in words, e.g. "unhealthy: Worker was unable to handle this request…". */
  connectUnhealthy: (health: string) => `Connect answers, but is ${health}`,
  snoozed: (by: { readonly name: string }, forMs: number) =>
    `Snoozed by ${by.name} for ${formatDuration(forMs)}.`,
  snoozeEnded: (by: { readonly name: string }) => `Snooze ended by ${by.name}.`,
  acknowledged: (by: { readonly name: string }) => `Acknowledged by ${by.name}.`,
  pollsStopped: (sinceMs: number, pollIntervalMs: number) =>
    `no alert poll has completed for ${formatDuration(sinceMs)} (polls every ${formatDuration(pollIntervalMs)}): lag and failures are not being watched`,
  pollsRunAgain: (alert: Alert, now: number) =>
    `Alert polls run again, after ${formatDuration(now - alert.firedAt)} without.`,
} as const;

/** `fired 3 times since 09:00 UTC`: its first start and each return within the flap window, the moment a `time`. */
export function flapCount(alert: Alert): readonly (string | ReplyTime)[] {
  return [`fired ${(alert.flaps ?? 0) + 1} times since `, time(alert.firedAt)];
}

/**
 * What one round says in a message's thread: each line once, with the connectors it is about named when the
 * message shows more than one connector (a summary's 100 deletions are one line, not 100 replies), and at most
 * `maxThreadLines` lines, the message itself showing where each connector stands.
 */
export function threadLines(shown: readonly Alert[], news: readonly NewsLine[]): string[] {
  const about = new Map<string, Set<string>>();
  for (const { connector, text } of news) about.set(text, (about.get(text) ?? new Set()).add(connector));
  const several = new Set(shown.map((alert) => alert.connector)).size > 1;
  const lines = [...about].map(([text, connectors]) =>
    several ? `${namesOf([...connectors])}: ${text}` : text,
  );
  if (lines.length <= maxThreadLines) return lines;
  return [
    ...lines.slice(0, maxThreadLines),
    `…and ${lines.length - maxThreadLines} more changes: the message shows where each connector stands.`,
  ];
}

/** Connector names in order, as many as `namesBudget` characters hold, then how many more. */
function namesOf(names: readonly string[]): string {
  const shown: string[] = [];
  let used = 0;
  for (const name of [...names].sort()) {
    if (shown.length > 0 && used + name.length > namesBudget) break;
    shown.push(name);
    used += name.length + 2;
  }
  const more = names.length - shown.length;
  return more === 0 ? shown.join(", ") : `${shown.join(", ")} and ${more} more`;
}
