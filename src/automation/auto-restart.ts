import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { AuditLog } from "../core/audit-log.js";
import type { Clock } from "../core/clock.js";
import { formatDuration } from "../core/duration.js";
import { globMatches } from "../core/glob.js";
import { hasCode } from "../core/has-code.js";
import type { ConnectorSample } from "../core/ports.js";
import { poll } from "../core/retry.js";
import { RedisKeys } from "../redis-keys.js";
import type { AutomationConfig } from "./automation-config.js";
import type { AutomationJob, AutomationQueue } from "./automation-queue.js";
import { classifyTrace, type TraceClass, verdictWords } from "./trace-classes.js";

type RestartPolicy = AutomationConfig["autoRestart"][number];
type RestartJob = Extract<AutomationJob, { kind: "restart" }>;

/** What a restart needs of a cluster's Connect client. */
export interface RestartConnect {
  status(
    name: string,
    options: { readonly requestId?: string },
  ): Promise<{
    readonly connector: { readonly state: string; readonly trace?: string | undefined };
    readonly tasks: readonly {
      readonly id: number;
      readonly state: string;
      readonly trace?: string | undefined;
    }[];
  }>;
  restart(
    name: string,
    restart: { readonly includeTasks?: boolean; readonly onlyFailed?: boolean },
    options: { readonly requestId?: string },
  ): Promise<unknown>;
}

export interface AutoRestartOptions {
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly config: AutomationConfig;
  readonly queue: Pick<AutomationQueue, "schedule">;
  readonly connectOf: (cluster: string) => RestartConnect | undefined;
  /** Says a line in the thread of the connector's failure alert. */
  readonly tell: (cluster: string, connector: string, news: string) => Promise<void>;
  readonly audit: AuditLog;
  /** Why the connector is held (an approved change, a maintenance window), or undefined when it is not. */
  readonly heldBy: (cluster: string, connector: string) => Promise<string | undefined>;
  readonly now: Clock;
}

/** The bot as the audit trail names it when it acts by itself. */
const bot = { actorId: "connect-ops", actorName: "connect-ops", source: "system" } as const;
const stateTtlSeconds = 86_400;
/**
 * How long a restart is watched for Connect to act on it. Connect answers a restart with 202 and acts later (the
 * leader writes the request to the config topic, the worker reads it back, stops the task, writes RESTARTING):
 * until then its status still shows the old FAILED, which says nothing of whether the restart held. A task that
 * fails again at once is seldom seen out of FAILED (RESTARTING and the new FAILED are written moments apart), so
 * its watch lasts all of this: judging a few seconds late is the price of never judging a status Connect has not
 * updated yet (a CI run on a loaded machine said "gave up" right after a restart that held).
 */
const settleMs = 6_000;
/** A restart whose watch never ended (its bot was killed) stops holding the judgement after this long. */
const inFlightMs = 30_000;

/**
 * Auto-restart, opted in per connector pattern (`automation.autoRestart`). At each alert poll, a connector whose
 * connector or tasks are FAILED has its traces classified (trace-classes.ts): a persistent failure is never
 * restarted and its alert thread says why; a transient one gets a restart of the failed parts as a BullMQ delayed
 * job after the backoff (first wait × factor^(attempt − 1), capped), each attempt told in the alert's thread and
 * audited. The count only resets after `healthyFor` healthy: a task failing again sooner is a failed attempt, and
 * when the attempts are spent the thread says the failure is a human's. Nothing restarts while an approved change
 * or a maintenance window holds the connector.
 */
export class AutoRestart {
  readonly #options: AutoRestartOptions;
  readonly #keys: RedisKeys;

  constructor(options: AutoRestartOptions) {
    this.#options = options;
    this.#keys = new RedisKeys(options.keyPrefix);
  }

  /** The policy for a connector: the first `autoRestart` entry whose globs match, or none (not opted in). */
  policyOf(cluster: string, connector: string): RestartPolicy | undefined {
    return this.#options.config.autoRestart.find(
      (entry) => globMatches(entry.cluster, cluster) && globMatches(entry.connector, connector),
    );
  }

  /** The class of a failed connector's traces: persistent if any failed part's is, else the first part's. */
  classify(sample: Pick<ConnectorSample, "state" | "trace" | "tasks">): TraceClass | undefined {
    const traces = [
      ...(sample.state === "FAILED" ? [sample.trace] : []),
      ...sample.tasks.filter((task) => task.state === "FAILED").map((task) => task.trace),
    ];
    if (traces.length === 0) return undefined;
    const classes = traces.map((trace) => classifyTrace(trace, this.#options.config.traceRules));
    return (
      classes.find((found) => found.verdict === "persistent") ??
      classes.find((found) => found.verdict === "unknown") ??
      classes[0]
    );
  }

  /**
   * Called after each alert poll of a cluster with its samples (the poll runs on one replica at a time), read from
   * Connect at some moment after `readFrom` (epoch ms).
   */
  async afterPoll(
    cluster: string,
    samples: ReadonlyMap<string, ConnectorSample>,
    readFrom: number,
  ): Promise<void> {
    for (const [connector, sample] of samples) {
      const policy = this.policyOf(cluster, connector);
      if (policy !== undefined) await this.#consider(cluster, connector, sample, readFrom, policy);
    }
  }

  async #consider(
    cluster: string,
    connector: string,
    sample: ConnectorSample,
    readFrom: number,
    policy: RestartPolicy,
  ): Promise<void> {
    const key = this.#keys.autoRestart(cluster, connector);
    const state = await this.#state(key);
    // A poll that began reading before the last restart took effect may have seen the failure that restart
    // answered: it says nothing of whether the restart held, so only a later poll judges it.
    if (state.judgeFrom >= readFrom) return;
    const found = this.classify(sample);
    if (found === undefined) {
      // Healthy: a stretch of `healthyFor` since the last restart ends the episode.
      if (state.attempts > 0 && this.#options.now() - state.lastRestartAt >= policy.healthyFor) {
        await this.#options.redis
          .multi()
          .hset(key, { attempts: 0, lastRestartAt: 0, judgeFrom: 0, told: "", episode: state.episode + 1 })
          .expire(key, stateTtlSeconds)
          .exec();
      } else if (state.told !== "" && state.attempts === 0) {
        await this.#options.redis.hset(key, "told", "");
      }
      return;
    }
    if (sample.underApprovedOperation || (await this.#options.heldBy(cluster, connector)) !== undefined)
      return;
    const told = `${state.episode}:${state.attempts}:${found.verdict}:${found.why}`;
    if (found.verdict !== "transient") {
      if (state.told !== told) {
        await this.#setTold(key, told);
        await this.#options.tell(cluster, connector, `Auto-restart: ${verdictWords(found)}.`);
      }
      return;
    }
    if (state.attempts >= policy.attempts) {
      if (state.told !== told) {
        await this.#setTold(key, told);
        await this.#options.tell(
          cluster,
          connector,
          `Auto-restart gave up: ${state.attempts} attempt(s) in ${formatDuration(this.#options.now() - state.firstRestartAt)} did not keep it running (${found.why}). It is a human's now: the Restart button or \`restart ${connector} --failed-only\`.`,
        );
      }
      return;
    }
    const attempt = state.attempts + 1;
    const delayMs = Math.min(
      policy.backoff.cap,
      policy.backoff.first * policy.backoff.factor ** state.attempts,
    );
    const job: RestartJob = { kind: "restart", cluster, connector, attempt, episode: state.episode };
    const added = await this.#options.queue.schedule(restartJobId(job), job, delayMs);
    if (added) {
      await this.#setTold(key, told);
      await this.#options.tell(
        cluster,
        connector,
        `Auto-restart ${attempt} of ${policy.attempts} in ${formatDuration(delayMs)}: ${verdictWords(found)}.`,
      );
    }
  }

  /**
   * A restart attempt whose backoff ran out. It acts once (the attempt number is claimed in Redis), and only on
   * what is still FAILED, transient, and not held.
   */
  async run(job: RestartJob): Promise<void> {
    const { cluster, connector, attempt } = job;
    const connect = this.#options.connectOf(cluster);
    const policy = this.policyOf(cluster, connector);
    if (connect === undefined || policy === undefined) return;
    const requestId = `auto-restart-${restartJobId(job)}`;
    const status = await connect.status(connector, { requestId }).catch(() => undefined);
    if (status === undefined) return;
    const sample = {
      state: status.connector.state as ConnectorSample["state"],
      trace: status.connector.trace,
      tasks: status.tasks.map((task) => ({ ...task, state: task.state as ConnectorSample["state"] })),
    };
    const found = this.classify(sample);
    if (found?.verdict !== "transient") return;
    const held = await this.#options.heldBy(cluster, connector);
    if (held !== undefined) {
      await this.#options.tell(cluster, connector, `Auto-restart ${attempt} not done: ${held} holds it.`);
      return;
    }
    const key = this.#keys.autoRestart(cluster, connector);
    if (!(await this.#claim(key, job))) return;
    const failed = [
      ...(sample.state === "FAILED" ? ["the connector"] : []),
      ...sample.tasks.filter((task) => task.state === "FAILED").map((task) => `task ${task.id}`),
    ];
    const started = this.#options.now();
    let outcome: "succeeded" | "failed" = "succeeded";
    let detail = `attempt ${attempt} of ${policy.attempts}: ${failed.join(", ")} (${found.why})`;
    try {
      await connect.restart(connector, { includeTasks: true, onlyFailed: true }, { requestId });
      await this.#settle(connect, connector, sample, requestId);
    } catch (error) {
      outcome = "failed";
      detail = `${detail}: ${error instanceof Error ? error.message : String(error)}`;
    }
    await this.#options.redis.hset(key, "judgeFrom", this.#options.now());
    await this.#options.audit.append({
      ...bot,
      cluster,
      connector,
      command: "auto-restart",
      args: `--failed-only (attempt ${attempt} of ${policy.attempts})`,
      outcome,
      detail,
      durationMs: this.#options.now() - started,
      requestId,
    });
    await this.#options.tell(
      cluster,
      connector,
      outcome === "succeeded"
        ? `Auto-restart ${attempt} of ${policy.attempts}: restarted ${failed.join(", ")}. Failing again within ${formatDuration(policy.healthyFor)} counts as a failed attempt.`
        : `Auto-restart ${attempt} of ${policy.attempts} failed: ${detail}.`,
    );
  }

  /**
   * Resolves once Connect shows each part the restart was for out of FAILED at least once (RESTARTING, UNASSIGNED,
   * RUNNING; it may fail again right after, which a later poll then judges), or after {@link settleMs}. A status
   * that cannot be read is tried again; the connector gone ends the watch.
   */
  async #settle(
    connect: RestartConnect,
    connector: string,
    before: Pick<ConnectorSample, "state" | "tasks">,
    requestId: string,
  ): Promise<void> {
    const waiting = new Set([
      ...(before.state === "FAILED" ? ["connector"] : []),
      ...before.tasks.filter((task) => task.state === "FAILED").map((task) => `task ${task.id}`),
    ]);
    await poll(
      async () => {
        const status = await connect
          .status(connector, { requestId })
          .catch((error: unknown) => (hasCode(error, "CONNECT_NOT_FOUND") ? "gone" : undefined));
        if (status === "gone") return true;
        if (status === undefined) return undefined;
        if (status.connector.state !== "FAILED") waiting.delete("connector");
        for (const task of status.tasks) if (task.state !== "FAILED") waiting.delete(`task ${task.id}`);
        return waiting.size === 0 ? true : undefined;
      },
      { backoff: { firstMs: 100, factor: 1.5, maxMs: 1_000 }, deadlineMs: settleMs },
    );
  }

  /** Marks attempt `job.attempt` of its episode made, unless another run made it already. */
  async #claim(key: string, job: RestartJob): Promise<boolean> {
    const claimed = await this.#options.redis.eval(
      `local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
       local episode = tonumber(redis.call('HGET', KEYS[1], 'episode') or '0')
       if attempts ~= tonumber(ARGV[1]) - 1 or episode ~= tonumber(ARGV[2]) then return 0 end
       redis.call('HSET', KEYS[1], 'attempts', ARGV[1], 'lastRestartAt', ARGV[3], 'judgeFrom', ARGV[3] + ARGV[5])
       if attempts == 0 then redis.call('HSET', KEYS[1], 'firstRestartAt', ARGV[3]) end
       redis.call('EXPIRE', KEYS[1], ARGV[4])
       return 1`,
      1,
      key,
      job.attempt,
      job.episode,
      this.#options.now(),
      stateTtlSeconds,
      inFlightMs,
    );
    return claimed === 1;
  }

  async #setTold(key: string, told: string): Promise<void> {
    await this.#options.redis.multi().hset(key, "told", told).expire(key, stateTtlSeconds).exec();
  }

  async #state(key: string): Promise<{
    attempts: number;
    lastRestartAt: number;
    /** Polls that began reading at or before this (epoch ms) say nothing of the last restart. */
    judgeFrom: number;
    firstRestartAt: number;
    episode: number;
    told: string;
  }> {
    const hash = await this.#options.redis.hgetall(key);
    const number = (field: string) => {
      const value = Number(hash[field] ?? 0);
      return Number.isFinite(value) ? value : 0;
    };
    return {
      attempts: number("attempts"),
      lastRestartAt: number("lastRestartAt"),
      judgeFrom: number("judgeFrom"),
      firstRestartAt: number("firstRestartAt"),
      episode: number("episode"),
      told: hash.told ?? "",
    };
  }
}

/** `restart-<hash of cluster and connector>-<episode>-<attempt>`: BullMQ job ids hold no `:`. */
function restartJobId(job: RestartJob): string {
  const place = createHash("sha256")
    .update(JSON.stringify([job.cluster, job.connector]))
    .digest("hex");
  return `restart-${place.slice(0, 24)}-${job.episode}-${job.attempt}`;
}
