import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { timedOut, timeLimit } from "../core/time-limit.js";

/** What the gauges read when Prometheus scrapes: they are counted then, not kept up to date in between. */
export interface MetricSources {
  /** BullMQ job counts per queue (`approvals`, `alerts`), by state. */
  readonly queueCounts: () => Promise<Readonly<Record<string, Readonly<Record<string, number>>>>>;
  /** The states of recent approval requests, one entry per request. */
  readonly approvalStates: () => Promise<readonly string[]>;
  /** Firing alerts, one entry per alert: its cluster and rule. */
  readonly firingAlerts: () => Promise<readonly { readonly cluster: string; readonly rule: string }[]>;
}

const queueStates = ["waiting", "active", "delayed", "failed"] as const;

/**
 * A gauge's source gets this long at scrape time. While Redis is down its reads would wait for the reconnection,
 * and a scrape that times out loses every metric just when they matter; the gauge is left out instead.
 */
const sourceTimeoutMs = 1_000;

async function within<T>(read: (() => Promise<T>) | undefined): Promise<T | undefined> {
  if (read === undefined) return undefined;
  const value = await timeLimit(
    read().catch(() => undefined),
    sourceTimeoutMs,
  );
  return value === timedOut ? undefined : value;
}

/**
 * Every metric the bot exports, in one registry of its own (made here, never at import time, so tests and several
 * apps in one process do not share counters). Names follow Prometheus' conventions
 * (prometheus.io/docs/practices/naming): `connect_ops_` prefix, `_total` for counters, base units (`_seconds`).
 * Label values are bounded: command names, outcomes, states, rule names, error codes, Web API method names.
 */
export class Metrics {
  readonly registry = new Registry();
  /** Commands by name and outcome (succeeded, failed, refused, requested…), as the audit trail records them. */
  readonly commands = new Counter({
    name: "connect_ops_commands_total",
    help: "Commands run, by command name and outcome",
    labelNames: ["command", "outcome"] as const,
    registers: [this.registry],
  });
  readonly commandDuration = new Histogram({
    name: "connect_ops_command_duration_seconds",
    help: "Time from a command's arrival to its answer, by command name",
    labelNames: ["command"] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  /** Transitions of approval requests, counted by the state they entered. */
  readonly approvalRequests = new Counter({
    name: "connect_ops_approval_requests_total",
    help: "Approval requests that entered each state (pending, approved, denied, expired, succeeded…)",
    labelNames: ["state"] as const,
    registers: [this.registry],
  });
  readonly executions = new Counter({
    name: "connect_ops_executions_total",
    help: "Executions of approved requests that ended, by operation kind and outcome",
    labelNames: ["kind", "outcome"] as const,
    registers: [this.registry],
  });
  readonly executionStepDuration = new Histogram({
    name: "connect_ops_execution_step_duration_seconds",
    help: "Time each saved execution step took, by operation kind and step",
    labelNames: ["kind", "step"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly connectRequests = new Counter({
    name: "connect_ops_connect_requests_total",
    help: "HTTP requests to Kafka Connect, by cluster, outcome (ok, error) and error code",
    labelNames: ["cluster", "outcome", "code"] as const,
    registers: [this.registry],
  });
  readonly lagPollDuration = new Histogram({
    name: "connect_ops_lag_poll_duration_seconds",
    help: "Time one alert poll of a cluster took (Connect's states and every sink's lag from Kafka)",
    labelNames: ["cluster"] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly kafkaRequests = new Counter({
    name: "connect_ops_kafka_requests_total",
    help: "Requests sent to Kafka by the lag reader, by cluster and Kafka API",
    labelNames: ["cluster", "api"] as const,
    registers: [this.registry],
  });
  readonly slackApiErrors = new Counter({
    name: "connect_ops_slack_api_errors_total",
    help: "Slack Web API calls that failed, by method and Slack's error code",
    labelNames: ["method", "error"] as const,
    registers: [this.registry],
  });
  readonly slackRateLimited = new Counter({
    name: "connect_ops_slack_rate_limited_total",
    help: "Slack Web API calls answered 429, by method",
    labelNames: ["method"] as const,
    registers: [this.registry],
  });
  readonly slackRateLimitWait = new Counter({
    name: "connect_ops_slack_rate_limit_wait_seconds_total",
    help: "Seconds Slack's Retry-After asked the bot to wait, by method",
    labelNames: ["method"] as const,
    registers: [this.registry],
  });
  readonly slackSocketDisconnects = new Counter({
    name: "connect_ops_slack_socket_disconnects_total",
    help: "Socket Mode connections to Slack that were lost",
    registers: [this.registry],
  });
  /** Each attempt to tell a receiver beyond Slack (Alertmanager, PagerDuty, a webhook), by its outcome. */
  readonly receiverSends = new Counter({
    name: "connect_ops_alert_receiver_sends_total",
    help: "Attempts to deliver alert notices to a receiver beyond Slack, by receiver, type and outcome (ok, failed)",
    labelNames: ["receiver", "type", "outcome"] as const,
    registers: [this.registry],
  });
  readonly receiverDeadLetters = new Counter({
    name: "connect_ops_alert_receiver_dead_letters_total",
    help: "Deliveries to a receiver beyond Slack given up after their last attempt (each one logged), by receiver and type",
    labelNames: ["receiver", "type"] as const,
    registers: [this.registry],
  });
  #sources: MetricSources | undefined;
  #socketDownSince: (() => number | undefined) | undefined;

  /**
   * `processMetrics`: also the process's CPU, memory, event-loop lag and file descriptors (prom-client's default
   * metrics, which sample the event loop every 10 ms): the bot's one registry wants them, a test's apps do not.
   * @defaultValue false. `now`: epoch ms, for the Socket Mode gauge. @defaultValue Date.now
   */
  constructor({
    processMetrics = false,
    now = Date.now,
  }: { readonly processMetrics?: boolean; readonly now?: () => number } = {}) {
    const sources = () => this.#sources;
    new Gauge({
      name: "connect_ops_queue_jobs",
      help: "BullMQ jobs by queue and state (waiting, active, delayed, failed), counted at scrape time",
      labelNames: ["queue", "state"] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const counts = (await within(sources()?.queueCounts)) ?? {};
        for (const [queue, byState] of Object.entries(counts)) {
          for (const state of queueStates) this.set({ queue, state }, byState[state] ?? 0);
        }
      },
    });
    new Gauge({
      name: "connect_ops_approval_requests",
      help: "Recent approval requests (the last 500) by their state now, counted at scrape time",
      labelNames: ["state"] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const state of (await within(sources()?.approvalStates)) ?? []) this.inc({ state });
      },
    });
    new Gauge({
      name: "connect_ops_alerts_firing",
      help: "Alerts firing now, by cluster and rule, counted at scrape time",
      labelNames: ["cluster", "rule"] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const { cluster, rule } of (await within(sources()?.firingAlerts)) ?? [])
          this.inc({ cluster, rule });
      },
    });
    const socketDownSince = () => this.#socketDownSince;
    new Gauge({
      name: "connect_ops_slack_socket_down_seconds",
      help: "How long the Socket Mode connection to Slack has been down (0 while open); absent over HTTP",
      registers: [this.registry],
      collect() {
        const downSince = socketDownSince();
        this.reset();
        if (downSince === undefined) return;
        const since = downSince();
        this.set(since === undefined ? 0 : Math.max(0, (now() - since) / 1000));
      },
    });
    if (processMetrics) collectDefaultMetrics({ register: this.registry, prefix: "connect_ops_" });
  }

  /** Since when (epoch ms) the Socket Mode connection is down; the adapter calls this in Socket Mode. */
  watchSlackSocket(downSince: () => number | undefined): void {
    this.#socketDownSince = downSince;
  }

  /** Where the gauges read from; the app calls this once its queues and alert store exist. */
  readFrom(sources: MetricSources): void {
    this.#sources = sources;
  }

  /** The whole registry in Prometheus' text format, and its content type. */
  async exposition(): Promise<{ readonly contentType: string; readonly text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
