import { createHash } from "node:crypto";
import type { ReceiverEvent } from "../alerts/alert-receivers.js";
import { ruleName, ruleSeverity } from "../alerts/alert-rules.js";
import type { Alert } from "../alerts/alert-store.js";
import { cutText } from "../core/cut-text.js";
import { redactText } from "../core/redact.js";

/** PagerDuty caps `dedup_key` at 255 characters and `payload.summary` at 1,024 (Events API v2). */
const maxDedupKey = 255;
const maxSummary = 1_024;

const actions = { fired: "trigger", acknowledged: "acknowledge", resolved: "resolve" } as const;

/** An Events API v2 event, less its `routing_key` (added as it is sent, so the key is never stored in Redis). */
export interface PagerDutyEvent {
  readonly event_action: (typeof actions)[keyof typeof actions];
  readonly dedup_key: string;
  readonly payload?: {
    readonly summary: string;
    readonly source: string;
    readonly severity: string;
    readonly timestamp: string;
    readonly component: string;
    readonly group: string;
    readonly class: string;
    readonly custom_details: Readonly<Record<string, unknown>>;
  };
}

/**
 * One alert's key as PagerDuty's `dedup_key`: the same for every event of the alert, so a flapping connector
 * (fired again within the flap window: the same alert) stays one incident. Keys longer than PagerDuty allows are
 * hashed.
 */
export function dedupKeyOf(alert: Alert): string {
  return alert.key.length <= maxDedupKey
    ? alert.key
    : `sha256:${createHash("sha256").update(alert.key).digest("hex")}`;
}

/**
 * The event PagerDuty is sent for a receiver event, or undefined for one it does not take (`still-firing`: an
 * open incident needs no re-send). Trigger carries the payload (summary, source = the cluster, severity, the
 * connector as component); acknowledge and resolve only the `dedup_key`.
 * (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/)
 */
export function pagerDutyEvent(event: ReceiverEvent, alert: Alert): PagerDutyEvent | undefined {
  if (event === "still-firing") return undefined;
  const dedup_key = dedupKeyOf(alert);
  if (event !== "fired") return { event_action: actions[event], dedup_key };
  return {
    event_action: "trigger",
    dedup_key,
    payload: {
      summary: cutText(
        redactText(`${alert.connector} on ${alert.cluster}: ${ruleName(alert.rule)}, ${alert.summary}`),
        maxSummary,
      ),
      source: alert.cluster,
      severity: ruleSeverity(alert.rule),
      timestamp: new Date(alert.lastFiredAt ?? alert.firedAt).toISOString(),
      component: alert.connector,
      group: alert.cluster,
      class: alert.rule,
      custom_details: {
        details: alert.details.map(redactText),
        firedAt: new Date(alert.firedAt).toISOString(),
        ...(alert.flaps === undefined ? {} : { flaps: alert.flaps }),
      },
    },
  };
}
