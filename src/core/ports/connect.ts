import type { ConnectFeature } from "../worker-version.js";
import type {
  ConfigValidation,
  ConnectorConfig,
  ConnectorInfo,
  ConnectorOffset,
  ConnectorOffsets,
  ConnectorOverview,
  ConnectorPlugin,
  ConnectorStatus,
  LoggerLevel,
  OffsetsChanged,
  PluginConfigKey,
  TaskInfo,
  WorkerHealthReport,
  WorkerInfo,
} from "./connect-vocabulary.js";

/**
 * Stable codes of a failed Connect call. Every method of {@link ConnectReads} and {@link ConnectChanges} fails
 * only with an error carrying one of these (with `cluster`, `url`, `operation`, `reason`, the HTTP `status` when
 * Connect answered, and `retriable`); `hasCode` reads them, `error-words.ts` words each.
 * - `CONNECT_NOT_FOUND`: 404, no such connector, task, logger or plugin.
 * - `CONNECT_CONFLICT`: 409, a rebalance; retried within the call's deadline (and `rebalanceWaitMs`).
 * - `CONNECT_NOT_STOPPED`: an offset change on a connector that is not STOPPED.
 * - `CONNECT_BAD_REQUEST`: 400 or 422, Connect refused the request as given.
 * - `CONNECT_UNAUTHORIZED`: 401 or 403, the bot's credentials.
 * - `CONNECT_UNAVAILABLE`: refused connection, timeout, 5xx (after the call's retries).
 * - `CONNECT_BAD_RESPONSE`: an answer the bot does not understand.
 * - `CONNECT_UNADDRESSABLE_NAME`: a name no REST path reaches; refused before anything is sent.
 * - `CONNECT_TOO_OLD`: the worker predates the release the call needs; refused before anything is sent.
 * - `CONNECT_FEATURE_DISABLED`: 403 from Connect itself, the worker's config turned the feature off (`setting`).
 */
export const connectErrorCodes = [
  "CONNECT_NOT_FOUND",
  "CONNECT_CONFLICT",
  "CONNECT_NOT_STOPPED",
  "CONNECT_BAD_REQUEST",
  "CONNECT_UNAUTHORIZED",
  "CONNECT_UNAVAILABLE",
  "CONNECT_BAD_RESPONSE",
  "CONNECT_UNADDRESSABLE_NAME",
  "CONNECT_TOO_OLD",
  "CONNECT_FEATURE_DISABLED",
] as const;
export type ConnectErrorCode = (typeof connectErrorCodes)[number];

/** What a failed Connect call's error carries beside its code (src/connect's `ConnectError` implements it). */
export interface ConnectFailure extends Error {
  readonly code: ConnectErrorCode;
  /** Whether the same call may succeed if repeated later (a rebalance, a restart, a network blip). */
  readonly retriable: boolean;
  readonly cluster: string;
  /** The worker's REST URL as configured (never with credentials: they travel in a header). */
  readonly url: string;
  /** The call, e.g. `PUT /connectors/orders-sink/pause`. */
  readonly operation: string;
  /** The HTTP status, when Connect answered. */
  readonly status: number | undefined;
  /** What Connect (or the network) said. */
  readonly reason: string;
}

/** What every Connect call may be given. */
export interface ConnectCallOptions {
  /** Sent as X-Request-Id, so the worker's request log can be matched with the bot's audit trail. */
  readonly requestId?: string;
  readonly signal?: AbortSignal;
  /**
   * How long Connect's "not now" (a 409 while the group rebalances or its config is stale, a 500 whose forward to
   * the leader never left) is waited out, in ms from the call's start: the call is repeated with backoff (up to
   * 5 s apart) until Connect answers otherwise or this passes. Beyond the call's own deadline, which bounds every
   * other retry; still cut by a command's deadline. The only place a 409 is retried.
   * @defaultValue 0: retried only within the call's deadline
   */
  readonly rebalanceWaitMs?: number;
}

/**
 * The reads of one Connect cluster's REST API. Every answer is parsed into the core's vocabulary; every failure
 * carries a {@link ConnectErrorCode}, retriable failures having been retried within the call's deadline (7 s by
 * default, cut short by the command's own deadline). Implemented by src/connect's `ConnectClient`.
 */
export interface ConnectReads {
  /** `GET /`: the worker's version. */
  workerInfo(options?: ConnectCallOptions): Promise<WorkerInfo>;
  /** The names of every connector: one cheap request, answered even for a connector created a moment ago. */
  connectorNames(options?: ConnectCallOptions): Promise<string[]>;
  /** Every connector with its type, config and states in one request, by name; one half created or deleted is left out. */
  listConnectors(options?: ConnectCallOptions): Promise<ConnectorOverview[]>;
  /** @throws `CONNECT_NOT_FOUND` for a connector Connect does not know. */
  status(name: string, options?: ConnectCallOptions): Promise<ConnectorStatus>;
  /** @throws `CONNECT_NOT_FOUND` for a connector Connect does not know. */
  info(name: string, options?: ConnectCallOptions): Promise<ConnectorInfo>;
  /** @throws `CONNECT_NOT_FOUND` for a connector Connect does not know. */
  config(name: string, options?: ConnectCallOptions): Promise<ConnectorConfig>;
  /** Each task with the config Connect gave it. @throws `CONNECT_NOT_FOUND` */
  tasks(name: string, options?: ConnectCallOptions): Promise<TaskInfo[]>;
  /** KIP-875. @throws `CONNECT_TOO_OLD` before Connect 3.6, `CONNECT_NOT_FOUND` */
  offsets(name: string, options?: ConnectCallOptions): Promise<ConnectorOffsets>;
  /** Every logger of the worker asked, with its level. */
  loggers(options?: ConnectCallOptions): Promise<Record<string, LoggerLevel>>;
  /** @throws `CONNECT_NOT_FOUND` for a logger the worker does not have. */
  logger(name: string, options?: ConnectCallOptions): Promise<LoggerLevel>;
  /** The installed connector plugins (no transforms or converters). */
  connectorPlugins(options?: ConnectCallOptions): Promise<ConnectorPlugin[]>;
  /**
   * Validates a config against its plugin: every key the plugin, its transforms and predicates declare, with its
   * type and errors. Connect itself hides `PASSWORD` values in the answer.
   */
  validateConfig(
    pluginClass: string,
    config: ConnectorConfig,
    options?: ConnectCallOptions,
  ): Promise<ConfigValidation>;
  /**
   * The keys of a config that its plugin declares secret (type `PASSWORD`), or undefined when the worker cannot
   * say (an old or unreachable worker, an unknown class; callers then fall back to key names). Never throws for
   * that; only the config's structure is sent, never its values. Answers are kept 10 min, "cannot say" 1 min.
   */
  passwordKeys(
    config: ConnectorConfig,
    options?: ConnectCallOptions,
  ): Promise<ReadonlySet<string> | undefined>;
  /**
   * A plugin's config definition (KIP-769). `version` picks one of several installed versions (KIP-891).
   * @throws `CONNECT_TOO_OLD` for a `version` on a worker before 4.1, `CONNECT_NOT_FOUND` for an unknown class
   */
  pluginConfig(
    pluginClass: string,
    version?: string,
    options?: ConnectCallOptions,
  ): Promise<PluginConfigKey[]>;
  /**
   * The topics a connector has used since its topics were last reset (KIP-558); an empty list for a connector
   * Connect does not know. @throws `CONNECT_FEATURE_DISABLED` where `topic.tracking.enable=false`
   */
  connectorTopics(name: string, options?: ConnectCallOptions): Promise<string[]>;
  /** The worker's own verdict (KIP-1017); may take up to 12 s, as the worker holds the request up to 10 s. */
  health(options?: ConnectCallOptions): Promise<WorkerHealthReport>;
  /**
   * Whether each worker answers at the address a status names it by (`host:port`): any HTTP answer counts, no
   * credentials are sent. At most `concurrency` (default 8) at a time, each within `timeoutMs` (default 2,000 ms);
   * an id that is not a `host:port` is left out. Never throws.
   */
  workersAnswering(
    workerIds: readonly string[],
    probe?: { readonly timeoutMs?: number; readonly concurrency?: number },
  ): Promise<ReadonlyMap<string, boolean>>;
  /** @throws `CONNECT_TOO_OLD` when the worker predates Kafka Connect 3.6 (KIP-875's offsets API). */
  requireSupportedVersion(operation: string, options?: ConnectCallOptions): Promise<void>;
  /** @throws `CONNECT_TOO_OLD`, naming the release, when the worker predates `feature`; `operation` is what the user asked for. */
  requireFeature(feature: ConnectFeature, operation: string, options?: ConnectCallOptions): Promise<void>;
  /** Whether the worker is as new as the release that brought `feature`, asked afresh (`GET /`). */
  hasFeature(feature: ConnectFeature, options?: ConnectCallOptions): Promise<boolean>;
}

/**
 * The changes the bot makes on one Connect cluster. Same failures as {@link ConnectReads}; a change is retried
 * only when Connect certainly did not apply it (a 409, a refused connection). Connect applies pause, resume,
 * stop and restart asynchronously: read the status to see them done. Implemented by `ConnectClient`.
 */
export interface ConnectChanges {
  pause(name: string, options?: ConnectCallOptions): Promise<void>;
  /** Also starts a STOPPED connector again. */
  resume(name: string, options?: ConnectCallOptions): Promise<void>;
  /** Shuts the tasks down and keeps the config (KIP-875): required before any offset change. */
  stop(name: string, options?: ConnectCallOptions): Promise<void>;
  /** KIP-745: the connector, and its tasks (or only the failed ones) when asked; then the status it restarts from. */
  restart(
    name: string,
    restart?: { readonly includeTasks?: boolean; readonly onlyFailed?: boolean },
    options?: ConnectCallOptions,
  ): Promise<ConnectorStatus | undefined>;
  restartTask(name: string, task: number, options?: ConnectCallOptions): Promise<void>;
  /** Creates the connector, or replaces its whole config if it exists. */
  putConfig(name: string, config: ConnectorConfig, options?: ConnectCallOptions): Promise<ConnectorInfo>;
  /** Only the keys given change; a null value removes the key (KIP-477). @throws `CONNECT_TOO_OLD` before 3.8 */
  patchConfig(
    name: string,
    patch: Readonly<Record<string, string | null>>,
    options?: ConnectCallOptions,
  ): Promise<ConnectorInfo>;
  /** Created in the given state (KIP-980). @throws `CONNECT_TOO_OLD` before 3.7 for a state other than RUNNING */
  createConnector(
    name: string,
    config: ConnectorConfig,
    initialState: "RUNNING" | "PAUSED" | "STOPPED",
    options?: ConnectCallOptions,
  ): Promise<ConnectorInfo>;
  deleteConnector(name: string, options?: ConnectCallOptions): Promise<void>;
  /** KIP-875, on a STOPPED connector; a null offset removes it. @throws `CONNECT_NOT_STOPPED`, `CONNECT_TOO_OLD` */
  alterOffsets(
    name: string,
    offsets: readonly ConnectorOffset[],
    options?: ConnectCallOptions,
  ): Promise<OffsetsChanged>;
  /** KIP-875: every offset removed, on a STOPPED connector. @throws `CONNECT_NOT_STOPPED`, `CONNECT_TOO_OLD` */
  resetOffsets(name: string, options?: ConnectCallOptions): Promise<OffsetsChanged>;
  /**
   * Returns the loggers whose level changed; with `cluster` scope (KIP-976, 3.7+) Connect does not say, so none.
   * @throws `CONNECT_TOO_OLD` for `cluster` scope before 3.7 (where Connect would change one worker only)
   */
  setLoggerLevel(
    name: string,
    level: string,
    scope?: "worker" | "cluster",
    options?: ConnectCallOptions,
  ): Promise<string[]>;
  /**
   * Empties the connector's list of used topics (KIP-558); no data or offsets change.
   * @throws `CONNECT_FEATURE_DISABLED` where `topic.tracking.allow.reset=false`
   */
  resetConnectorTopics(name: string, options?: ConnectCallOptions): Promise<void>;
}

/**
 * The changes a command makes directly, without an approval: none loses data or moves offsets. Every other
 * change is made by an approved request's execution.
 */
export type DirectConnectChanges = Pick<
  ConnectChanges,
  "pause" | "resume" | "restart" | "restartTask" | "resetConnectorTopics"
>;

/** The part of a connector's status the core reads: its state and its tasks' states. */
export interface ConnectorStates {
  readonly connector: { readonly state: ConnectorStatus["connector"]["state"] };
  readonly tasks: readonly { readonly state: ConnectorStatus["connector"]["state"] }[];
}

/** Reads a connector's status; fails with code `CONNECT_NOT_FOUND` for a connector Connect does not know. */
export interface StatusReader<Status extends ConnectorStates> {
  status(name: string, options: { readonly requestId?: string }): Promise<Status>;
}
