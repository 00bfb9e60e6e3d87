import { z } from "zod";

/** Connect's responses, holding only the fields the bot reads. */

export const WorkerInfo = z.object({
  version: z.string(),
  commit: z.string(),
  kafka_cluster_id: z.string(),
});
export type WorkerInfo = z.infer<typeof WorkerInfo>;

export const ConnectorState = z.enum(["UNASSIGNED", "RUNNING", "PAUSED", "STOPPED", "FAILED", "RESTARTING"]);
export type ConnectorState = z.infer<typeof ConnectorState>;

/** "unknown" when the worker cannot load the connector's plugin. */
export const ConnectorType = z.enum(["sink", "source", "unknown"]);
export type ConnectorType = z.infer<typeof ConnectorType>;

/** `version`: the plugin version the task runs, reported from Connect 4.1 (KIP-891). */
export const TaskStatus = z.object({
  id: z.number().int(),
  state: ConnectorState,
  worker_id: z.string(),
  trace: z.string().optional(),
  version: z.string().optional(),
});
export type TaskStatus = z.infer<typeof TaskStatus>;

export const ConnectorStatus = z.object({
  name: z.string(),
  connector: z.object({
    state: ConnectorState,
    worker_id: z.string(),
    trace: z.string().optional(),
    /** The plugin version the connector runs (KIP-891, Connect 4.1+). */
    version: z.string().optional(),
  }),
  tasks: z.array(TaskStatus),
  type: ConnectorType.optional(),
});
export type ConnectorStatus = z.infer<typeof ConnectorStatus>;

export const ConnectorConfig = z.record(z.string(), z.string());
export type ConnectorConfig = z.infer<typeof ConnectorConfig>;

export const ConnectorInfo = z.object({
  name: z.string(),
  config: ConnectorConfig,
  tasks: z.array(z.object({ connector: z.string(), task: z.number().int() })),
  type: ConnectorType.optional(),
});
export type ConnectorInfo = z.infer<typeof ConnectorInfo>;

export const TaskInfo = z.object({
  id: z.object({ connector: z.string(), task: z.number().int() }),
  config: ConnectorConfig,
});
export type TaskInfo = z.infer<typeof TaskInfo>;

/**
 * `GET /connectors?expand=status&expand=info`: every connector keyed by name. A connector being deleted or created
 * while the worker builds the answer is listed with a `null` info (its config already or not yet gone from the
 * worker's config snapshot: `connectorInfo` in Connect's herder answers null for it), so either part may be null.
 */
export const ExpandedConnectors = z.record(
  z.string(),
  z.object({
    info: z.object({ config: ConnectorConfig, type: ConnectorType }).nullable(),
    status: ConnectorStatus.nullable(),
  }),
);

/** Sink partitions are `{kafka_topic, kafka_partition}`; source partitions and offsets are connector-defined. */
export const ConnectorOffset = z.object({
  partition: z.record(z.string(), z.unknown()),
  offset: z.record(z.string(), z.unknown()).nullable(),
});
export type ConnectorOffset = z.infer<typeof ConnectorOffset>;

export const ConnectorOffsets = z.object({ offsets: z.array(ConnectorOffset) });
export type ConnectorOffsets = z.infer<typeof ConnectorOffsets>;

export const OffsetsChanged = z.object({ message: z.string() });
export type OffsetsChanged = z.infer<typeof OffsetsChanged>;

export const LoggerLevel = z.object({ level: z.string(), last_modified: z.number().nullable().optional() });
export type LoggerLevel = z.infer<typeof LoggerLevel>;

export const ConnectorPlugin = z.object({
  class: z.string(),
  type: z.string(),
  version: z.string().optional(),
});
export type ConnectorPlugin = z.infer<typeof ConnectorPlugin>;

/**
 * `PUT /connector-plugins/{class}/config/validate`: every key the plugin (and the framework) declares, with the
 * errors Connect finds in the value given for it; `error_count` > 0 means Connect would refuse the config.
 */
export const ConfigValidation = z.object({
  error_count: z.number().int().default(0),
  configs: z.array(
    z.object({
      definition: z.object({ name: z.string(), type: z.string() }),
      value: z.object({ errors: z.array(z.string()).default([]) }).optional(),
    }),
  ),
});
export type ConfigValidation = z.infer<typeof ConfigValidation>;

/**
 * `GET /connector-plugins/{class}/config`: each key the plugin declares (from 4.x also the framework's own keys,
 * such as `tasks.max` and `errors.tolerance`). `default_value` and `documentation` may be null.
 */
export const PluginConfigKey = z.object({
  name: z.string(),
  type: z.string(),
  required: z.boolean(),
  default_value: z.string().nullable(),
  importance: z.string(),
  documentation: z.string().nullable(),
});
export type PluginConfigKey = z.infer<typeof PluginConfigKey>;

/** `GET /connectors/{c}/topics` (KIP-558): `{"<connector>": {"topics": [...]}}`. */
export const ConnectorTopics = z.record(z.string(), z.object({ topics: z.array(z.string()) }));

/**
 * `GET /health` (KIP-1017, 3.9+): 200 `healthy`; after holding the request for up to 10 s, 503 `starting` while
 * the worker has not finished starting, 500 `unhealthy` when its herder could not answer (seen on the 4.4 test bed
 * while the worker waited on its group: "… The worker is currently ensuring membership in the cluster, which began
 * at …").
 */
export const WorkerHealth = z.object({
  status: z.enum(["healthy", "starting", "unhealthy"]),
  message: z.string(),
});
export type WorkerHealth = z.infer<typeof WorkerHealth>;

export const ConnectErrorBody = z.object({ error_code: z.number().optional(), message: z.string() });
