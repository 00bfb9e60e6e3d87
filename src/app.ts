import type { Redis } from "ioredis";
import { type DestinationStream, type Logger, pino } from "pino";
import { defaultPolicy } from "../approvals/approval-entries.js";
import type { ApprovalRequest } from "../approvals/approval-request.js";
import { Approvals, type ApprovalsOptions } from "../approvals/approvals.js";
import { commands } from "../commands/registry.js";
import {
  type Adapter,
  type AdapterApprovalNotifier,
  type AdapterHost,
  type AdapterNotifiers,
  redisAdapterStore,
} from "./adapter-host.js";
import type { AlertNotifier } from "./alerts/alert-notifier.js";
import { Alerts } from "./alerts/alerts.js";
import { pollStaleAfterMs } from "./alerts/poll-freshness.js";
import { type AuditEntry, AuditTrail } from "./audit/audit-trail.js";
import { Automation } from "./automation/automation.js";
import type { StoryNotifier } from "./automation/story-notifier.js";
import type { Cluster } from "./cluster.js";
import type { Config } from "./config/index.js";
import { ConnectClient } from "./connect/connect-client.js";
import type { HttpMount } from "./core/chat-adapter.js";
import type { Clock } from "./core/clock.js";
import { ConfigSealer } from "./core/config-sealer.js";
import type { Invocation } from "./core/dispatcher.js";
import { Dispatcher } from "./core/dispatcher.js";
import { everyoneHolds, type Identities } from "./core/identity.js";
import { redactText } from "./core/redact.js";
import type { Reply } from "./core/reply.js";
import { type AccountDirectory, RoleResolver, type UserGroupDirectory } from "./core/roles.js";
import { secretHiding } from "./core/secret-hiding.js";
import { SinkLagReader } from "./kafka/sink-lag-reader.js";
import { observeApprovals } from "./ops/approval-metrics.js";
import { ConnectorMetrics } from "./ops/connector-metrics.js";
import { Metrics } from "./ops/metrics.js";
import {
  type Operations,
  type RunningOperationsServer,
  startOperationsServer,
} from "./ops/operations-endpoints.js";
import { Readiness } from "./ops/readiness.js";
import { BullApprovalQueue, type BullApprovalQueueOptions } from "./queue/bullmq-approval-queue.js";
import { ReceiverQueue } from "./receivers/receiver-queue.js";
import { RedisApprovalStore } from "./redis/redis-approval-store.js";
import { createRedis, describeRedis, redisFixHint } from "./redis-connection.js";
import { RedisKeys } from "./redis-keys.js";
import { RedisWatch } from "./redis-watch.js";
import { slackGrants } from "./slack/slack-principals.js";

export interface AppOptions {
  readonly config: Config;
  /**
   * The chat adapters this process serves (src/main.ts lists them): their notifiers are wired now, their identities
   * and directory join the roles; `start` starts them, `close` drains and stops them.
   */
  readonly adapters?: readonly Adapter[];
  /** Every Redis key starts with this; tests pass their own. */
  readonly keyPrefix?: string;
  readonly userGroups?: UserGroupDirectory;
  /** Whether a Slack user is a person, a guest, a bot or deactivated (users.info); without it, roles alone decide. */
  readonly accounts?: AccountDirectory;
  /**
   * Identities of further adapters, by source name (see `Identity`); Slack's (the configured roles) and the
   * shell's (operator everywhere) are always there. An adapter missing here gets no role for its users.
   */
  readonly identities?: Identities;
  /** Receives a copy of each audit entry once it is stored (the audit channel). */
  readonly mirrorAudit?: (entry: AuditEntry) => Promise<void>;
  /** The one clock every part reads the time from (tests drive it); @defaultValue the system clock */
  readonly now?: Clock;
  readonly logger?: Logger;
  /**
   * Tells people about approval requests, for a test without the adapter around it (an adapter's own come from
   * its `notifiers`); made once Redis is connected.
   */
  readonly approvalNotifier?: (shared: {
    readonly redis: Redis;
    readonly keyPrefix: string;
  }) => AdapterApprovalNotifier;
  /** Shows alerts, as `approvalNotifier` (a test's). */
  readonly alertNotifier?: (shared: { readonly redis: Redis; readonly keyPrefix: string }) => AlertNotifier;
  /** Tells the stories of work the bot does by itself, as `approvalNotifier`; without any, they are logged. */
  readonly storyNotifier?: (shared: { readonly redis: Redis; readonly keyPrefix: string }) => StoryNotifier;
  /** Told once when Redis stops answering and once when it is back (default: a warning in the log). */
  readonly reportRedis?: (line: string) => void;
  /** Where the app counts what it does; tests pass their own. Default: a new registry. */
  readonly metrics?: Metrics;
  /** Overrides for approvals (expiry, eligibility of approvers, a hook after each execution step). */
  readonly approvalOptions?: Partial<
    Pick<
      ApprovalsOptions,
      "expiryMs" | "afterStep" | "startWithinMs" | "identityRetryMs" | "rebalanceWaitMs"
    > &
      Pick<BullApprovalQueueOptions, "lockDurationMs">
  >;
}

export interface App {
  readonly dispatcher: Dispatcher;
  readonly clusters: readonly Cluster[];
  readonly roles: RoleResolver;
  readonly audit: AuditTrail;
  readonly redis: Redis;
  readonly keyPrefix: string;
  /** Every Redis key, under `keyPrefix`. */
  readonly keys: RedisKeys;
  readonly logger: Logger;
  readonly approvals: Approvals;
  readonly alerts: Alerts;
  /** Work the bot does by itself: auto-restart, reverting log levels, maintenance windows. */
  readonly automation: Automation;
  /** Why Redis cannot be used right now (what, where, how to start it), or undefined while it answers. */
  redisOutage(): string | undefined;
  /** Where people see and decide request `id` (its Slack message), when the notifier has such a place. */
  approvalLink(id: string): Promise<string | undefined>;
  /** What `/healthz`, `/readyz` and `/metrics` read. */
  readonly operations: Operations;
  /**
   * What adapter `name` may ask of the bot (its store scoped to that name). `createApp` gives each listed adapter
   * its own; a test that drives an adapter by hand asks here.
   */
  hostFor(name: string): AdapterHost;
  /**
   * Starts the operations server on `port` (`/healthz`, `/readyz`, `/metrics`; 0 picks a free one), then each
   * listed adapter, which mounts its routes there. Resolves with the server once every adapter has started; without
   * a port (a desktop agent over stdio, a person at the shell), with undefined, and an adapter that mounts a route
   * throws `NO_OPERATIONS_PORT`.
   */
  start(port?: number): Promise<RunningOperationsServer | undefined>;
  /** Resolves when a listed adapter ended by itself (the shell's Ctrl-D); never, when none can. */
  readonly ended: Promise<void>;
  /**
   * Calls `listener` after every change of an approval request this process makes (after the notifier), e.g. to
   * refresh the Slack Home tab of those it concerns. Returns the unsubscribe function.
   */
  onRequestChanged(listener: (request: ApprovalRequest) => Promise<void>): () => void;
  /**
   * Drains the adapters (nothing new from people; mounted routes answer 503, the operations paths still answer),
   * stops taking jobs at once, lets a running execution or poll finish for up to `drainMs` (default 20 s), then
   * stops the adapters, closes every connection and the operations server.
   */
  close(options?: { readonly drainMs?: number }): Promise<void>;
}

/** Wires the core from the config: one Connect client and one lag reader per cluster, Redis, roles, audit. */
export function createApp(options: AppOptions): App {
  const { config } = options;
  const keyPrefix = options.keyPrefix ?? "connect-ops:";
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = options.metrics ?? new Metrics();
  const redis = createRedis(config.redis, { maxRetriesPerRequest: 3, lazyConnect: false });
  const clusters: Cluster[] = config.clusters.map((cluster) => ({
    name: cluster.name,
    isDefault: cluster.isDefault,
    connect: new ConnectClient({
      cluster: cluster.name,
      ...cluster.connect,
      onRequest: (failure) =>
        metrics.connectRequests.inc({
          cluster: cluster.name,
          outcome: failure === undefined ? "ok" : "error",
          code: failure ?? "",
        }),
    }),
    lag: new SinkLagReader({
      ...cluster.kafka,
      clientId: `connect-ops-${cluster.name}`,
      onRequest: (api) => metrics.kafkaRequests.inc({ cluster: cluster.name, api }),
      workerDefaults: cluster.kafka.workerConsumer,
      logger: logger.child({ cluster: cluster.name }),
    }),
  }));
  const adapters = options.adapters ?? [];
  const keys = new RedisKeys(keyPrefix);
  const directory = {
    userGroups: options.userGroups ?? adapters.find((a) => a.directory?.userGroups)?.directory?.userGroups,
    accounts: options.accounts ?? adapters.find((a) => a.directory?.accounts)?.directory?.accounts,
  };
  const roles = new RoleResolver({
    grants: new Map(config.clusters.map((cluster) => [cluster.name, slackGrants(cluster.roles)])),
    unknownUsersAreViewers: config.unknownUsersAreViewers,
    ...(directory.userGroups === undefined ? {} : { directory: directory.userGroups }),
    ...(directory.accounts === undefined ? {} : { accounts: directory.accounts }),
    service: "Slack",
    report: (line) => logger.warn(line),
  });
  // The configured roles name Slack's user ids; the shell's operator owns the process (and `--command` has no
  // adapter). Every other source is the identity an adapter brings: a source nobody brings has no role.
  const identities: Identities = {
    ...options.identities,
    ...Object.assign({}, ...adapters.map((adapter) => adapter.identities ?? {})),
    slack: roles,
    shell: everyoneHolds("operator"),
  };
  const requestListeners = new Set<(request: ApprovalRequest) => Promise<void>>();
  const onRequestChanged = (listener: (request: ApprovalRequest) => Promise<void>) => {
    requestListeners.add(listener);
    return () => {
      requestListeners.delete(listener);
    };
  };
  // Notices an approval notifier returned while a command of this process ran, by the command's request id: the
  // command's reply carries them (`Reply.undelivered`).
  const undelivered = new Map<string, Reply[]>();
  const hosts = new Map<string, AdapterHost>();
  const connectOf = (cluster: string) => {
    const connect = clusters.find((each) => each.name === cluster)?.connect;
    if (connect === undefined) throw new Error(`cluster ${cluster} is not configured`);
    return connect;
  };
  const hostFor = (name: string): AdapterHost => {
    const known = hosts.get(name);
    if (known !== undefined) return known;
    // The services below are made after the notifiers that this host is first given to: reached when called.
    const host: AdapterHost = {
      dispatch: (invocation) => dispatchCarryingNotices(invocation),
      store: redisAdapterStore(redis, keys, name),
      storeOutage: () => redisWatch.outage,
      log: (level, line) => logger[level]({ adapter: name }, line),
      commands,
      clusterNames: clusters.map((cluster) => cluster.name),
      connectorNames: async (cluster, requestId) => {
        const connect = clusters.find((each) => each.name === cluster)?.connect;
        const listing = (await connect?.listConnectors({ requestId })) ?? [];
        return listing.map((connector) => connector.name);
      },
      connectorSettings: async (cluster, connector, requestId) => {
        const connect = connectOf(cluster);
        const current = await connect.config(connector, { requestId });
        const [hiding, definition] = await Promise.all([
          secretHiding(connect, current, { requestId }),
          connect.pluginConfig(current["connector.class"] ?? "", undefined, { requestId }),
        ]);
        return { shown: hiding.hide(current), definition };
      },
      connectorPlugins: (cluster, requestId) => connectOf(cluster).connectorPlugins({ requestId }),
      pluginConfig: (cluster, pluginClass, requestId) =>
        connectOf(cluster).pluginConfig(pluginClass, undefined, { requestId }),
      connectorOffsets: async (cluster, connector, requestId) => {
        const connect = clusters.find((each) => each.name === cluster)?.connect;
        if (connect === undefined) return { type: undefined, offsets: [] };
        const [info, { offsets }] = await Promise.all([
          connect.info(connector, { requestId }),
          connect.offsets(connector, { requestId }),
        ]);
        return { type: info.type, offsets };
      },
      approvals: {
        get: (id) => approvals.get(id),
        recent: (limit) => approvals.recent(limit),
        awaitOutcome: (id, timeoutMs) => approvals.awaitOutcome(id, timeoutMs),
      },
      alerts: {
        firing: (cluster) => alerts.firing(cluster),
        tell: (cluster, connector, news) => alerts.tell(cluster, connector, news),
      },
      roles,
      get operations() {
        return operations;
      },
      audit: { append: (record) => audit.append(record) },
      approvalLink: (id) => approvalLink(id),
      onRequestChanged,
    };
    hosts.set(name, host);
    return host;
  };
  const dispatchCarryingNotices = async (invocation: Invocation): Promise<Reply> => {
    undelivered.set(invocation.requestId, []);
    try {
      const answer = await dispatcher.dispatch(invocation);
      const notices = undelivered.get(invocation.requestId) ?? [];
      return notices.length === 0 ? answer : { ...answer, undelivered: notices };
    } finally {
      undelivered.delete(invocation.requestId);
    }
  };
  const made: Partial<AdapterNotifiers>[] = adapters.map(
    (adapter) => adapter.notifiers?.(hostFor(adapter.name)) ?? {},
  );
  const shared = { redis, keyPrefix };
  const approvalNotifiers = [
    ...made.flatMap((notifiers) => (notifiers.approvals === undefined ? [] : [notifiers.approvals])),
    ...(options.approvalNotifier === undefined ? [] : [options.approvalNotifier(shared)]),
  ];
  const alertNotifier = options.alertNotifier?.(shared) ?? made.find((notifiers) => notifiers.alerts)?.alerts;
  const storyNotifier =
    options.storyNotifier?.(shared) ?? made.find((notifiers) => notifiers.stories)?.stories;
  const auditMirrors = [
    ...made.flatMap((notifiers) => (notifiers.audit === undefined ? [] : [notifiers.audit])),
    ...(options.mirrorAudit === undefined ? [] : [options.mirrorAudit]),
  ];
  const approvalLink = async (id: string): Promise<string | undefined> => {
    for (const notifier of approvalNotifiers) {
      const link = await notifier.linkOf?.(id);
      if (link !== undefined) return link;
    }
    return undefined;
  };
  const audit = new AuditTrail({
    redis,
    keyPrefix,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(auditMirrors.length === 0
      ? {}
      : {
          onAppend: async (entry: AuditEntry) => {
            await Promise.all(auditMirrors.map((mirror) => mirror(entry)));
          },
        }),
  });
  const sealer = new ConfigSealer(config.snapshotKeys);
  // BullMQ's workers block on Redis: they need a connection of their own that retries without limit.
  const queueConnection = createRedis(config.redis, { maxRetriesPerRequest: null });
  // ioredis reconnects by itself (through the sentinels after a failover): an outage is one line, not a stack a try.
  const redisWatch = new RedisWatch([redis, queueConnection], {
    where: describeRedis(config.redis),
    howToFix: redisFixHint(config.redis),
    report: options.reportRedis ?? ((line) => logger.warn(line)),
  });
  const observed = observeApprovals(
    metrics,
    {
      async changed(request) {
        try {
          for (const notifier of approvalNotifiers) {
            const notice = await notifier.changed(request);
            if (notice !== undefined) undelivered.get(request.requestId)?.push(notice);
          }
        } finally {
          for (const listener of requestListeners) await listener(request).catch(() => undefined);
          const change = request.state === "succeeded" ? followedChange(request) : undefined;
          if (change !== undefined)
            await automation
              .follow({ ...request, change, approval: request.id })
              .catch((error: unknown) =>
                logger.warn({ err: error, request: request.id }, "a change could not be followed"),
              );
        }
      },
      async remind(request, reminder) {
        for (const notifier of approvalNotifiers) await notifier.remind?.(request, reminder);
      },
    },
    options.approvalOptions?.afterStep,
  );
  const { lockDurationMs, ...approvalOptions } = options.approvalOptions ?? {};
  const approvals = new Approvals({
    store: new RedisApprovalStore(redis, keyPrefix, sealer),
    queue: new BullApprovalQueue({
      connection: queueConnection,
      keyPrefix,
      ...(lockDurationMs === undefined ? {} : { lockDurationMs }),
      onConnectionError: (error) => {
        const other = redisWatch.notice(error);
        if (other !== undefined) logger.warn({ err: other }, "BullMQ reported an error");
      },
    }),
    audit,
    clusterFor: (name) => {
      const cluster = clusters.find((each) => each.name === name);
      // Called only once jobs run, after `automation` below exists.
      return cluster === undefined
        ? undefined
        : { connect: cluster.connect, lag: cluster.lag, logLevels: automation.logLevels };
    },
    expiryMs: config.approvalExpiryMs,
    startWithinMs: config.approvalStartWithinMs,
    rebalanceWaitMs: config.approvalRebalanceWaitMs,
    policyFor: (name) => config.clusters.find((cluster) => cluster.name === name)?.approvals ?? defaultPolicy,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...approvalOptions,
    identities,
    notifier: observed.notifier,
    afterStep: observed.afterStep,
  });
  const onQueueError = (error: Error) => {
    const other = redisWatch.notice(error);
    if (other !== undefined) logger.warn({ err: other }, "BullMQ reported an error");
  };
  const automation: Automation = new Automation({
    connection: queueConnection,
    redis,
    keyPrefix,
    config: config.automation,
    clusters,
    audit,
    // Called only once polls run, after `alerts` below exists: the two need each other.
    tellAlert: (cluster, connector, news) => alerts.tell(cluster, connector, news),
    approvalHolds: (cluster) => approvals.explainedHalts(cluster),
    approvalState: async (id) => (await approvals.get(id))?.state,
    approvalThread: async (id) => {
      for (const notifier of approvalNotifiers) {
        const thread = await notifier.threadOf?.(id);
        if (thread !== undefined) return thread;
      }
      return undefined;
    },
    ...(storyNotifier === undefined ? {} : { notifier: storyNotifier }),
    channel: config.automation.channel ?? config.alerts.channel,
    logger,
    onConnectionError: onQueueError,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const receivers =
    config.alerts.receivers.length === 0
      ? undefined
      : new ReceiverQueue({
          connection: queueConnection,
          redis,
          keyPrefix,
          receivers: config.alerts.receivers,
          expiresAfterMs: 4 * config.alerts.pollIntervalMs,
          logger,
          onAttempt: (receiver, outcome) =>
            metrics.receiverSends.inc({ receiver: receiver.name, type: receiver.type, outcome }),
          onDeadLetter: (receiver) =>
            metrics.receiverDeadLetters.inc({ receiver: receiver.name, type: receiver.type }),
        });
  const connectorMetrics = new ConnectorMetrics({
    registry: metrics.registry,
    config: config.metrics.connectors,
    // As long as a poll counts as fresh: a cluster another replica polls since then shows nothing here.
    staleAfterMs: pollStaleAfterMs(config.alerts.pollIntervalMs),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const alerts: Alerts = new Alerts({
    connection: queueConnection,
    redis,
    keyPrefix,
    clusters,
    config: config.alerts,
    explainedHalts: (cluster) => approvals.explainedHalts(cluster),
    afterPoll: (cluster, samples, readFrom) => {
      connectorMetrics.observe(cluster, samples);
      return automation.afterPoll(cluster, samples, readFrom);
    },
    held: (cluster) => automation.held(cluster),
    logger,
    onClusterPolled: (cluster, seconds) => metrics.lagPollDuration.observe({ cluster }, seconds),
    onConnectionError: (error) => {
      const other = redisWatch.notice(error);
      if (other !== undefined) logger.warn({ err: other }, "BullMQ reported an error");
    },
    ...(alertNotifier === undefined ? {} : { notifier: alertNotifier }),
    ...(receivers === undefined ? {} : { receivers }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const dispatcher = new Dispatcher({
    services: { approvals, alerts, automation },
    commands,
    clusters,
    channelClusters: config.channelClusters,
    identities,
    audit,
    logger,
    storeOutage: () => redisWatch.outage,
    sealsSecrets: sealer.canSeal,
    observe: (command, outcome, seconds) => {
      metrics.commands.inc({ command, outcome });
      metrics.commandDuration.observe({ command }, seconds);
    },
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  metrics.readFrom({
    queueCounts: async () => ({
      approvals: await approvals.jobCounts(),
      alerts: await alerts.jobCounts(),
      ...(receivers === undefined ? {} : { "alert-receivers": await receivers.jobCounts() }),
    }),
    approvalStates: async () => (await approvals.recent(500)).map((request) => request.state),
    firingAlerts: async () =>
      (await Promise.all(clusters.map((cluster) => alerts.firing(cluster.name)))).flat(),
  });
  const readiness = new Readiness({
    redis,
    approvals,
    alerts,
    pollIntervalMs: config.alerts.pollIntervalMs,
    clusters,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const operations: Operations = { metrics, readiness };
  let server: RunningOperationsServer | undefined;
  return {
    dispatcher,
    clusters,
    roles,
    audit,
    redis,
    keyPrefix,
    keys,
    logger,
    approvals,
    alerts,
    automation,
    redisOutage: () => redisWatch.outage,
    approvalLink,
    operations,
    onRequestChanged,
    hostFor,
    async start(port) {
      server = port === undefined ? undefined : await startOperationsServer(operations, port);
      for (const adapter of adapters)
        await adapter.start(hostFor(adapter.name), server ?? noPort(adapter.name));
      return server;
    },
    ended: Promise.race(adapters.flatMap((adapter) => (adapter.ended === undefined ? [] : [adapter.ended]))),
    async close(closeOptions) {
      server?.drain();
      await Promise.all(adapters.map((adapter) => adapter.drain()));
      await Promise.all([
        alerts.close(closeOptions),
        approvals.close(closeOptions),
        automation.close(closeOptions?.drainMs ?? 20_000),
      ]);
      // Acknowledged commands get their answer while Redis and Connect are still there.
      await Promise.all(adapters.map((adapter) => adapter.stop()));
      for (const notifier of approvalNotifiers) notifier.close?.();
      queueConnection.disconnect();
      await Promise.all(clusters.flatMap((cluster) => [cluster.connect.close(), cluster.lag.close()]));
      redis.disconnect();
      await server?.close();
    },
  };
}

/** The mount of a process without an operations port: an adapter that serves HTTP cannot run in it. */
function noPort(adapter: string): HttpMount {
  return {
    url: "",
    mount() {
      throw Object.assign(
        new Error(`The ${adapter} adapter serves HTTP, but this process has no operations port.`),
        {
          code: "NO_OPERATIONS_PORT",
        },
      );
    },
  };
}

/**
 * JSON lines on stdout (or `destination`). Fields named like credentials are censored, and every line passes
 * through the free-text patterns of `redactText` as it is written, so a trace or URL logged anywhere is hidden too.
 */
export function createLogger(level: Config["logLevel"], destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "connect-ops" },
      redact: {
        paths: [
          "*.password",
          "*.token",
          "*.authorization",
          "password",
          "token",
          // An alert receiver's secrets (config.ts ReceiverConfig), should a receiver's settings ever be logged.
          "*.routingKey",
          "*.secret",
        ],
        censor: "[hidden]",
      },
      hooks: { streamWrite: redactText },
    },
    // Written asynchronously, off the request path: a synchronous write per line cost ~0.7 ms of the event loop
    // per command in the ack benchmark. Lines are not held back (no minLength), and pino flushes on exit.
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/**
 * What an approved request did, in words, when it is a change the bot follows through (the sink replays, the
 * connector may fail on its new config): offsets and config changes; undefined for the rest.
 */
function followedChange(request: ApprovalRequest): string | undefined {
  switch (request.operation.kind) {
    case "reset-offsets":
    case "sink-offsets":
    case "alter-offsets":
    case "topics-reset":
      return request.command;
    case "config-change":
      return "config change";
    default:
      return undefined;
  }
}
