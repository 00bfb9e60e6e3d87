import type { ReceiverNotice } from "../alerts/alert-receivers.js";
import { ruleSeverity } from "../alerts/alert-rules.js";
import { redactText } from "../core/redact.js";

/** An alert as Alertmanager's API v2 takes it (`postableAlert` of its OpenAPI spec). */
export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
}

/**
 * The body of one `POST /api/v2/alerts`: each alert of the notices once (the latest notice wins), labelled with
 * `alertname` (the rule id), `cluster`, `connector`, `rule` and `severity`, so Alertmanager's routing, grouping,
 * inhibition and silences can use them. A firing alert's `endsAt` is `expiresAfterMs` ahead: the bot re-sends it
 * every poll, and if the bot stops, Alertmanager resolves it by itself then, as it does for Prometheus (which sends
 * four evaluation intervals ahead). A resolved one ends at its resolution.
 * (https://prometheus.io/docs/alerting/latest/clients/)
 */
export function alertmanagerAlerts(
  notices: readonly ReceiverNotice[],
  expiresAfterMs: number,
): PostableAlert[] {
  const latest = new Map<string, ReceiverNotice>();
  for (const notice of notices) {
    if (notice.event !== "acknowledged") latest.set(notice.alert.key, notice);
  }
  return [...latest.values()].map(({ alert, event, at }) => ({
    labels: {
      alertname: alert.rule,
      cluster: alert.cluster,
      connector: alert.connector,
      rule: alert.rule,
      severity: ruleSeverity(alert.rule),
    },
    annotations: {
      summary: redactText(`${alert.connector} on ${alert.cluster}: ${alert.summary}`),
      ...(alert.details.length === 0 ? {} : { description: redactText(alert.details.join("\n")) }),
    },
    startsAt: new Date(alert.lastFiredAt ?? alert.firedAt).toISOString(),
    endsAt: new Date(event === "resolved" ? (alert.resolvedAt ?? at) : at + expiresAfterMs).toISOString(),
  }));
}
