import { z } from "zod";
import type * as Vocabulary from "../core/ports.js";
import { ConnectorOffset, ConnectorState } from "../core/ports.js";

/**
 * Connect's responses, holding only the fields the bot reads. Each parses into the core's vocabulary
 * (`src/core/ports/connect-vocabulary.ts`): `satisfies` makes the compiler hold the two together.
 */

export const WorkerInfo = z.object({
  version: z.string(),
  commit: z.string(),
  kafka_cluster_id: z.string(),
}) satisfies z.ZodType<Vocabulary.WorkerInfo>;

/** "unknown" when the worker cannot load the connector's plugin. */
export const ConnectorType = z.enum([
  "sink",
  "source",
  "unknown",
]) satisfies z.ZodType<Vocabulary.ConnectorType>;

/**
 * A field of a status Connect may leave out or send as `null`: a worker writes `"version": null` for a task or
 * connector whose plugin version it does not know (seen on 4.4 for a task's status after a worker of its group was
 * SIGKILLed). Either way it is not reported; `null` must not fail the listing of every connector.
 */
const notReported = z
  .string()
  .nullish()
  .transform((value) => value ?? undefined)
  .optional();

/** `version`: the plugin version the task runs, reported from Connect 4.1 (KIP-891). */
export const TaskStatus = z.object({
  id: z.number().int(),
  state: ConnectorState,
  worker_id: z.string(),
  trace: notReported,
  version: notReported,
}) satisfies z.ZodType<Vocabulary.TaskStatus>;

export const ConnectorStatus = z.object({
  name: z.string(),
  connector: z.object({
    state: ConnectorState,
    worker_id: z.string(),
    trace: notReported,
    /** The plugin version the connector runs (KIP-891, Connect 4.1+). */
    version: notReported,
  }),
  tasks: z.array(TaskStatus),
  type: ConnectorType.optional(),
}) satisfies z.ZodType<Vocabulary.ConnectorStatus>;

export const ConnectorConfig = z.record(z.string(), z.string());

export const ConnectorInfo = z.object({
  name: z.string(),
  config: ConnectorConfig,
  tasks: z.array(z.object({ connector: z.string(), task: z.number().int() })),
  type: ConnectorType.optional(),
}) satisfies z.ZodType<Vocabulary.ConnectorInfo>;

export const TaskInfo = z.object({
  id: z.object({ connector: z.string(), task: z.number().int() }),
  config: ConnectorConfig,
}) satisfies z.ZodType<Vocabulary.TaskInfo>;

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

export const ConnectorOffsets = z.object({
  offsets: z.array(ConnectorOffset),
}) satisfies z.ZodType<Vocabulary.ConnectorOffsets>;

export const OffsetsChanged = z.object({
  message: z.string(),
}) satisfies z.ZodType<Vocabulary.OffsetsChanged>;

export const LoggerLevel = z.object({
  level: z.string(),
  last_modified: z.number().nullable().optional(),
}) satisfies z.ZodType<Vocabulary.LoggerLevel>;

export const ConnectorPlugin = z.object({
  class: z.string(),
  type: z.string(),
  version: z.string().optional(),
}) satisfies z.ZodType<Vocabulary.ConnectorPlugin>;

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
}) satisfies z.ZodType<Vocabulary.ConfigValidation>;

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
}) satisfies z.ZodType<Vocabulary.PluginConfigKey>;

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
}) satisfies z.ZodType<Vocabulary.WorkerHealth>;

export const ConnectErrorBody = z.object({ error_code: z.number().optional(), message: z.string() });
