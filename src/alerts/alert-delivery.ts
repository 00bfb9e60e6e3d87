import type { Logger } from "pino";
import type { AlertNotifier } from "./alert-notifier.js";
import type { AlertOutbox } from "./alert-outbox.js";
import type { Alert, AlertStore, MessageAddress } from "./alert-store.js";
import type { FiringCopy } from "./firing-copy.js";

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

  constructor(options: {
    readonly store: AlertStore;
    readonly notifier: AlertNotifier | undefined;
    readonly firingCopy: FiringCopy;
    readonly logger: Logger | undefined;
  }) {
    this.#store = options.store;
    this.#notifier = options.notifier;
    this.#firingCopy = options.firingCopy;
    this.#logger = options.logger;
  }

  /** Posts the new alerts, then draws each changed message again. */
  async deliver(outbox: AlertOutbox): Promise<void> {
    for (const [channel, alerts] of outbox.posts) await this.#post(channel, alerts);
    for (const { message, alerts, news } of outbox.changes.values())
      await this.#redraw(message, alerts, news);
  }

  /** One message's failure (Slack refused it, or it was deleted) must not stop the others or the next poll. */
  async #redraw(message: MessageAddress, alerts: readonly Alert[], news: readonly string[]): Promise<void> {
    try {
      const shown = await this.#store.saveMessageAlerts(message, alerts);
      await this.#notifier?.update(message, shown, news);
    } catch (error) {
      this.#logger?.warn({ err: error, message }, "an alert message could not be updated");
    }
  }

  /** Alerts that started together share a message, five at most. */
  async #post(channel: string, alerts: readonly Alert[]): Promise<void> {
    const notifier = this.#notifier;
    if (notifier === undefined) return;
    for (let start = 0; start < alerts.length; start += alertsPerMessage) {
      const group = alerts.slice(start, start + alertsPerMessage);
      // Unposted alerts stay without a message, so the next poll tries again.
      const message = await notifier.post(channel, group).catch((error: unknown) => {
        this.#logger?.warn({ err: error, channel }, "alerts could not be posted");
        return undefined;
      });
      if (message === undefined) continue;
      const placed: Alert[] = [];
      for (const alert of group) {
        const saved = await this.#store.updateFiring(alert.cluster, alert.key, (latest) =>
          latest === undefined ? undefined : { ...latest, message },
        );
        placed.push(saved ?? { ...alert, message });
        // Kept with its message even if Redis lost it meanwhile: restored, it still resolves in this message.
        this.#firingCopy.keep(saved ?? { ...alert, message });
      }
      await this.#store.saveMessageAlerts(message, placed);
    }
  }
}
