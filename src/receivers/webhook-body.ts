import type { ReceiverEvent } from "../alerts/alert-receivers.js";
import { ruleName, ruleSeverity } from "../alerts/alert-rules.js";
import type { Alert } from "../alerts/alert-store.js";
import { redactText } from "../core/redact.js";

/**
 * The JSON a webhook receives for one event (`version` 1; docs/alerts.md, "Alert receivers"), or undefined for one
 * it is not sent (`still-firing`). Times are ISO 8601; texts are redacted as every text that leaves the bot.
 */
export function webhookBody(event: ReceiverEvent, alert: Alert, at: number): object | undefined {
  if (event === "still-firing") return undefined;
  return {
    version: 1,
    event,
    at: new Date(at).toISOString(),
    alert: {
      key: alert.key,
      cluster: alert.cluster,
      connector: alert.connector,
      rule: alert.rule,
      ruleName: ruleName(alert.rule),
      severity: ruleSeverity(alert.rule),
      summary: redactText(alert.summary),
      details: alert.details.map(redactText),
      firedAt: new Date(alert.firedAt).toISOString(),
      ...(alert.resolvedAt === undefined ? {} : { resolvedAt: new Date(alert.resolvedAt).toISOString() }),
      ...(alert.flaps === undefined ? {} : { flaps: alert.flaps }),
      ...(alert.acknowledgedBy === undefined ? {} : { acknowledgedBy: alert.acknowledgedBy.name }),
    },
  };
}
