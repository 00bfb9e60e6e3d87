import { randomUUID } from "node:crypto";
import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { type AlertRoute, type AlertsConfig, longestAlertWindowMs, maxAlertSamples } from "../config.js";
import type { ClusterHandle } from "../core/cluster-handle.js";
import { formatDuration } from "../core/duration.js";
import { timeLimit } from "../core/time-limit.js";
import { RedisKeys } from "../redis-keys.js";
import {
  type AlertRule,
  type ConnectorSample,
  evaluateConnector,
  type Finding,
  thresholdsFor,
} from "./alert-rules.js";
import {
  type Alert,
  AlertStore,
  isSilenced,
  type MessageRef,
  type Silence,
  type Snooze,
} from "./alert-store.js";
import { collectSamples } from "./collect-samples.js";
import { globMatches } from "./glob.js";

/** Where alerts are shown: the Slack adapter posts and edits messages. */
export interface AlertNotifier {
  /** Posts alerts that started together as one message; undefined when nothing was posted. */
  post(channel: string, alerts: readonly Alert[]): Promise<MessageRef | undefined>;
  /** Draws the message again from all its alerts; each line of `news` goes into its thread. */
  update(message: MessageRef, alerts: readonly Alert[], news: readonly string[]): Promise<void>;
}

export interface AlertsOptions {
  /** Redis for BullMQ: a connection of its own, with maxRetriesPerRequest null. */
  readonly connection: Redis;
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly clusters: readonly ClusterHandle[];
  readonly config: AlertsConfig;
  readonly notifier?: AlertNotifier;
  /** Connectors whose halt an approved request explains, per cluster (see Approvals.explainedHalts). */
  readonly explainedHalts: (cluster: string) => Promise<ReadonlyMap<string, "operating" | "stopped">>;
  readonly now?: () => number;
  readonly logger?: Logger;
  /** Told how long each cluster's part of a poll took, in seconds (metrics). */
  readonly onClusterPolled?: (cluster: string, seconds: number) => void;
  /** Told when the queue or worker loses Redis (they reconnect by themselves); without it, a warning a minute. */
  readonly onConnectionError?: (error: Error) => void;
}

export interface Person {
  readonly id: string;
  readonly name: string;
}

const queueName = "alerts";
/** With their traces, more alerts than this would crowd a message past Slack's limits; the rest go into another. */
const alertsPerMessage = 5;
const ruleNames: Readonly<Record<AlertRule, string>> = {
  "lag-high": "lag high",
  stalled: "stalled",
  "falling-behind": "falling behind",
  "task-failed": "task failed",
  "connector-failed": "connector failed",
  "unexpected-pause": "unexpectedly halted",
  "data-loss-risk": "data-loss risk",
  "connect-unreachable": "Connect unreachable",
  "alerting-stopped": "alerting has stopped",
};

export function ruleName(rule: AlertRule): string {
  return ruleNames[rule];
}

/** Polls missed before the bot says alerting has stopped. */
const missedPollsBeforeNotice = 3;

/**
 * Whether alert polls are running, for a readiness probe: `watching` once `start()` ran in this process, `fresh`
 * while some replica started or completed a poll within the last three intervals (`staleAfterMs`). A poll that
 * runs longer than that counts as stopped, as does one that never comes.
 */
export interface PollFreshness {
  readonly watching: boolean;
  readonly fresh: boolean;
  /** ms epoch of the newest poll start or completion this process knows of (its own, or another replica's). */
  readonly lastPollAt?: number;
  readonly staleAfterMs: number;
}

/** The changes one poll makes to one message. */
interface MessageChange {
  readonly message: MessageRef;
  readonly alerts: Alert[];
  readonly news: string[];
}

/**
 * Polls every cluster on a BullMQ job scheduler (so several replicas poll once, not once each), runs the rules
 * on each connector's recent samples, and keeps one Slack message per group of alerts up to date: posted when they
 * start, edited as they change (with thread replies for real news), edited to resolved when they clear.
 */
declare module "../core/ports.js" {
  /** What commands may do with alerts. */
  interface CommandServices {
    readonly alerts: Pick<
      Alerts,
      "firing" | "silences" | "history" | "acknowledge" | "snooze" | "unsnooze" | "silence"
    >;
  }
}

export class Alerts {
  readonly store: AlertStore;
  readonly #options: AlertsOptions;
  readonly #queue: Queue;
  #worker: Worker | undefined;
  #lastConnectionError = 0;
  #watchdog: NodeJS.Timeout | undefined;
  #startedAt: number | undefined;
  #lastPollAt: number | undefined;
  #stale = false;
  /** The "alerting has stopped" message this process posted, until polls run again. */
  #stoppedNotice: { readonly alert: Alert; readonly message: MessageRef | undefined } | undefined;
  /** The firing alerts as last read from Redis, per cluster: restored if Redis loses its data. */
  #firingCopy = new Map<string, Map<string, Alert>>();
  /** The alert state's id when this process last copied it (see AlertStore.stateEpoch). */
  #stateEpoch: string | undefined;

  constructor(options: AlertsOptions) {
    this.#options = options;
    this.store = new AlertStore(options.redis, options.keyPrefix);
    this.#queue = new Queue(queueName, {
      connection: options.connection,
      prefix: new RedisKeys(options.keyPrefix).bullPrefix,
    });
    this.#queue.on("error", (error) => this.#connectionError(error));
  }

  /** Queue and worker reconnect by themselves; one line a minute says Redis is away while it is. */
  #connectionError(error: Error): void {
    if (this.#options.onConnectionError !== undefined) {
      this.#options.onConnectionError(error);
      return;
    }
    const now = Date.now();
    if (now - this.#lastConnectionError < 60_000) return;
    this.#lastConnectionError = now;
    this.#options.logger?.warn({ err: error }, "alerts: Redis connection error (reconnecting)");
  }

  /**
   * Starts polling on the configured interval; every replica may call this: the scheduler is shared. A watchdog
   * then checks every interval that the schedule still exists (Redis may have lost it: a flush, a failover to an
   * empty replica) and re-creates it, restores firing alerts Redis lost, and says so when no poll has completed
   * for three intervals.
   */
  async start(): Promise<void> {
    this.#startedAt ??= this.#now();
    await this.#assertSchedule();
    this.#worker ??= new Worker(queueName, () => this.poll(), {
      connection: this.#options.connection,
      prefix: new RedisKeys(this.#options.keyPrefix).bullPrefix,
      concurrency: 1,
    });
    this.#worker.on("error", (error) => this.#connectionError(error));
    this.#worker.on("failed", (_job, error) =>
      this.#options.logger?.warn({ err: error }, "alert poll failed"),
    );
    this.#watchdog ??= setInterval(
      () =>
        void this.#watch().catch((error: unknown) =>
          this.#options.logger?.warn({ err: error }, "alert watchdog failed"),
        ),
      this.#options.config.pollIntervalMs,
    );
  }

  /** Whether this process polls: `start` was called and its worker runs. */
  get polling(): boolean {
    return this.#worker?.isRunning() === true;
  }

  /** When a poll last started or ended a cluster, on any replica (epoch ms), or undefined if none has yet. */
  lastPollAt(): Promise<number | undefined> {
    return this.store.lastPollActivity();
  }

  /** The alerts queue's jobs by state (the poll scheduler's next run is delayed). */
  jobCounts(): Promise<Record<string, number>> {
    return this.#queue.getJobCounts("waiting", "active", "delayed", "failed");
  }

  /** See `PollFreshness`; synchronous, so a readiness probe never waits on Redis. */
  pollFreshness(): PollFreshness {
    const staleAfterMs = missedPollsBeforeNotice * this.#options.config.pollIntervalMs;
    const since = this.#lastPollAt ?? this.#startedAt;
    return {
      watching: this.#startedAt !== undefined,
      fresh: since !== undefined && this.#now() - since <= staleAfterMs,
      ...(this.#lastPollAt === undefined ? {} : { lastPollAt: this.#lastPollAt }),
      staleAfterMs,
    };
  }

  /** Stops polling at once, and waits up to `drainMs` for a running poll to end (and release its claim). */
  async close({ drainMs = 20_000 }: { readonly drainMs?: number } = {}): Promise<void> {
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
    if (this.#worker !== undefined) await timeLimit(this.#worker.close(), drainMs);
    await this.#queue.close();
  }

  /** Creates the poll schedule when it is missing; an existing one is left alone, so its next run keeps its time. */
  async #assertSchedule(): Promise<void> {
    if ((await this.#queue.getJobScheduler("poll")) !== undefined) return;
    if (this.#startedAt !== undefined && this.#worker !== undefined) {
      this.#options.logger?.warn("the alert poll schedule was gone from Redis (data lost?): created again");
    }
    await this.#queue.upsertJobScheduler(
      "poll",
      { every: this.#options.config.pollIntervalMs },
      { name: "poll", opts: { removeOnComplete: 10, removeOnFail: 50 } },
    );
  }

  /** Runs every interval in each process that started alerting. */
  async #watch(): Promise<void> {
    await this.#assertSchedule().catch((error: unknown) =>
      this.#options.logger?.warn({ err: error }, "the alert poll schedule could not be checked"),
    );
    await this.#keepFiringCopy().catch(() => undefined);
    const shared = await this.store.lastPollActivity().catch(() => undefined);
    if (shared !== undefined && shared > (this.#lastPollAt ?? 0)) this.#lastPollAt = shared;
    const freshness = this.pollFreshness();
    if (!freshness.fresh && !this.#stale) await this.#sayStopped(freshness);
    else if (freshness.fresh && this.#stale) await this.#sayRunningAgain();
  }

  async #sayStopped(freshness: PollFreshness): Promise<void> {
    this.#stale = true;
    const now = this.#now();
    const since = freshness.lastPollAt ?? this.#startedAt ?? now;
    const summary = `no alert poll has completed for ${formatDuration(now - since)} (polls every ${formatDuration(this.#options.config.pollIntervalMs)}): lag and failures are not being watched`;
    this.#options.logger?.error(
      { lastPollAt: freshness.lastPollAt, staleAfterMs: freshness.staleAfterMs },
      `alerting has stopped: ${summary}`,
    );
    // One replica tells the channel; if Redis cannot even be asked, each says it rather than none.
    const claimed = await this.store.claimStoppedNotice(randomUUID(), 86_400_000).catch(() => true);
    const channel = this.#options.config.channel;
    if (!claimed || channel === undefined) return;
    const alert = started(
      "*/*/alerting-stopped",
      "*",
      "*",
      {
        rule: "alerting-stopped",
        summary,
        details: [],
        value: Math.round((now - since) / 1000),
      },
      now,
    );
    const message = await this.#options.notifier?.post(channel, [alert]).catch((error: unknown) => {
      this.#options.logger?.warn({ err: error }, "the alerting-stopped notice could not be posted");
      return undefined;
    });
    this.#stoppedNotice = { alert, message };
  }

  async #sayRunningAgain(): Promise<void> {
    this.#stale = false;
    const now = this.#now();
    this.#options.logger?.info("alerting runs again: polls complete on schedule");
    const notice = this.#stoppedNotice;
    this.#stoppedNotice = undefined;
    if (notice === undefined) return;
    await this.store.releaseStoppedNotice().catch(() => undefined);
    if (notice.message === undefined) return;
    await this.#options.notifier
      ?.update(
        notice.message,
        [{ ...notice.alert, resolvedAt: now }],
        [`Alert polls run again, after ${formatDuration(now - notice.alert.firedAt)} without.`],
      )
      .catch((error: unknown) =>
        this.#options.logger?.warn({ err: error }, "the alerting-stopped notice could not be resolved"),
      );
  }

  /**
   * Keeps a copy of the firing alerts; when Redis has lost them, puts them back, so that alerts already in the
   * channel still resolve instead of staying FIRING forever (and are not posted twice).
   */
  async #keepFiringCopy(): Promise<void> {
    const epoch = await this.store.stateEpoch();
    if (this.#stateEpoch !== undefined && epoch !== this.#stateEpoch) {
      const lost = [...this.#firingCopy.values()].flatMap((alerts) => [...alerts.values()]);
      for (const alert of lost) await this.store.restoreFiring(alert);
      this.#options.logger?.warn(
        { restored: lost.length },
        "Redis lost the alert state: firing alerts put back from this process's copy",
      );
    }
    this.#stateEpoch = epoch;
    for (const cluster of this.#options.clusters)
      this.#firingCopy.set(cluster.name, await this.store.firing(cluster.name));
  }

  /** Keeps this process's copy in step with what it writes, so an alert saved just before a loss is not lost. */
  #copy(alert: Alert): void {
    const alerts = this.#firingCopy.get(alert.cluster) ?? new Map<string, Alert>();
    alerts.set(alert.key, alert);
    this.#firingCopy.set(alert.cluster, alerts);
  }

  /** One poll of every cluster; skipped when another replica's poll still runs. */
  async poll(): Promise<void> {
    const holder = randomUUID();
    const claimMs = Math.max(60_000, this.#options.config.pollIntervalMs * 4);
    if (!(await this.store.claimPoll(holder, claimMs))) return;
    const renewal = setInterval(
      () => void this.store.renewPoll(holder, claimMs).catch(() => undefined),
      claimMs / 3,
    );
    try {
      this.#lastPollAt = this.#now();
      await this.store.notePollActivity(this.#lastPollAt);
      await this.#keepFiringCopy();
      for (const cluster of this.#options.clusters) {
        const started = performance.now();
        await this.#pollCluster(cluster).catch((error: unknown) =>
          this.#options.logger?.warn({ err: error, cluster: cluster.name }, "alert poll of a cluster failed"),
        );
        this.#options.onClusterPolled?.(cluster.name, (performance.now() - started) / 1000);
        // Each cluster done is progress: a poll over many clusters is not taken for a stopped one.
        this.#lastPollAt = this.#now();
        await this.store.notePollActivity(this.#lastPollAt);
      }
      await this.#keepFiringCopy();
    } finally {
      clearInterval(renewal);
      await this.store.releasePoll(holder);
    }
  }

  async #pollCluster(cluster: ClusterHandle): Promise<void> {
    const { config } = this.#options;
    const explained = await this.#options.explainedHalts(cluster.name);
    const collected = await collectSamples(cluster, explained, () => this.#now()).catch((error: unknown) =>
      error instanceof Error ? error : new Error(String(error)),
    );
    const now = this.#now();
    const firing = await this.store.firing(cluster.name);
    const unreachableKey = `${cluster.name}/*/connect-unreachable`;
    const failures = await this.store.countUnreachable(cluster.name, !(collected instanceof Error));
    if (collected instanceof Error) {
      // One failed poll can be a blip; two in a row are news. Nothing else is judged without samples.
      if (failures >= 2 && !firing.has(unreachableKey)) {
        const finding: Finding = {
          rule: "connect-unreachable",
          summary: `Connect does not answer: ${collected.message}`,
          details: [],
          value: failures,
        };
        const alert = started(unreachableKey, cluster.name, "*", finding, now);
        await this.store.saveFiring(alert);
        this.#copy(alert);
        const channel = routeOf(config.routes, cluster.name, "*") ?? config.channel;
        if (channel !== undefined) await this.#post(channel, [alert]);
      }
      return;
    }
    const samples = collected;
    const silences = await this.store.silences(now);
    const keep = historyLength(config);
    const histories = await this.store.recordSamples(cluster.name, samples, keep);
    const snoozes = await this.store.snoozes(cluster.name, [...samples.keys()]);
    const toPost = new Map<string, Alert[]>();
    const changes = new Map<string, MessageChange>();
    const change = (alert: Alert, news?: string) => {
      if (alert.message === undefined) return;
      const id = `${alert.message.channel}:${alert.message.ts}`;
      const entry = changes.get(id) ?? { message: alert.message, alerts: [], news: [] };
      entry.alerts.push(alert);
      if (news !== undefined) entry.news.push(news);
      changes.set(id, entry);
    };

    for (const [connector, sample] of samples) {
      const history = histories.get(connector) ?? [sample];
      const mine = [...firing.values()].filter((alert) => alert.connector === connector);
      const findings = evaluateConnector(
        connector,
        history,
        thresholdsFor(connector, config.thresholds, config.overrides),
        new Set(mine.map((alert) => alert.rule)),
      );
      // Snoozed connectors and silenced patterns keep their alerts, but nobody is told.
      const quiet =
        isSilenced(silences, cluster.name, connector) !== undefined ||
        (snoozes.get(connector)?.until ?? 0) > now;
      for (const finding of findings) {
        const key = `${cluster.name}/${connector}/${finding.rule}`;
        const before = firing.get(key);
        let news: string | undefined;
        const fresh = { summary: finding.summary, details: [...finding.details], value: finding.value };
        const told =
          before === undefined
            ? started(key, cluster.name, connector, finding, now)
            : await this.store.updateFiring(cluster.name, key, (latest) => {
                const updated = { ...(latest ?? before), ...fresh };
                news = quiet ? undefined : this.#newsOf(updated, now);
                return news === undefined
                  ? updated
                  : { ...updated, announcedValue: updated.value, remindedAt: now };
              });
        if (told === undefined) continue;
        if (before === undefined) await this.store.saveFiring(told);
        this.#copy(told);
        if (told.message === undefined && !quiet) {
          const channel = routeOf(config.routes, cluster.name, connector) ?? config.channel;
          if (channel !== undefined) toPost.set(channel, [...(toPost.get(channel) ?? []), told]);
        } else if (before !== undefined && (news !== undefined || before.summary !== told.summary)) {
          change(told, news);
        }
      }
      for (const alert of mine.filter((a) => !findings.some((finding) => finding.rule === a.rule))) {
        await this.#resolve(
          alert,
          now,
          `${ruleName(alert.rule)} resolved after ${formatDuration(now - alert.firedAt)}.`,
          change,
        );
      }
    }
    const unreachable = firing.get(unreachableKey);
    if (unreachable !== undefined) {
      await this.#resolve(
        unreachable,
        now,
        `Connect answers again, after ${formatDuration(now - unreachable.firedAt)}.`,
        change,
      );
    }
    for (const alert of firing.values()) {
      if (alert.rule !== "connect-unreachable" && !samples.has(alert.connector)) {
        await this.#resolve(alert, now, `${alert.connector} no longer exists on ${alert.cluster}.`, change);
      }
    }

    for (const [channel, alerts] of toPost) await this.#post(channel, alerts);
    for (const { message, alerts, news } of changes.values()) await this.#redraw(message, alerts, news);
  }

  /** One message's failure (Slack refused it, or it was deleted) must not stop the others or the next poll. */
  async #redraw(message: MessageRef, alerts: readonly Alert[], news: readonly string[]): Promise<void> {
    try {
      const shown = await this.store.saveMessageAlerts(message, alerts);
      await this.#options.notifier?.update(message, shown, news);
    } catch (error) {
      this.#options.logger?.warn({ err: error, message }, "an alert message could not be updated");
    }
  }

  /** A thread reply is due when the value moved by a quarter or more, or a reminder is due. */
  #newsOf(alert: Alert, now: number): string | undefined {
    const moved = Math.abs(alert.value - alert.announcedValue) >= Math.max(1, alert.announcedValue / 4);
    if (moved) return `${ruleName(alert.rule)}: ${alert.summary}`;
    const since = alert.remindedAt ?? alert.firedAt;
    if (alert.acknowledgedBy === undefined && now - since >= this.#options.config.repeatIntervalMs) {
      return `Still firing after ${formatDuration(now - alert.firedAt)}: ${ruleName(alert.rule)}, ${alert.summary}`;
    }
    return undefined;
  }

  async #resolve(alert: Alert, now: number, news: string, change: (alert: Alert, news?: string) => void) {
    await this.store.removeFiring(alert);
    this.#firingCopy.get(alert.cluster)?.delete(alert.key);
    change({ ...alert, resolvedAt: now }, news);
  }

  async #post(channel: string, alerts: readonly Alert[]): Promise<void> {
    const notifier = this.#options.notifier;
    if (notifier === undefined) return;
    for (let start = 0; start < alerts.length; start += alertsPerMessage) {
      const group = alerts.slice(start, start + alertsPerMessage);
      // Unposted alerts stay without a message, so the next poll tries again.
      const message = await notifier.post(channel, group).catch((error: unknown) => {
        this.#options.logger?.warn({ err: error, channel }, "alerts could not be posted");
        return undefined;
      });
      if (message === undefined) continue;
      const placed: Alert[] = [];
      for (const alert of group) {
        const saved = await this.store.updateFiring(alert.cluster, alert.key, (latest) =>
          latest === undefined ? undefined : { ...latest, message },
        );
        placed.push(saved ?? { ...alert, message });
        // Kept with its message even if Redis lost it meanwhile: restored, it still resolves in this message.
        this.#copy(saved ?? { ...alert, message });
      }
      await this.store.saveMessageAlerts(message, placed);
    }
  }

  /** Firing alerts of a cluster, newest first. */
  async firing(cluster: string): Promise<Alert[]> {
    return [...(await this.store.firing(cluster)).values()].sort((a, b) => b.firedAt - a.firedAt);
  }

  /** The connector's recent samples, oldest first, as the polls recorded them. */
  history(cluster: string, connector: string): Promise<ConnectorSample[]> {
    return this.store.history(cluster, connector);
  }

  silences(): Promise<Silence[]> {
    return this.store.silences(this.#now());
  }

  async snooze(cluster: string, connector: string, forMs: number, by: Person): Promise<Snooze> {
    const snooze = { until: this.#now() + forMs, by: { ...by } };
    await this.store.snooze(cluster, connector, snooze);
    await this.#touch(
      cluster,
      connector,
      (alert) => ({ ...alert, snoozedUntil: snooze.until }),
      `Snoozed by ${by.name} for ${formatDuration(forMs)}.`,
    );
    return snooze;
  }

  async unsnooze(cluster: string, connector: string, by: Person): Promise<boolean> {
    const removed = await this.store.unsnooze(cluster, connector);
    if (removed) {
      await this.#touch(
        cluster,
        connector,
        ({ snoozedUntil, ...alert }) => alert,
        `Snooze ended by ${by.name}.`,
      );
    }
    return removed;
  }

  /** Marks the connector's firing alerts acknowledged; returns how many. */
  async acknowledge(cluster: string, connector: string, by: Person): Promise<number> {
    return this.#touch(
      cluster,
      connector,
      (alert) => ({ ...alert, acknowledgedBy: { ...by } }),
      `Acknowledged by ${by.name}.`,
    );
  }

  async silence(
    cluster: string,
    pattern: string,
    forMs: number,
    reason: string,
    by: Person,
  ): Promise<Silence> {
    const silence = {
      id: await this.store.nextSilenceId(),
      pattern,
      cluster,
      until: this.#now() + forMs,
      reason,
      by: { ...by },
    };
    await this.store.addSilence(silence);
    return silence;
  }

  /** Says something in the thread of a connector's alert messages (a restart's result). */
  async tell(cluster: string, connector: string, news: string): Promise<void> {
    await this.#touch(cluster, connector, (alert) => alert, news);
  }

  /** Changes the connector's firing alerts and redraws their messages, with `news` in each thread. */
  async #touch(
    cluster: string,
    connector: string,
    edit: (alert: Alert) => Alert,
    news: string,
  ): Promise<number> {
    const alerts = [...(await this.store.firing(cluster)).values()].filter(
      (alert) => alert.connector === connector,
    );
    const messages = new Map<string, { message: MessageRef; alerts: Alert[] }>();
    for (const alert of alerts) {
      const edited = await this.store.updateFiring(cluster, alert.key, (latest) =>
        latest === undefined ? undefined : edit(latest),
      );
      if (edited !== undefined) this.#copy(edited);
      if (edited?.message === undefined) continue;
      const id = `${edited.message.channel}:${edited.message.ts}`;
      const entry = messages.get(id) ?? { message: edited.message, alerts: [] };
      entry.alerts.push(edited);
      messages.set(id, entry);
    }
    for (const { message, alerts: changed } of messages.values())
      await this.#redraw(message, changed, [news]);
    return alerts.length;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}

function started(key: string, cluster: string, connector: string, finding: Finding, now: number): Alert {
  return {
    key,
    cluster,
    connector,
    rule: finding.rule,
    summary: finding.summary,
    details: [...finding.details],
    value: finding.value,
    firedAt: now,
    announcedValue: finding.value,
  };
}

function routeOf(routes: readonly AlertRoute[], cluster: string, connector: string): string | undefined {
  return routes.find(
    (route) => globMatches(route.cluster, cluster) && globMatches(route.connector, connector),
  )?.channel;
}

/** Enough samples to cover the longest window of any rule, and a few more. */
function historyLength(config: AlertsConfig): number {
  return Math.min(maxAlertSamples, Math.ceil(longestAlertWindowMs(config) / config.pollIntervalMs) + 3);
}
