import { z } from "zod";

/**
 * Kafka Connect's words, as the core and the commands use them: a connector's state, status, config, offsets and
 * plugins. src/connect's response schemas parse Connect's JSON into exactly these shapes (each schema is checked
 * against its type here), holding only the fields the bot reads.
 */

/** A connector's or task's state as Connect reports it. */
export const ConnectorState = z.enum(["UNASSIGNED", "RUNNING", "PAUSED", "STOPPED", "FAILED", "RESTARTING"]);
export type ConnectorState = z.infer<typeof ConnectorState>;

/** "unknown" when the worker cannot load the connector's plugin. */
export type ConnectorType = "sink" | "source" | "unknown";

/** A connector's config: every key and value as Connect holds them (strings, secrets included). */
export type ConnectorConfig = Record<string, string>;

/** `GET /`: the worker's release (`3.9.1`, `7.6.0-ccs`), its commit and the Kafka cluster it belongs to. */
export interface WorkerInfo {
  readonly version: string;
  readonly commit: string;
  readonly kafka_cluster_id: string;
}

/** One task's status. `version`: the plugin version it runs, reported from Connect 4.1 (KIP-891). */
export interface TaskStatus {
  readonly id: number;
  readonly state: ConnectorState;
  /** `host:port` of the worker running it. */
  readonly worker_id: string;
  /** Java's stack trace of a FAILED task. */
  readonly trace?: string | undefined;
  readonly version?: string | undefined;
}

/** `GET /connectors/{name}/status`. */
export interface ConnectorStatus {
  readonly name: string;
  readonly connector: {
    readonly state: ConnectorState;
    readonly worker_id: string;
    readonly trace?: string | undefined;
    /** The plugin version the connector runs (KIP-891, Connect 4.1+). */
    readonly version?: string | undefined;
  };
  readonly tasks: readonly TaskStatus[];
  readonly type?: ConnectorType | undefined;
}

/** `GET /connectors/{name}`: its config and its tasks' ids. */
export interface ConnectorInfo {
  readonly name: string;
  readonly config: ConnectorConfig;
  readonly tasks: readonly { readonly connector: string; readonly task: number }[];
  readonly type?: ConnectorType | undefined;
}

/** One task of `GET /connectors/{name}/tasks`, with the config Connect gave it. */
export interface TaskInfo {
  readonly id: { readonly connector: string; readonly task: number };
  readonly config: ConnectorConfig;
}

/** One connector from the expanded listing: its type, config and states in one call. */
export interface ConnectorOverview {
  readonly name: string;
  readonly type: ConnectorType;
  readonly config: ConnectorConfig;
  readonly state: ConnectorState;
  readonly workerId: string;
  readonly trace?: string;
  readonly tasks: readonly TaskStatus[];
}

/**
 * One partition's offset (KIP-875). Sink partitions are `{kafka_topic, kafka_partition}` with `{kafka_offset}`;
 * source partitions and offsets are connector-defined. A null offset removes that partition's offset. A zod
 * schema, since users type offsets too (`offsets set`).
 */
export const ConnectorOffset = z.object({
  partition: z.record(z.string(), z.unknown()),
  offset: z.record(z.string(), z.unknown()).nullable(),
});
export type ConnectorOffset = z.infer<typeof ConnectorOffset>;

/** `GET /connectors/{name}/offsets` (Connect 3.6+). */
export interface ConnectorOffsets {
  readonly offsets: ConnectorOffset[];
}

/** Connect's answer to an offset change: its message says what it changed. */
export interface OffsetsChanged {
  readonly message: string;
}

/** One logger's level; `last_modified` is ms since the epoch, null when never changed over REST. */
export interface LoggerLevel {
  readonly level: string;
  readonly last_modified?: number | null | undefined;
}

/** An installed connector plugin. */
export interface ConnectorPlugin {
  readonly class: string;
  readonly type: string;
  readonly version?: string | undefined;
}

/**
 * `PUT /connector-plugins/{class}/config/validate`: every key the plugin (and the framework) declares, with the
 * errors Connect finds in the value given for it; `error_count` > 0 means Connect would refuse the config.
 */
export interface ConfigValidation {
  readonly error_count: number;
  readonly configs: readonly {
    readonly definition: { readonly name: string; readonly type: string };
    readonly value?: { readonly errors: readonly string[] } | undefined;
  }[];
}

/** One key of a plugin's config definition (KIP-769); `default_value` and `documentation` may be null. */
export interface PluginConfigKey {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly default_value: string | null;
  readonly importance: string;
  readonly documentation: string | null;
}

/** `GET /health` (KIP-1017, 3.9+): the worker's own verdict on its readiness, with Connect's message. */
export interface WorkerHealth {
  readonly status: "healthy" | "starting" | "unhealthy";
  readonly message: string;
}

/** The worker's health verdict, or that it is too old to give one (`message`: e.g. "needs 3.9"). */
export type WorkerHealthReport = WorkerHealth | { readonly status: "not reported"; readonly message: string };
