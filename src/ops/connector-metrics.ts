import { Gauge, type Registry } from "prom-client";
import { minutesBehind, retentionOvertook, totalLag } from "../alerts/connector-sample.js";
import { globMatches } from "../core/glob.js";
import type { ConnectorSample } from "../core/ports.js";
import type { MetricsConfig } from "./metrics-config.js";

/** One connector as the gauges show it. */
interface Shown {
  readonly cluster: string;
  readonly connector: string;
  readonly sample: ConnectorSample;
}

/**
 * Per-connector gauges from each cluster's latest alert poll in this process (docs/operating.md, "Metrics"): state, running
 * and failed tasks, and for sinks lag in records and seconds and the data-loss-risk flag. Only connectors whose
 * name matches `include`, at most `max` over all clusters: the failing first, then the most lagging, then by name,
 * so a cap never hides the connectors a dashboard is opened for; `connect_ops_connector_metrics_omitted` says how
 * many were left out. A cluster polled last longer than `staleAfterMs` ago (another replica polls it now) shows
 * nothing here: each series comes from the replica that polls its cluster.
 */
export class ConnectorMetrics {
  readonly #latest = new Map<
    string,
    { readonly at: number; readonly samples: ReadonlyMap<string, ConnectorSample> }
  >();
  readonly #config: MetricsConfig["connectors"];
  readonly #staleAfterMs: number;
  readonly #now: () => number;

  constructor(options: {
    readonly registry: Registry;
    readonly config: MetricsConfig["connectors"];
    /** A cluster's samples older than this (ms) are no longer shown. */
    readonly staleAfterMs: number;
    readonly now?: () => number;
  }) {
    this.#config = options.config;
    this.#staleAfterMs = options.staleAfterMs;
    this.#now = options.now ?? Date.now;
    const shown = () => this.#shown();
    const perConnector = (
      name: string,
      help: string,
      value: (sample: ConnectorSample) => number | undefined,
    ) =>
      new Gauge({
        name,
        help,
        labelNames: ["cluster", "connector"] as const,
        registers: [options.registry],
        collect() {
          this.reset();
          for (const { cluster, connector, sample } of shown().connectors) {
            const measured = value(sample);
            if (measured !== undefined) this.set({ cluster, connector }, measured);
          }
        },
      });
    new Gauge({
      name: "connect_ops_connector_state",
      help: "1 for each connector, labelled with its state (RUNNING, PAUSED, STOPPED, FAILED, UNASSIGNED, RESTARTING) and type, as the latest alert poll saw it",
      labelNames: ["cluster", "connector", "type", "state"] as const,
      registers: [options.registry],
      collect() {
        this.reset();
        for (const { cluster, connector, sample } of shown().connectors)
          this.set({ cluster, connector, type: sample.type, state: sample.state }, 1);
      },
    });
    perConnector(
      "connect_ops_connector_tasks_running",
      "The connector's tasks in state RUNNING at the latest alert poll",
      (sample) => sample.tasks.filter((task) => task.state === "RUNNING").length,
    );
    perConnector(
      "connect_ops_connector_tasks_failed",
      "The connector's tasks in state FAILED at the latest alert poll",
      (sample) => sample.tasks.filter((task) => task.state === "FAILED").length,
    );
    perConnector(
      "connect_ops_sink_lag_records",
      "Records a sink connector has still to read, over all its partitions (when its lag could be read)",
      (sample) => (sample.partitions === undefined ? undefined : totalLag(sample.partitions)),
    );
    perConnector(
      "connect_ops_sink_lag_seconds",
      "Age in seconds of the oldest record a sink has still to read; 0 when it has none (when it could be read)",
      (sample) => {
        if (sample.partitions === undefined) return undefined;
        if (totalLag(sample.partitions) === 0) return 0;
        const minutes = minutesBehind(sample);
        return minutes === undefined ? undefined : minutes * 60;
      },
    );
    perConnector(
      "connect_ops_sink_data_loss_risk",
      "1 when retention deleted records a sink had not read (a committed offset below its partition's log start), else 0",
      (sample) =>
        sample.partitions === undefined ? undefined : sample.partitions.some(retentionOvertook) ? 1 : 0,
    );
    new Gauge({
      name: "connect_ops_connector_metrics_omitted",
      help: "Connectors matching metrics.connectors.include left out of the per-connector series by metrics.connectors.max",
      registers: [options.registry],
      collect() {
        this.set(shown().omitted);
      },
    });
  }

  /** Keeps a cluster's samples from its latest poll (called after each poll this process runs). */
  observe(cluster: string, samples: ReadonlyMap<string, ConnectorSample>): void {
    this.#latest.set(cluster, { at: this.#now(), samples });
  }

  #shown(): { readonly connectors: readonly Shown[]; readonly omitted: number } {
    const { include, max } = this.#config;
    const now = this.#now();
    const all: Shown[] = [];
    for (const [cluster, { at, samples }] of this.#latest) {
      if (now - at > this.#staleAfterMs) continue;
      for (const [connector, sample] of samples)
        if (include !== "" && globMatches(include, connector)) all.push({ cluster, connector, sample });
    }
    if (all.length <= max) return { connectors: all, omitted: 0 };
    const ranked = all
      .map((shown) => ({ shown, trouble: trouble(shown.sample) }))
      .sort(
        (a, b) =>
          a.trouble.rank - b.trouble.rank ||
          b.trouble.lag - a.trouble.lag ||
          a.shown.cluster.localeCompare(b.shown.cluster) ||
          a.shown.connector.localeCompare(b.shown.connector),
      );
    return { connectors: ranked.slice(0, max).map(({ shown }) => shown), omitted: all.length - max };
  }
}

/** 0: failed (connector or a task), 1: not running, 2: running; and its lag, for the order under a cap. */
function trouble(sample: ConnectorSample): { readonly rank: number; readonly lag: number } {
  const failed = sample.state === "FAILED" || sample.tasks.some((task) => task.state === "FAILED");
  const rank = failed ? 0 : sample.state === "RUNNING" ? 2 : 1;
  return { rank, lag: sample.partitions === undefined ? 0 : totalLag(sample.partitions) };
}
