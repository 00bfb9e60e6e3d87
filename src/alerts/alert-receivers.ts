import { globMatches } from "../core/glob.js";
import type { AlertRule } from "./alert-rules.js";
import type { Alert } from "./alert-store.js";
import type { AlertRoute, AlertsConfig } from "./alerts-config.js";

/**
 * What a receiver beyond Slack is told about an alert: it `fired` (started, or came back within the flap window),
 * it is `still-firing` (each poll, for receivers that expire what is not re-sent, as Alertmanager does), a person
 * `acknowledged` it (Slack's button or `alerts ack`), or it `resolved`.
 */
export type ReceiverEvent = "fired" | "still-firing" | "acknowledged" | "resolved";

/** One event of one alert for one receiver (by its name in `alerts.receivers`), decided at `at` (epoch ms). */
export interface ReceiverNotice {
  readonly receiver: string;
  readonly event: ReceiverEvent;
  readonly alert: Alert;
  readonly at: number;
}

/**
 * Where alerts go besides Slack (Alertmanager, PagerDuty, webhooks: src/receivers/). `send` only hands the
 * notices over (to a queue): it never waits for a receiver, so a slow or failing one delays neither the others nor
 * the poll, and it is retried off the poll's path.
 */
export interface AlertReceivers {
  /** Starts delivering in this process (every replica may). */
  start(): Promise<void>;
  /** Hands the notices over for delivery; returns once they are queued. */
  send(notices: readonly ReceiverNotice[]): Promise<void>;
  /** Stops taking work; a running send gets up to `drainMs`. */
  close(drainMs: number): Promise<void>;
}

/** Where one alert goes: its Slack channel (none: not posted) and its receivers. */
export interface AlertDestination {
  readonly channel: string | undefined;
  readonly receivers: readonly string[];
}

/**
 * The one routing table (`alerts.routes`): the first route whose cluster, connector and rule globs match decides
 * the channel (without one, `alerts.channel`) and the receivers (without any, none).
 */
export function destinationOf(
  config: Pick<AlertsConfig, "routes" | "channel">,
  cluster: string,
  connector: string,
  rule: AlertRule,
): AlertDestination {
  const route: AlertRoute | undefined = config.routes.find(
    (candidate) =>
      globMatches(candidate.cluster, cluster) &&
      globMatches(candidate.connector, connector) &&
      globMatches(candidate.rule, rule),
  );
  return { channel: route?.channel ?? config.channel, receivers: route?.receivers ?? [] };
}
