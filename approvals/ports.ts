import type {
  ConnectorConfig,
  ConnectorInfo,
  ConnectorOffset,
  ConnectorOffsets,
  ConnectorState,
  ConnectorStatus,
  ConnectorType,
  LagReadOptions,
  OffsetsChanged,
  SinkLag,
  SinkSpec,
} from "../src/core/ports.js";
import type { ConnectFeature } from "../src/core/worker-version.js";

/** Every Connect call of an execution carries the request id (a header, the log, the audit). */
export interface CallOptions {
  readonly requestId?: string;
  /** How long a 409 (a rebalance) is waited out before the call fails, in ms; the client's only 409 retry. */
  readonly rebalanceWaitMs?: number;
}

/** One connector of the expanded listing (`GET /connectors?expand=status&expand=info`): what the group rule reads. */
export interface ListedConnector {
  readonly name: string;
  readonly type: ConnectorType;
  readonly config: Readonly<Record<string, string>>;
  readonly state: ConnectorState;
}

/**
 * The Connect REST calls an execution makes, and nothing else: src/connect's `ConnectClient` implements it. Each
 * method fails with a `ConnectError` (a stable `code`, and the HTTP `status` when Connect answered).
 */
export interface ExecutionConnect {
  status(name: string, options?: CallOptions): Promise<ConnectorStatus>;
  /** Every connector with its type, config and state, in one request: who else uses a sink's consumer group. */
  listConnectors(options?: CallOptions): Promise<readonly ListedConnector[]>;
  info(name: string, options?: CallOptions): Promise<ConnectorInfo>;
  config(name: string, options?: CallOptions): Promise<ConnectorConfig>;
  /** The settings Connect declares PASSWORD for this config's plugin; undefined when the worker cannot say. */
  passwordKeys(config: ConnectorConfig, options?: CallOptions): Promise<ReadonlySet<string> | undefined>;
  offsets(name: string, options?: CallOptions): Promise<ConnectorOffsets>;
  stop(name: string, options?: CallOptions): Promise<void>;
  resume(name: string, options?: CallOptions): Promise<void>;
  pause(name: string, options?: CallOptions): Promise<void>;
  /** KIP-745: the connector, and its tasks (or only the failed ones) when asked. */
  restart(
    name: string,
    restart: { readonly includeTasks?: boolean; readonly onlyFailed?: boolean },
    options?: CallOptions,
  ): Promise<unknown>;
  /** KIP-980 (Connect 3.7+): created STOPPED, a connector reads nothing until its offsets are in place. */
  createConnector(
    name: string,
    config: ConnectorConfig,
    initialState: "RUNNING" | "PAUSED" | "STOPPED",
    options?: CallOptions,
  ): Promise<ConnectorInfo>;
  deleteConnector(name: string, options?: CallOptions): Promise<void>;
  /** KIP-477 (Connect 3.8+): only the keys given change; a null value removes the key. */
  patchConfig(
    name: string,
    patch: Readonly<Record<string, string | null>>,
    options?: CallOptions,
  ): Promise<ConnectorInfo>;
  /** The whole config replaced (creates the connector if it does not exist): how older workers change one. */
  putConfig(name: string, config: ConnectorConfig, options?: CallOptions): Promise<ConnectorInfo>;
  /** Whether the worker is as new as the release that brought `feature`, asked afresh. */
  hasFeature(feature: ConnectFeature, options?: CallOptions): Promise<boolean>;
  /** Throws `ConnectTooOld` when the worker predates a REST feature (KIP-980's initial_state…) the step needs. */
  requireFeature(feature: ConnectFeature, operation: string, options?: CallOptions): Promise<void>;
  /** KIP-875: PATCH /connectors/{name}/offsets, on a STOPPED connector; an offset of null removes it. */
  alterOffsets(
    name: string,
    offsets: readonly ConnectorOffset[],
    options?: CallOptions,
  ): Promise<OffsetsChanged>;
  /** KIP-558: the topics the connector has used. */
  connectorTopics(name: string, options?: CallOptions): Promise<string[]>;
  /** KIP-558: clears that list (refused by workers with topic.tracking.allow.reset=false). */
  resetConnectorTopics(name: string, options?: CallOptions): Promise<void>;
  /** KIP-875: DELETE /connectors/{name}/offsets, on a STOPPED connector. */
  resetOffsets(name: string, options?: CallOptions): Promise<OffsetsChanged>;
}

/** What planning a sink's offsets reads from Kafka: src/kafka's `SinkLagReader` implements it. */
export interface SinkOffsetsReader {
  /** The sink's group, its committed offsets and each partition's log start and end. */
  lag(connector: string, config: Readonly<Record<string, string>>): Promise<SinkLag>;
  /** Several sinks in one pass (their topics, as the lag reader resolves them); a sink it could not read: its error. */
  lagOfSinks(
    sinks: readonly SinkSpec[],
    options?: LagReadOptions,
  ): Promise<ReadonlyMap<string, SinkLag | Error>>;
  /** Each partition of `topic` → the first offset whose timestamp is at or after `at` (ListOffsets by time). */
  offsetsAt(topic: string, at: Date): Promise<Map<number, number>>;
}
