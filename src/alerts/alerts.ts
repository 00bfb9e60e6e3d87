import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { type Job, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { z } from "zod";
import type { Clock } from "../core/clock.js";
import type { ClusterHandle } from "../core/cluster-handle.js";
import type { AlertActions, ConnectorSample, Person, Silence, Snooze } from "../core/ports.js";
import { timeLimit } from "../core/time-limit.js";
import { RedisKeys } from "../redis-keys.js";
import { AlertDelivery } from "./alert-delivery.js";
import { alertNews } from "./alert-news.js";
import type { AlertNotifier } from "./alert-notifier.js";
import { AlertOutbox } from "./alert-outbox.js";
import type { AlertReceivers, ReceiverEvent } from "./alert-receivers.js";
import { type Alert, AlertStore } from "./alert-store.js";
import type { AlertsConfig } from "./alerts-config.js";
import { ClusterPoll, type ClusterPollOptions } from "./cluster-poll.js";
import { FiringCopy } from "./firing-copy.js";
import { pollAge } from "./poll-freshness.js";
import { StoppedNotice } from "./stopped-notice.js";

export interface AlertsOptions {
  /** Redis for BullMQ: a connection of its own, with maxRetriesPerRequest null. */
  readonly connection: Redis;
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly clusters: readonly ClusterHandle[];
  readonly config: AlertsConfig;
  readonly notifier?: AlertNotifier;
  /** Receivers beyond Slack (src/receivers/), started and closed with the polls. */
  readonly receivers?: AlertReceivers;
  /** Connectors whose halt an approved request explains, per cluster (see Approvals.explainedHalts). */
  readonly explainedHalts: (cluster: string) => Promise<ReadonlyMap<string, "operating" | "stopped">>;
  /** See ClusterPollOptions: each cluster's samples after its poll, and the connectors whose alerts are held. */
  readonly afterPoll?: ClusterPollOptions["afterPoll"];
  readonly held?: ClusterPollOptions["held"];
  readonly now?: Clock;
  readonly logger?: Logger;
  /** Told how long each cluster's part of a poll took, in seconds (metrics). */
  readonly onClusterPolled?: (cluster: string, seconds: number) => void;
  /** Told when the queue or worker loses Redis (they reconnect by themselves); without it, a warning a minute. */
  readonly onConnectionError?: (error: Error) => void;
}

const queueName = "alerts";
/** The scheduler of one cluster's polls (`poll:<cluster>`); `poll` alone was every cluster's, before they were split. */
const schedulerOf = (cluster: string) => `poll:${cluster}`;
const legacyScheduler = "poll";
/**
 * Clusters one process polls at once: a poll mostly waits on Connect and Kafka, so a slow cluster must not hold
 * the others back; the rest of the clusters' jobs go to the other replicas.
 */
const pollsAtOnce = 4;
/**
 * How long a cluster's poll claim lives unless renewed (ms). The poller renews it every third of this while its
 * poll runs, so a slow poll keeps its cluster however long it takes and is never doubled; a replica that dies
 * mid-poll (SIGKILL, a lost node) holds the cluster at most this long, so the cluster's next scheduled poll after
 * that (within one interval) runs on another replica. Short, so a crash costs one interval and a few seconds; long
 * enough that two renewals in a row must fail (Redis away, the event loop held) before a live poller loses it.
 */
const pollLeaseMs = 5_000;
/** What a poll job carries: the cluster it polls. */
const PollJob = z.object({ cluster: z.string() });

/**
 * Whether alert polls are running: `watching` once `start()` ran in this process, `fresh` by the one rule of
 * poll-freshness.ts (a poll started or completed on some replica within three intervals and a minute). A poll that
 * runs longer than that counts as stopped, as does one that never comes.
 */
export interface PollFreshness {
  readonly watching: boolean;
  readonly fresh: boolean;
  /** ms epoch of the newest poll start or completion this process knows of (its own, or another replica's). */
  readonly lastPollAt?: number;
  readonly staleAfterMs: number;
}

/**
 * Polls each cluster on a BullMQ job scheduler of its own (so several replicas poll it once per interval, not once
 * each, and the clusters' polls spread across replicas: one at a time in each), runs the rules
 * on each connector's recent samples, and keeps one Slack message per group of alerts up to date: posted when they
 * start, edited as they change (with thread replies for real news), edited to resolved when they clear.
 */
export class Alerts implements AlertActions {
  readonly store: AlertStore;
  readonly #options: AlertsOptions;
  readonly #queue: Queue;
  #worker: Worker | undefined;
  #lastConnectionError = 0;
  #watchdog: NodeJS.Timeout | undefined;
  #startedAt: number | undefined;
  #lastPollAt: number | undefined;
  /** The poll claims this process holds, by cluster: their holder id and the timer that renews them. */
  readonly #claims = new Map<string, { readonly holder: string; readonly renewal: NodeJS.Timeout }>();
  /** The firing alerts as last read from Redis: restored if Redis loses its data. */
  readonly #firingCopy: FiringCopy;
  readonly #delivery: AlertDelivery;
  readonly #clusterPoll: ClusterPoll;
  readonly #stoppedNotice: StoppedNotice;

  constructor(options: AlertsOptions) {
    this.#options = options;
    this.store = new AlertStore(options.redis, options.keyPrefix);
    this.#firingCopy = new FiringCopy(
      this.store,
      options.clusters.map((cluster) => cluster.name),
      options.logger,
    );
    this.#delivery = new AlertDelivery({
      store: this.store,
      notifier: options.notifier,
      firingCopy: this.#firingCopy,
      logger: options.logger,
      summariseAbove: options.config.summariseAbove,
      receivers: options.receivers,
    });
    this.#clusterPoll = new ClusterPoll({
      store: this.store,
      config: options.config,
      firingCopy: this.#firingCopy,
      delivery: this.#delivery,
      explainedHalts: options.explainedHalts,
      now: () => this.#now(),
      ...(options.afterPoll === undefined ? {} : { afterPoll: options.afterPoll }),
      ...(options.held === undefined ? {} : { held: options.held }),
    });
    this.#stoppedNotice = new StoppedNotice({
      store: this.store,
      notifier: options.notifier,
      channel: options.config.channel,
      pollIntervalMs: options.config.pollIntervalMs,
      logger: options.logger,
    });
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
    const now = this.#now();
    if (now - this.#lastConnectionError < 60_000) return;
    this.#lastConnectionError = now;
    this.#options.logger?.warn({ err: error }, "alerts: Redis connection error (reconnecting)");
  }

  /**
   * Starts polling on the configured interval; every replica may call this: the scheduler is shared. A watchdog
   * then checks every interval that the schedule still exists (Redis may have lost it: a flush, a failover to an
   * empty replica) and re-creates it, restores firing alerts Redis lost, and says so when polls have stopped
   * (poll-freshness.ts).
   */
  async start(): Promise<void> {
    this.#startedAt ??= this.#now();
    await this.#assertSchedule();
    await this.#options.receivers?.start();
    this.#worker ??= new Worker(queueName, (job) => this.#runPollJob(job), {
      connection: this.#options.connection,
      prefix: new RedisKeys(this.#options.keyPrefix).bullPrefix,
      concurrency: Math.min(pollsAtOnce, this.#options.clusters.length),
      // A poll whose replica died is not run again late (out of turn): its cluster's next scheduled poll runs.
      maxStalledCount: 0,
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

  /** See `PollFreshness`; synchronous: the watchdog brings `lastPollAt` from Redis every interval. */
  pollFreshness(): PollFreshness {
    const { fresh, staleAfterMs } = pollAge({
      lastPollAt: this.#lastPollAt,
      watchingSince: this.#startedAt ?? 0,
      now: this.#now(),
      pollIntervalMs: this.#options.config.pollIntervalMs,
    });
    return {
      watching: this.#startedAt !== undefined,
      fresh: this.#startedAt !== undefined && fresh,
      ...(this.#lastPollAt === undefined ? {} : { lastPollAt: this.#lastPollAt }),
      staleAfterMs,
    };
  }

  /**
   * Stops polling at once, and waits up to `drainMs` for a running poll to end (and release its claim). A poll
   * still running then is left behind: its claim is released, so another replica polls its cluster next interval.
   */
  async close({ drainMs = 20_000 }: { readonly drainMs?: number } = {}): Promise<void> {
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
    await Promise.all([
      this.#worker === undefined ? undefined : timeLimit(this.#worker.close(), drainMs),
      this.#options.receivers?.close(drainMs),
    ]);
    await Promise.all([...this.#claims.keys()].map((cluster) => this.#release(cluster)));
    await this.#queue.close();
  }

  /**
   * Creates each cluster's poll schedule when it is missing; an existing one is left alone, so its next run keeps
   * its time. The one schedule of every cluster that came before is removed: its polls are the clusters' now.
   */
  async #assertSchedule(): Promise<void> {
    if ((await this.#queue.getJobScheduler(legacyScheduler)) !== undefined)
      await this.#queue.removeJobScheduler(legacyScheduler);
    for (const { name: cluster } of this.#options.clusters) {
      if ((await this.#queue.getJobScheduler(schedulerOf(cluster))) !== undefined) continue;
      if (this.#startedAt !== undefined && this.#worker !== undefined) {
        this.#options.logger?.warn(
          { cluster },
          "the alert poll schedule was gone from Redis (data lost?): created again",
        );
      }
      await this.#queue.upsertJobScheduler(
        schedulerOf(cluster),
        { every: this.#options.config.pollIntervalMs },
        { name: "poll", data: { cluster }, opts: { removeOnComplete: 10, removeOnFail: 50 } },
      );
    }
  }

  /**
   * One cluster's scheduled poll. A job of a cluster this process does not know (its config names other
   * clusters, during a rolling change) or of the schedule before the split is let go: its own schedule polls it.
   */
  async #runPollJob(job: Job): Promise<void> {
    const parsed = PollJob.safeParse(job.data);
    const cluster = this.#options.clusters.find((known) => known.name === parsed.data?.cluster);
    if (cluster === undefined) return;
    await this.#pollUnderClaim(cluster);
  }

  /** Runs every interval in each process that started alerting. */
  async #watch(): Promise<void> {
    await this.#assertSchedule().catch((error: unknown) =>
      this.#options.logger?.warn({ err: error }, "the alert poll schedule could not be checked"),
    );
    await this.#firingCopy.refresh().catch(() => undefined);
    const shared = await this.store.lastPollActivity().catch(() => undefined);
    if (shared !== undefined && shared > (this.#lastPollAt ?? 0)) this.#lastPollAt = shared;
    const now = this.#now();
    const { fresh, lastPollAt, staleAfterMs } = this.pollFreshness();
    await this.#stoppedNotice.update({
      fresh,
      since: lastPollAt ?? this.#startedAt ?? now,
      lastPollAt,
      staleAfterMs,
      now,
    });
  }

  /**
   * One poll of every cluster in turn, here and now (the schedules poll each cluster on their own); a cluster
   * another replica polls at this moment is skipped.
   */
  async poll(): Promise<void> {
    for (const cluster of this.#options.clusters) await this.#pollUnderClaim(cluster);
  }

  /**
   * One poll of one cluster (see ClusterPoll for its steps) under the cluster's claim, a lease of `pollLeaseMs`
   * renewed while it runs: a poll that outlasts the interval is never overlapped by the next one of that cluster,
   * which would post the same new alert. Everything it reads is in Redis, so whichever replica polls the cluster
   * next goes on from there.
   */
  async #pollUnderClaim(cluster: ClusterHandle): Promise<void> {
    // Who reads Redis sees which process polls the cluster; the uuid tells this poll from the next one.
    const holder = `${hostname()}:${process.pid}:${randomUUID()}`;
    if (!(await this.store.claimPoll(cluster.name, holder, pollLeaseMs))) return;
    const renewal = setInterval(() => void this.#renew(cluster.name, holder), pollLeaseMs / 3);
    this.#claims.set(cluster.name, { holder, renewal });
    try {
      await this.#notePollActivity();
      await this.#firingCopy.refresh([cluster.name]);
      await this.#pollCluster(cluster);
      await this.#firingCopy.refresh([cluster.name]);
      await this.#notePollActivity();
    } finally {
      await this.#release(cluster.name, holder);
    }
  }

  /** A claim that lapsed while its poll runs may be polled twice at once: said, for whoever reads the logs. */
  async #renew(cluster: string, holder: string): Promise<void> {
    const held = await this.store.renewPoll(cluster, holder, pollLeaseMs).catch(() => undefined);
    if (held === false && this.#claims.get(cluster)?.holder === holder) {
      this.#options.logger?.warn({ cluster }, "the alert poll claim lapsed while the poll ran");
    }
  }

  /** Stops renewing the cluster's claim and gives it up (only `holder`'s, when given: a newer one is kept). */
  async #release(cluster: string, holder?: string): Promise<void> {
    const claim = this.#claims.get(cluster);
    if (claim === undefined || (holder !== undefined && claim.holder !== holder)) return;
    clearInterval(claim.renewal);
    this.#claims.delete(cluster);
    await this.store.releasePoll(cluster, claim.holder);
  }

  /** One cluster's failure is logged and leaves the others polled; its duration goes to the metrics. */
  async #pollCluster(cluster: ClusterHandle): Promise<void> {
    const started = performance.now();
    await this.#clusterPoll
      .poll(cluster)
      .catch((error: unknown) =>
        this.#options.logger?.warn({ err: error, cluster: cluster.name }, "alert poll of a cluster failed"),
      );
    this.#options.onClusterPolled?.(cluster.name, (performance.now() - started) / 1000);
  }

  async #notePollActivity(): Promise<void> {
    this.#lastPollAt = this.#now();
    await this.store.notePollActivity(this.#lastPollAt);
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
      alertNews.snoozed(by, forMs),
    );
    return snooze;
  }

  async unsnooze(cluster: string, connector: string, by: Person): Promise<boolean> {
    const removed = await this.store.unsnooze(cluster, connector);
    if (removed) {
      await this.#touch(cluster, connector, ({ snoozedUntil, ...alert }) => alert, alertNews.snoozeEnded(by));
    }
    return removed;
  }

  /** Marks the connector's firing alerts acknowledged, and tells their receivers (PagerDuty); returns how many. */
  async acknowledge(cluster: string, connector: string, by: Person): Promise<number> {
    return this.#touch(
      cluster,
      connector,
      (alert) => ({ ...alert, acknowledgedBy: { ...by } }),
      alertNews.acknowledged(by),
      "acknowledged",
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

  /**
   * Changes the connector's firing alerts and redraws their messages, with `news` in each thread; `event`, when
   * given, goes to the receivers each alert was told to.
   */
  async #touch(
    cluster: string,
    connector: string,
    edit: (alert: Alert) => Alert,
    news: string,
    event?: ReceiverEvent,
  ): Promise<number> {
    const alerts = [...(await this.store.firing(cluster)).values()].filter(
      (alert) => alert.connector === connector,
    );
    const outbox = new AlertOutbox();
    for (const alert of alerts) {
      const edited = await this.store.updateFiring(cluster, alert.key, (latest) =>
        latest === undefined ? undefined : edit(latest),
      );
      if (edited === undefined) continue;
      this.#firingCopy.keep(edited);
      outbox.change(edited, news);
      if (event !== undefined) outbox.notify(edited.receivers, event, edited, this.#now());
    }
    await this.#delivery.deliver(outbox);
    return alerts.length;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}
