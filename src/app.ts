import { Redis } from "ioredis";
import { type Logger, pino } from "pino";
import { defaultPolicy } from "../approvals/approval-policy.js";
import { ApprovalStore } from "../approvals/approval-store.js";
import { type ApprovalNotifier, Approvals, type ApprovalsOptions } from "../approvals/approvals.js";
import { commands } from "../commands/registry.js";
import { type AlertNotifier, Alerts } from "./alerts/alerts.js";
import { type AuditEntry, AuditTrail } from "./audit/audit-trail.js";
import type { Config } from "./config.js";
import { ConnectClient } from "./connect/connect-client.js";
import type { ClusterHandle } from "./core/cluster-handle.js";
import { Dispatcher } from "./core/dispatcher.js";
import { RoleResolver, type UserGroupDirectory } from "./core/roles.js";
import { SinkLagReader } from "./kafka/sink-lag-reader.js";

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
  /** Overrides for approvals (expiry, eligibility of approvers, a hook after each execution step). */
  readonly approvalOptions?: Partial<
    Pick<ApprovalsOptions, "expiryMs" | "ineligibleApprover" | "afterStep" | "lockDurationMs">
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
  close(): Promise<void>;
}

/** Wires the core from the config: one Connect client and one lag reader per cluster, Redis, roles, audit. */
export function createApp(options: AppOptions): App {
  const { config } = options;
  const keyPrefix = options.keyPrefix ?? "connect-ops:";
  const logger = options.logger ?? createLogger(config.logLevel);
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3, lazyConnect: false });
  const clusters: ClusterHandle[] = config.clusters.map((cluster) => ({
    name: cluster.name,
    isDefault: cluster.isDefault,
    connect: new ConnectClient({ cluster: cluster.name, ...cluster.connect }),
    lag: new SinkLagReader({ brokers: cluster.kafka.brokers, clientId: `connect-ops-${cluster.name}` }),
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
  // BullMQ's workers block on Redis: they need a connection of their own that retries without limit.
  const queueConnection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const approvals = new Approvals({
    connection: queueConnection,
    keyPrefix,
    store: new ApprovalStore(redis, keyPrefix),
    audit,
    connectFor: (name) => clusters.find((cluster) => cluster.name === name)?.connect,
    expiryMs: config.approvalExpiryMs,
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
    async close() {
      await alerts.close();
      await approvals.close();
      queueConnection.disconnect();
      await Promise.all(clusters.flatMap((cluster) => [cluster.connect.close(), cluster.lag.close()]));
      redis.disconnect();
    },
  };
}

/** JSON lines on stdout; anything that looks like a credential is censored before it is written. */
export function createLogger(level: Config["logLevel"]): Logger {
  return pino(
    {
      level,
      base: { service: "connect-ops" },
      redact: {
        paths: ["*.password", "*.token", "*.authorization", "password", "token"],
        censor: "[hidden]",
      },
    },
    // Written asynchronously, off the request path: a synchronous write per line cost ~0.7 ms of the event loop
    // per command in the ack benchmark. Lines are not held back (no minLength), and pino flushes on exit.
    pino.destination({ dest: 1, sync: false }),
  );
}
