import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { alertNews } from "./alert-news.js";
import type { AlertNotifier } from "./alert-notifier.js";
import type { Alert, AlertStore, MessageAddress } from "./alert-store.js";
import { newAlert } from "./cluster-poll.js";

/**
 * The "alerting has stopped" notice: an error log line in every process that sees polls stop (poll-freshness.ts),
 * one message in the alerts channel from one replica, resolved by that replica when polls run again.
 */
export class StoppedNotice {
  readonly #store: AlertStore;
  readonly #notifier: AlertNotifier | undefined;
  readonly #channel: string | undefined;
  readonly #pollIntervalMs: number;
  readonly #logger: Logger | undefined;
  #stale = false;
  /** The notice this process posted, until polls run again. */
  #posted: { readonly alert: Alert; readonly message: MessageAddress | undefined } | undefined;

  constructor(options: {
    readonly store: AlertStore;
    readonly notifier: AlertNotifier | undefined;
    readonly channel: string | undefined;
    readonly pollIntervalMs: number;
    readonly logger: Logger | undefined;
  }) {
    this.#store = options.store;
    this.#notifier = options.notifier;
    this.#channel = options.channel;
    this.#pollIntervalMs = options.pollIntervalMs;
    this.#logger = options.logger;
  }

  /**
   * Told at every watchdog tick whether polls are `fresh`, and since when (epoch ms) none ran; says each change
   * once.
   */
  async update(poll: {
    readonly fresh: boolean;
    readonly since: number;
    readonly lastPollAt: number | undefined;
    readonly staleAfterMs: number;
    readonly now: number;
  }): Promise<void> {
    if (!poll.fresh && !this.#stale) await this.#sayStopped(poll);
    else if (poll.fresh && this.#stale) await this.#sayRunningAgain(poll.now);
  }

  async #sayStopped(poll: {
    readonly since: number;
    readonly lastPollAt: number | undefined;
    readonly staleAfterMs: number;
    readonly now: number;
  }): Promise<void> {
    this.#stale = true;
    const { now, since } = poll;
    const summary = alertNews.pollsStopped(now - since, this.#pollIntervalMs);
    this.#logger?.error(
      { lastPollAt: poll.lastPollAt, staleAfterMs: poll.staleAfterMs },
      `alerting has stopped: ${summary}`,
    );
    // One replica tells the channel; if Redis cannot even be asked, each says it rather than none.
    const claimed = await this.#store.claimStoppedNotice(randomUUID(), 86_400_000).catch(() => true);
    if (!claimed || this.#channel === undefined) return;
    const alert = newAlert(
      "*/*/alerting-stopped",
      "*",
      "*",
      { rule: "alerting-stopped", summary, details: [], value: Math.round((now - since) / 1000) },
      now,
    );
    const message = await this.#notifier?.post(this.#channel, [alert]).catch((error: unknown) => {
      this.#logger?.warn({ err: error }, "the alerting-stopped notice could not be posted");
      return undefined;
    });
    this.#posted = { alert, message };
  }

  async #sayRunningAgain(now: number): Promise<void> {
    this.#stale = false;
    this.#logger?.info("alerting runs again: polls complete on schedule");
    const notice = this.#posted;
    this.#posted = undefined;
    if (notice === undefined) return;
    await this.#store.releaseStoppedNotice().catch(() => undefined);
    if (notice.message === undefined) return;
    await this.#notifier
      ?.update(
        notice.message,
        [{ ...notice.alert, resolvedAt: now }],
        [alertNews.pollsRunAgain(notice.alert, now)],
      )
      .catch((error: unknown) =>
        this.#logger?.warn({ err: error }, "the alerting-stopped notice could not be resolved"),
      );
  }
}
