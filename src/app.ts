import type { Redis } from "ioredis";
import { type DestinationStream, type Logger, pino } from "pino";
import { defaultPolicy } from "../approvals/approval-policy.js";
import { ApprovalStore } from "../approvals/approval-store.js";
import { type ApprovalNotifier, Approvals, type ApprovalsOptions } from "../approvals/approvals.js";
import { commands } from "../commands/registry.js";
import { type AlertNotifier, Alerts } from "./alerts/alerts.js";
import { type AuditEntry, AuditTrail } from "./audit/audit-trail.js";
import type { Config } from "./config.js";
import { ConnectClient } from "./connect/connect-client.js";
import type { ClusterHandle } from "./core/cluster-handle.js";
import { ConfigSealer } from "./core/config-sealer.js";
import { Dispatcher } from "./core/dispatcher.js";
import { redactText } from "./core/redact.js";
import { RoleResolver, type UserGroupDirectory } from "./core/roles.js";
import { SinkLagReader } from "./kafka/sink-lag-reader.js";
import { createRedis, describeRedis, redisFixHint } from "./redis-connection.js";
import { RedisWatch } from "./redis-watch.js";

export interface AppOptions {
  readonly config: Config;
  /** Every Redis key starts with this; tests pass their own. */
  readonly keyPrefix?: string;
  readonly userGroups?: UserGroupDirectory;
  /** Receives a copy of each audit entry once it is stored (the audit channel). */
  readonly mirrorAudit?: (entry: AuditEntry) => Promise<void>;
  readonly now?: () => Date;
  readonly logger?: Logger;
  /** Tells people about approval requests (the Slack adapter's messages); made once Redis is connected. */
  readonly approvalNotifier?: (shared: {
    readonly redis: Redis;
    readonly keyPrefix: string;
  }) => ApprovalNotifier;
  /** Shows alerts (the Slack adapter's messages); made once Redis is connected. */
  readonly alertNotifier?: (shared: { readonly redis: Redis; readonly keyPrefix: string }) => AlertNotifier;
  /** Told once when Redis stops answering and once when it is back (default: a warning in the log). */
  readonly reportRedis?: (line: string) => void;
  /** Overrides for approvals (expiry, eligibility of approvers, a hook after each execution step). */
  readonly approvalOptions?: Partial<
    Pick<
      ApprovalsOptions,
      "expiryMs" | "ineligibleApprover" | "afterStep" | "lockDurationMs" | "startWithinMs"
    >
  >;
}

export interface App {
  readonly dispatcher: Dispatcher;
  readonly clusters: readonly ClusterHandle[];
  readonly roles: RoleResolver;
  readonly audit: AuditTrail;
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly logger: Logger;
  readonly approvals: Approvals;
  readonly alerts: Alerts;
  /** Why Redis cannot be used right now (what, where, how to start it), or undefined while it answers. */
  redisOutage(): string | undefined;
  close(): Promise<void>;
}

/** Wires the core from the config: one Connect client and one lag reader per cluster, Redis, roles, audit. */
export function createApp(options: AppOptions): App {
  const { config } = options;
  const keyPrefix = options.keyPrefix ?? "connect-ops:";
  const logger = options.logger ?? createLogger(config.logLevel);
  const redis = createRedis(config.redis, { maxRetriesPerRequest: 3, lazyConnect: false });
  const clusters: ClusterHandle[] = config.clusters.map((cluster) => ({
    name: cluster.name,
    isDefault: cluster.isDefault,
    connect: new ConnectClient({ cluster: cluster.name, ...cluster.connect }),
    lag: new SinkLagReader({ ...cluster.kafka, clientId: `connect-ops-${cluster.name}` }),
  }));
  const roles = new RoleResolver({
    grants: new Map(config.clusters.map((cluster) => [cluster.name, cluster.roles])),
    unknownUsersAreViewers: config.unknownUsersAreViewers,
    ...(options.userGroups === undefined ? {} : { directory: options.userGroups }),
  });
  const audit = new AuditTrail({
    redis,
    keyPrefix,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.mirrorAudit === undefined ? {} : { onAppend: options.mirrorAudit }),
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
  const approvals = new Approvals({
    connection: queueConnection,
    keyPrefix,
    store: new ApprovalStore(redis, keyPrefix, sealer),
    audit,
    onConnectionError: (error) => redisWatch.notice(error),
    clusterFor: (name) => clusters.find((cluster) => cluster.name === name),
    expiryMs: config.approvalExpiryMs,
    startWithinMs: config.approvalStartWithinMs,
    policyFor: (name) => config.clusters.find((cluster) => cluster.name === name)?.approvals ?? defaultPolicy,
    ...(options.approvalNotifier === undefined
      ? {}
      : { notifier: options.approvalNotifier({ redis, keyPrefix }) }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...options.approvalOptions,
  });
  const alerts = new Alerts({
    connection: queueConnection,
    redis,
    keyPrefix,
    clusters,
    config: config.alerts,
    explainedHalts: (cluster) => approvals.explainedHalts(cluster),
    logger,
    ...(options.alertNotifier === undefined ? {} : { notifier: options.alertNotifier({ redis, keyPrefix }) }),
    ...(options.now === undefined ? {} : { now: () => (options.now?.() ?? new Date()).getTime() }),
  });
  const dispatcher = new Dispatcher({
    approvals,
    alerts,
    commands,
    clusters,
    channelClusters: config.channelClusters,
    roles,
    audit,
    localRole: "operator",
    logger,
    storeOutage: () => redisWatch.outage,
    sealsSecrets: sealer.canSeal,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  return {
    dispatcher,
    clusters,
    roles,
    audit,
    redis,
    keyPrefix,
    logger,
    approvals,
    alerts,
    redisOutage: () => redisWatch.outage,
    async close() {
      await alerts.close();
      await approvals.close();
      queueConnection.disconnect();
      await Promise.all(clusters.flatMap((cluster) => [cluster.connect.close(), cluster.lag.close()]));
      redis.disconnect();
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
        paths: ["*.password", "*.token", "*.authorization", "password", "token"],
        censor: "[hidden]",
      },
      hooks: { streamWrite: redactText },
    },
    destination,
  );
}
