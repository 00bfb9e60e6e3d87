import { pollAge } from "../alerts/poll-freshness.js";
import type { Cluster } from "../cluster.js";
import { cutText } from "../core/cut-text.js";
import { redactText } from "../core/redact.js";
import { timedOut, timeLimit } from "../core/time-limit.js";
import { healthWords, workerHealth } from "../core/worker-health.js";

/** "ok", or why not, in a few words with anything credential-like hidden. */
export type CheckResult = "ok" | { readonly problem: string };

/** The alert poll as readiness sees it; `Alerts` provides it. */
export interface PollFreshness {
  /** Whether this process takes part in polling (only a bot serving Slack polls). */
  readonly polling: boolean;
  /** When a poll last started or ended, on any replica (epoch ms). */
  lastPollAt(): Promise<number | undefined>;
}

export interface ReadinessOptions {
  /** Answers PING, or throws. */
  readonly redis: { ping(): Promise<unknown> };
  readonly approvals: { readonly workerRunning: boolean };
  readonly alerts: PollFreshness;
  readonly pollIntervalMs: number;
  readonly clusters: readonly Cluster[];
  /** Bound on each check; a probe must answer well inside Kubernetes' default 1 s… 5 s timeouts. */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

/**
 * A Socket Mode connection may be lost and come back within moments (Slack recycles them, api.slack.com/apis/
 * socket-mode "Disconnects"); down for longer than this, the replica hears no command, click or event.
 */
export const socketDownAllowedMs = 60_000;

/** What `GET /readyz` answers: `ready`, each check the decision rests on, and each cluster's state (advisory). */
export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Readonly<Record<"redis" | "approvalWorker" | "alertPoll" | "shutdown", CheckResult>> & {
    /** Only in Socket Mode: whether its connection to Slack is open (or was lost less than a minute ago). */
    readonly slackSocket?: CheckResult;
  };
  /** Per cluster: whether Connect's REST API and Kafka answer. These never make the bot unready. */
  readonly clusters: readonly {
    readonly name: string;
    readonly connect: CheckResult;
    readonly kafka: CheckResult;
  }[];
}

/**
 * Readiness depends only on what the bot cannot work without: Redis (every request, decision and audit entry),
 * this process's approval worker, a fresh alert poll (when this process polls), and not shutting down. A Connect
 * cluster or Kafka that does not answer is listed but leaves the bot ready: it still answers every other cluster,
 * and says plainly that this one is down, which an unready pod (taken out of the Service) could not. Slack's Web
 * API failing leaves the bot ready too (messages wait in the outbox); a Socket Mode connection down for over a
 * minute does not, for then no request reaches this replica at all.
 */
export class Readiness {
  readonly #options: ReadinessOptions;
  readonly #since: number;
  #stopping = false;
  #socketDownSince: (() => number | undefined) | undefined;

  constructor(options: ReadinessOptions) {
    this.#options = options;
    this.#since = this.#now();
  }

  /** From now on the bot reports unready (SIGTERM): Kubernetes stops sending it requests. */
  stopping(): void {
    this.#stopping = true;
  }

  get isStopping(): boolean {
    return this.#stopping;
  }

  /** From now on `/readyz` also checks the Socket Mode connection: since when (epoch ms) it has been down. */
  watchSlackSocket(downSince: () => number | undefined): void {
    this.#socketDownSince = downSince;
  }

  async check(): Promise<ReadinessReport> {
    const { redis, approvals, clusters } = this.#options;
    const [redisCheck, alertPoll, clusterChecks] = await Promise.all([
      this.#bounded(() => redis.ping()),
      this.#alertPoll(),
      Promise.all(
        clusters.map(async (cluster) => {
          const [connect, kafka] = await Promise.all([
            this.#bounded((signal) => connectCheck(cluster.connect, signal, this.#timeoutMs() - 250)),
            this.#bounded(() => cluster.lag.ping()),
          ]);
          return { name: cluster.name, connect, kafka };
        }),
      ),
    ]);
    const checks = {
      redis: redisCheck,
      approvalWorker: approvals.workerRunning ? "ok" : { problem: "the approval worker is not running" },
      alertPoll,
      shutdown: this.#stopping ? { problem: "shutting down" } : "ok",
      ...(this.#socketDownSince === undefined
        ? {}
        : { slackSocket: this.#slackSocket(this.#socketDownSince()) }),
    } as const;
    return {
      ready: Object.values(checks).every((check) => check === "ok"),
      checks,
      clusters: clusterChecks,
    };
  }

  /** Stale by the rule the "alerting has stopped" notice uses too (poll-freshness.ts): a lost scheduler, a stuck worker. */
  async #alertPoll(): Promise<CheckResult> {
    const { alerts, pollIntervalMs } = this.#options;
    if (!alerts.polling) return "ok";
    let lastPollAt: number | undefined;
    const read = await this.#bounded(async () => {
      lastPollAt = await alerts.lastPollAt();
    });
    if (read !== "ok") return read;
    const { fresh, ageMs, staleAfterMs } = pollAge({
      lastPollAt,
      watchingSince: this.#since,
      now: this.#now(),
      pollIntervalMs,
    });
    return fresh
      ? "ok"
      : {
          problem: `no alert poll ended for ${Math.round(ageMs / 1000)} s (allowed ${staleAfterMs / 1000} s)`,
        };
  }

  #timeoutMs(): number {
    return this.#options.timeoutMs ?? 2_000;
  }

  #slackSocket(downSince: number | undefined): CheckResult {
    const downMs = downSince === undefined ? 0 : this.#now() - downSince;
    if (downMs <= socketDownAllowedMs) return "ok";
    return {
      problem: `the Socket Mode connection to Slack has been down for ${Math.round(downMs / 1000)} s (since ${new Date(downSince ?? 0).toISOString()}): no command, click or event reaches this replica`,
    };
  }

  async #bounded(check: (signal: AbortSignal) => Promise<unknown>): Promise<CheckResult> {
    const timeoutMs = this.#timeoutMs();
    const answered = check(AbortSignal.timeout(timeoutMs)).then(
      (): CheckResult => "ok",
      (error: unknown): CheckResult => ({
        problem: cutText(redactText(error instanceof Error ? error.message : String(error)), 300),
      }),
    );
    const result = await timeLimit(answered, timeoutMs);
    return result === timedOut ? { problem: `no answer within ${timeoutMs} ms` } : result;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}

/**
 * Connect as readiness lists it, in the words of the Connect-unreachable alert: not answering, or answering but
 * starting or unhealthy by its own `GET /health` (KIP-1017). A worker holds that request for up to 10 s while
 * starting or unhealthy, so no verdict within `withinMs` (ms) is listed as such. Throws the problem in words.
 */
async function connectCheck(
  connect: Cluster["connect"],
  signal: AbortSignal,
  withinMs: number,
): Promise<void> {
  try {
    await connect.workerInfo({ signal });
  } catch (error) {
    throw new Error(`not answering: ${error instanceof Error ? error.message : String(error)}`);
  }
  const verdict = await timeLimit(workerHealth(connect, { signal }), withinMs);
  if (verdict === timedOut) {
    throw new Error(
      `answering, but GET /health gave no verdict within ${withinMs} ms (a worker holds it while starting or unhealthy)`,
    );
  }
  if (verdict.kind === "unhealthy") throw new Error(`answering, but ${healthWords(verdict)}`);
}
