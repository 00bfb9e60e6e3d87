import type { Logger } from "pino";
import { threadLines } from "./alert-news.js";
import type { AlertNotifier } from "./alert-notifier.js";
import type { AlertOutbox, NewsLine } from "./alert-outbox.js";
import type { AlertReceivers } from "./alert-receivers.js";
import { summaryThread } from "./alert-replies.js";
import { readsLag } from "./alert-rules.js";
import type { Alert, AlertStore, MessageAddress } from "./alert-store.js";
import type { FiringCopy } from "./firing-copy.js";
import { lagChartReply } from "./lag-chart.js";

/** With their traces, more alerts than this would crowd a message past Slack's limits; the rest go into another. */
const alertsPerMessage = 5;

/**
 * Sends what an outbox gathered through the notifier (the adapter), and records which message shows which
 * alerts. A failure is logged and left for the next poll: one refused message never stops the others.
 */
export class AlertDelivery {
  readonly #store: AlertStore;
  readonly #notifier: AlertNotifier | undefined;
  readonly #firingCopy: FiringCopy;
  readonly #logger: Logger | undefined;
  readonly #summariseAbove: number;
  readonly #receivers: AlertReceivers | undefined;

  constructor(options: {
    readonly store: AlertStore;
    readonly notifier: AlertNotifier | undefined;
    readonly firingCopy: FiringCopy;
    readonly logger: Logger | undefined;
    /** A rule's new alerts in one channel and round beyond this many are one summary message (`alerts.summariseAbove`). */
    readonly summariseAbove: number;
    /** Receivers beyond Slack; without them, Slack alone is told. */
    readonly receivers?: AlertReceivers | undefined;
  }) {
    this.#store = options.store;
    this.#notifier = options.notifier;
    this.#firingCopy = options.firingCopy;
    this.#logger = options.logger;
    this.#summariseAbove = options.summariseAbove;
    this.#receivers = options.receivers;
  }

  /**
   * Hands the receivers' notices to their queue first (a Slack outage must not hold a page back), then posts the
   * new alerts and draws each changed message again. Notices that cannot be queued are logged; Slack still hears.
   */
  async deliver(outbox: AlertOutbox): Promise<void> {
    if (outbox.notices.length > 0) {
      await this.#receivers
        ?.send(outbox.notices)
        .catch((error: unknown) =>
          this.#logger?.warn({ err: error }, "alert notices could not be queued for their receivers"),
        );
    }
    for (const [channel, alerts] of outbox.posts) await this.#post(channel, alerts);
    for (const { message, alerts, news } of outbox.changes.values())
      await this.#redraw(message, alerts, news);
  }

  /**
   * One message's failure (Slack refused it, or it was deleted) must not stop the others or the next poll. The
   * round's news is one set of thread lines (threadLines), however many of the message's alerts changed.
   */
  async #redraw(message: MessageAddress, alerts: readonly Alert[], news: readonly NewsLine[]): Promise<void> {
    try {
      const shown = await this.#store.saveMessageAlerts(message, alerts);
      await this.#notifier?.update(message, shown, threadLines(shown, news));
    } catch (error) {
      this.#logger?.warn({ err: error, message }, "an alert message could not be updated");
    }
  }

  /**
   * Alerts that started together share a message, five at most; a storm (more than `summariseAbove` new alerts of
   * one rule) is one summary message instead, with each connector's details in its thread.
   */
  async #post(channel: string, alerts: readonly Alert[]): Promise<void> {
    const byRule = new Map<Alert["rule"], Alert[]>();
    for (const alert of alerts) {
      const group = byRule.get(alert.rule) ?? [];
      group.push(alert);
      byRule.set(alert.rule, group);
    }
    const single: Alert[] = [];
    for (const group of byRule.values()) {
      if (group.length > this.#summariseAbove) {
        await this.#postSummary(
          channel,
          group.map((alert) => ({ ...alert, inSummary: true as const })),
        );
      } else single.push(...group);
    }
    for (let start = 0; start < single.length; start += alertsPerMessage) {
      const placed = await this.#postMessage(channel, single.slice(start, start + alertsPerMessage));
      if (placed !== undefined) await this.#tellLagCharts(placed.message, placed.alerts);
    }
  }

  /**
   * Each lag alert's thread starts with the sink's lag and time behind over the history the alerts keep, so whoever
   * opens it sees whether it is growing. A thread that fails is logged; the alert stands.
   */
  async #tellLagCharts(message: MessageAddress, alerts: readonly Alert[]): Promise<void> {
    for (const alert of alerts.filter((shown) => readsLag(shown.rule))) {
      try {
        const said = lagChartReply(alert, await this.#store.history(alert.cluster, alert.connector));
        if (said !== undefined) await this.#notifier?.tell(message, [said]);
      } catch (error) {
        this.#logger?.warn(
          { err: error, message },
          "the lag chart of an alert could not be said in its thread",
        );
      }
    }
  }

  /** The summary, then its thread: a thread that fails is logged, and the summary stands (never posted twice). */
  async #postSummary(channel: string, alerts: readonly Alert[]): Promise<void> {
    const placed = await this.#postMessage(channel, alerts);
    if (placed === undefined) return;
    await this.#notifier
      ?.tell(placed.message, summaryThread(placed.alerts))
      .catch((error: unknown) =>
        this.#logger?.warn(
          { err: error, message: placed.message },
          "the details of an alert summary could not be said in its thread",
        ),
      );
  }

  /** One message for these alerts; unposted alerts stay without a message, so the next poll tries again. */
  async #postMessage(
    channel: string,
    alerts: readonly Alert[],
  ): Promise<{ message: MessageAddress; alerts: Alert[] } | undefined> {
    const notifier = this.#notifier;
    if (notifier === undefined) return undefined;
    const message = await notifier.post(channel, alerts).catch((error: unknown) => {
      this.#logger?.warn({ err: error, channel }, "alerts could not be posted");
      return undefined;
    });
    if (message === undefined) return undefined;
    const placed: Alert[] = [];
    for (const alert of alerts) {
      const saved = await this.#store.updateFiring(alert.cluster, alert.key, (latest) =>
        latest === undefined
          ? undefined
          : { ...latest, message, ...(alert.inSummary ? { inSummary: true } : {}) },
      );
      placed.push(saved ?? { ...alert, message });
      // Kept with its message even if Redis lost it meanwhile: restored, it still resolves in this message.
      this.#firingCopy.keep(saved ?? { ...alert, message });
    }
    await this.#store.saveMessageAlerts(message, placed);
    return { message, alerts: placed };
  }
}
