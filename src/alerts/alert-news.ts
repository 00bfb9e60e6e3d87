import { formatDuration } from "../core/duration.js";
import { ruleName } from "./alert-rules.js";
import type { Alert } from "./alert-store.js";

/**
 * The lines said in an alert message's thread as its alerts change, adapter-neutral like the message itself
 * (alert-replies.ts). Durations are ms; `now` is epoch ms.
 */
export const alertNews = {
  /** The measured value moved by a quarter or more. */
  moved: (alert: Alert) => `${ruleName(alert.rule)}: ${alert.summary}`,
  /** Nobody acknowledged it, and the repeat interval passed. */
  stillFiring: (alert: Alert, now: number) =>
    `Still firing after ${formatDuration(now - alert.firedAt)}: ${ruleName(alert.rule)}, ${alert.summary}`,
  resolved: (alert: Alert, now: number) =>
    `${ruleName(alert.rule)} resolved after ${formatDuration(now - alert.firedAt)}.`,
  connectAnswers: (alert: Alert, now: number) =>
    `Connect answers again, after ${formatDuration(now - alert.firedAt)}.`,
  connectorGone: (alert: Alert) => `${alert.connector} no longer exists on ${alert.cluster}.`,
  connectDoesNotAnswer: (error: Error) => `Connect does not answer: ${error.message}`,
  snoozed: (by: { readonly name: string }, forMs: number) =>
    `Snoozed by ${by.name} for ${formatDuration(forMs)}.`,
  snoozeEnded: (by: { readonly name: string }) => `Snooze ended by ${by.name}.`,
  acknowledged: (by: { readonly name: string }) => `Acknowledged by ${by.name}.`,
  pollsStopped: (sinceMs: number, pollIntervalMs: number) =>
    `no alert poll has completed for ${formatDuration(sinceMs)} (polls every ${formatDuration(pollIntervalMs)}): lag and failures are not being watched`,
  pollsRunAgain: (alert: Alert, now: number) =>
    `Alert polls run again, after ${formatDuration(now - alert.firedAt)} without.`,
} as const;
