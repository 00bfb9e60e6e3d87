import type { Logger } from "pino";
import type { Alert, AlertStore } from "./alert-store.js";

/**
 * This process's copy of the firing alerts. When Redis loses them (a flush, a failover to an empty replica, an
 * eviction: AlertStore.stateEpoch changes) they are put back, so that alerts already in the channel still resolve
 * in their own messages instead of staying FIRING forever or being posted twice.
 */
export class FiringCopy {
  readonly #store: AlertStore;
  readonly #clusters: readonly string[];
  readonly #logger: Logger | undefined;
  readonly #alerts = new Map<string, Map<string, Alert>>();
  /** The alert state's id when this process last copied it. */
  #epoch: string | undefined;

  constructor(store: AlertStore, clusters: readonly string[], logger?: Logger) {
    this.#store = store;
    this.#clusters = clusters;
    this.#logger = logger;
  }

  /**
   * Puts back what Redis lost since the last call, then copies what fires now on `clusters` (default: every
   * cluster; a poll of one cluster refreshes that one). Throws when Redis does.
   */
  async refresh(clusters: readonly string[] = this.#clusters): Promise<void> {
    const epoch = await this.#store.stateEpoch();
    if (this.#epoch !== undefined && epoch !== this.#epoch) {
      const lost = [...this.#alerts.values()].flatMap((alerts) => [...alerts.values()]);
      for (const alert of lost) await this.#store.restoreFiring(alert);
      this.#logger?.warn(
        { restored: lost.length },
        "Redis lost the alert state: firing alerts put back from this process's copy",
      );
    }
    this.#epoch = epoch;
    for (const cluster of clusters) this.#alerts.set(cluster, await this.#store.firing(cluster));
  }

  /** Keeps the copy in step with what this process writes, so an alert saved just before a loss is not lost. */
  keep(alert: Alert): void {
    const alerts = this.#alerts.get(alert.cluster) ?? new Map<string, Alert>();
    alerts.set(alert.key, alert);
    this.#alerts.set(alert.cluster, alerts);
  }

  forget(alert: Alert): void {
    this.#alerts.get(alert.cluster)?.delete(alert.key);
  }
}
