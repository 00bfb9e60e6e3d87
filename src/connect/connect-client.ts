import { randomUUID } from "node:crypto";
import { Agent, Pool } from "undici";
import type { z } from "zod";
import { z as zod } from "zod";
import { commandDeadline } from "../core/command-deadline.js";
import { cutText } from "../core/cut-text.js";
import type * as Vocabulary from "../core/ports.js";
import type { ConnectCallOptions, ConnectChanges, ConnectReads } from "../core/ports.js";
import { retry, type Tried } from "../core/retry.js";
import {
  type ConnectFeature,
  connectFeatures,
  isOlderThan,
  isTooOld,
  minimumConnectVersion,
} from "../core/worker-version.js";
import { isUntrustedCertificate } from "../tls-certificate-errors.js";
import {
  ConnectBadRequest,
  ConnectBadResponse,
  ConnectConflict,
  type ConnectError,
  type ConnectErrorCode,
  type ConnectErrorDetails,
  ConnectFeatureDisabled,
  ConnectNotFound,
  ConnectNotStopped,
  ConnectTooOld,
  ConnectUnaddressableName,
  ConnectUnauthorized,
  ConnectUnavailable,
  isNotNow,
  isSafeToRepeat,
} from "./connect-errors.js";
import {
  ConfigValidation,
  ConnectErrorBody,
  ConnectorConfig,
  ConnectorInfo,
  ConnectorOffsets,
  ConnectorPlugin,
  ConnectorStatus,
  ConnectorTopics,
  ExpandedConnectors,
  LoggerLevel,
  OffsetsChanged,
  PluginConfigKey,
  TaskInfo,
  WorkerHealth,
  WorkerInfo,
} from "./connect-schemas.js";

export interface ConnectClientOptions {
  /** The cluster's name in the bot's config: every error names it. */
  readonly cluster: string;
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** A bearer token (for a gateway in front of Connect), sent instead of basic auth. */
  readonly token?: string;
  /** PEM text of the CA that signed the worker's certificate. */
  readonly caCertificate?: string;
  /** PEM text of the client certificate and key, for a worker whose HTTPS listener requires one (mTLS). */
  readonly certificate?: string;
  readonly key?: string;
  /** How long one call may take, every attempt and backoff included ({@link ConnectRetryPolicy.deadlineMs}). */
  readonly timeoutMs?: number;
  /** Overrides for the rest of the retry policy (tests shorten it). */
  readonly retry?: Partial<ConnectRetryPolicy>;
  /** Told of every HTTP attempt's end: undefined when it succeeded, else the error's stable code (metrics). */
  readonly onRequest?: (failure: ConnectErrorCode | undefined) => void;
}

/**
 * The client's limits for repeating a call, turned into the core's `RetryPolicy` (src/core/retry.ts) for each
 * call. Which failures are repeated is decided in one place, {@link isSafeToRepeat}: reads on any retriable
 * failure, a change only when Connect certainly did not apply it. Every attempt and every pause fits inside the
 * call's deadline, which is also cut short by the deadline of the command it serves ({@link commandDeadline}): a
 * silent worker is reported within it, not after a timeout per attempt times the retries.
 */
export interface ConnectRetryPolicy {
  /** The whole call, all attempts and pauses included. @defaultValue 7,000 ms */
  readonly deadlineMs: number;
  /** One attempt, connection to last byte; a later attempt gets what is left of the deadline if that is less. @defaultValue 4,000 ms */
  readonly attemptTimeoutMs: number;
  /** @defaultValue 4 */
  readonly maxAttempts: number;
  /** The pause before retry n (from 0) is drawn from [½, 1½] × baseDelayMs × 2ⁿ. @defaultValue 200 ms */
  readonly baseDelayMs: number;
}

export const defaultRetryPolicy: ConnectRetryPolicy = {
  deadlineMs: 7_000,
  attemptTimeoutMs: 4_000,
  maxAttempts: 4,
  baseDelayMs: 200,
};

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

interface Call<T> {
  readonly method: Method;
  readonly path: string;
  readonly query?: Readonly<Record<string, string | boolean | undefined>>;
  readonly body?: unknown;
  /** Parses the response; absent for calls whose success has no body worth reading. */
  readonly schema?: z.ZodType<T>;
  readonly options?: ConnectCallOptions | undefined;
  /** Error statuses whose body is nonetheless the answer, parsed by `schema` (`GET /health`'s 500 and 503). */
  readonly answers?: readonly number[];
  /** This call's own limits, where the worker itself takes longer than the client's defaults allow. */
  readonly policy?: Partial<Pick<ConnectRetryPolicy, "deadlineMs" | "attemptTimeoutMs">>;
}

/**
 * A worker holds `GET /health` for up to 10 s (its health-check timeout) before it answers starting or unhealthy,
 * so the call is allowed that long and a little more. A command's own deadline still cuts it shorter.
 */
const healthDeadlineMs = 12_000;

/** Connect's 403 answers (JSON, `error_code` 403) name a feature its worker config turned off: which setting. */
const disablingSettings: Readonly<Record<string, string>> = {
  "Topic tracking is disabled.": "topic.tracking.enable",
  "Topic tracking reset is disabled.": "topic.tracking.allow.reset",
};

/** The keys that decide which definitions a validation returns: the plugin, its version, transforms, converters. */
const structuralKey =
  /^(connector\.class|connector\.plugin\.version|transforms|predicates|(transforms|predicates)\.[^.]+\.(type|plugin\.version)|(key|value|header)\.converter(\.plugin\.version)?)$/;

/** A worker upgrade can change a plugin's definitions: answers are asked again after this long. */
const passwordKeysTtlMs = 10 * 60_000;
/** How long a plugin whose validation failed is not asked again, in ms. */
const unvalidatedRetryMs = 60_000;

/**
 * A typed client for one Kafka Connect cluster's REST API, over one undici connection pool. Every response is
 * parsed; every failure is a {@link ConnectError} with a stable code.
 */
export class ConnectClient implements ConnectReads, ConnectChanges {
  readonly cluster: string;
  readonly #pool: Pool;
  readonly #basePath: string;
  readonly #authorization: string | undefined;
  readonly #retry: ConnectRetryPolicy;
  readonly #url: string;
  /** HTTPS with no client certificate configured: a hang-up may mean the worker wants one. */
  readonly #tlsWithoutCertificate: boolean;
  readonly #passwordKeys = new Map<
    string,
    { readonly keys: ReadonlySet<string> | undefined; readonly until: number }
  >();
  readonly #onRequest: ((failure: ConnectErrorCode | undefined) => void) | undefined;
  /** For {@link workersAnswering}: each worker at its own address, with the cluster's TLS settings. */
  readonly #probes: Agent;
  readonly #options: ConnectClientOptions;
  /** {@link atWorker}'s clients, one per worker address. */
  readonly #workers = new Map<string, ConnectClient>();

  constructor(options: ConnectClientOptions) {
    this.#options = options;
    const url = new URL(options.url);
    this.cluster = options.cluster;
    this.#basePath = url.pathname.replace(/\/+$/, "");
    this.#url = `${url.origin}${this.#basePath}`;
    this.#retry = {
      ...defaultRetryPolicy,
      ...(options.timeoutMs === undefined ? {} : { deadlineMs: options.timeoutMs }),
      ...options.retry,
    };
    this.#tlsWithoutCertificate = url.protocol === "https:" && options.certificate === undefined;
    this.#onRequest = options.onRequest;
    this.#authorization =
      options.token !== undefined
        ? `Bearer ${options.token}`
        : options.username === undefined
          ? undefined
          : `Basic ${Buffer.from(`${options.username}:${options.password ?? ""}`).toString("base64")}`;
    const tls = {
      ...(options.caCertificate === undefined ? {} : { ca: options.caCertificate }),
      ...(options.certificate === undefined ? {} : { cert: options.certificate }),
      ...(options.key === undefined ? {} : { key: options.key }),
    };
    this.#pool = new Pool(url.origin, {
      connections: 8,
      // Each attempt is bounded by its own signal; these only stop undici's defaults (10 s, 300 s) from cutting in.
      connectTimeout: this.#retry.deadlineMs,
      headersTimeout: this.#retry.deadlineMs,
      bodyTimeout: this.#retry.deadlineMs,
      ...(Object.keys(tls).length === 0 ? {} : { connect: tls }),
    });
    this.#probes = new Agent({
      connections: 1,
      ...(Object.keys(tls).length === 0 ? {} : { connect: tls }),
    });
  }

  /**
   * Whether each worker answers at the address Connect names it by (a status's `worker_id`, `host:port`, reached
   * with the cluster URL's scheme): `GET /`, at most `concurrency` at a time, each within `timeoutMs`. Any HTTP
   * answer counts, a 401 or a TLS handshake too (something listens there); no credentials are sent, since the
   * address comes from a status, not from the config. A worker killed without leaving its group keeps its
   * connectors and tasks reported RUNNING on it until the group reassigns them (session timeout, then
   * `scheduled.rebalance.max.delay.ms`, 5 min by default): this is how the bot notices sooner. An id that is not a
   * `host:port` is left out of the answer.
   */
  async workersAnswering(
    workerIds: readonly string[],
    probe: { readonly timeoutMs?: number; readonly concurrency?: number } = {},
  ): Promise<ReadonlyMap<string, boolean>> {
    const { timeoutMs = 2_000, concurrency = 8 } = probe;
    const protocol = new URL(this.#url).protocol;
    const queue = [...new Set(workerIds)].flatMap((id) => {
      const address = workerAddress(protocol, id);
      return address === undefined ? [] : [{ id, address }];
    });
    const answers = new Map<string, boolean>();
    const next = async (): Promise<void> => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
        answers.set(item.id, await this.#answers(item.address, timeoutMs));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, next));
    return answers;
  }

  async #answers(address: URL, timeoutMs: number): Promise<boolean> {
    try {
      const response = await this.#probes.request({
        origin: address.origin,
        method: "GET",
        path: "/",
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body.dump();
      return true;
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      return isUntrustedCertificate(code) || /^ERR_(SSL|TLS)_/.test(code);
    }
  }

  workerInfo(options?: ConnectCallOptions): Promise<Vocabulary.WorkerInfo> {
    return this.#call({ method: "GET", path: "/", schema: WorkerInfo, options });
  }

  /** The names of every connector: one cheap request, answered even for a connector created a moment ago. */
  connectorNames(options?: ConnectCallOptions): Promise<string[]> {
    return this.#call({ method: "GET", path: "/connectors", schema: zod.array(zod.string()), options });
  }

  /**
   * Throws {@link ConnectTooOld} when the worker is older than Kafka Connect 3.6, the first with the offsets API
   * the bot relies on (KIP-875). On an old worker an unknown path is a 404, which would read as "no such
   * connector": the worker's version (`GET /`, one cheap call, asked each time so that an upgrade counts at once)
   * is asked first.
   */
  async requireSupportedVersion(operation: string, options?: ConnectCallOptions): Promise<void> {
    const info = await this.workerInfo(options);
    if (isTooOld(info.version)) {
      throw new ConnectTooOld({
        cluster: this.cluster,
        url: this.#url,
        operation,
        reason: `the worker runs Kafka Connect ${info.version}; this needs Kafka Connect ${minimumConnectVersion} or newer (offsets are read and changed over REST from ${minimumConnectVersion}, KIP-875)`,
      });
    }
  }

  /**
   * Throws {@link ConnectTooOld}, naming the release it needs, when the worker is older than the one that brought
   * `feature` ({@link connectFeatures}): asked before a version-dependent call, so an older worker is never sent a
   * field or path it does not know. `operation` is what the user asked for (`offsets restore`).
   */
  async requireFeature(
    feature: ConnectFeature,
    operation: string,
    options?: ConnectCallOptions,
  ): Promise<void> {
    const { since, what } = connectFeatures[feature];
    const info = await this.workerInfo(options);
    if (isOlderThan(info.version, since)) {
      throw new ConnectTooOld({
        cluster: this.cluster,
        url: this.#url,
        operation,
        reason: `the worker runs Kafka Connect ${info.version}; ${what} needs Kafka Connect ${since} or newer`,
      });
    }
  }

  /**
   * Whether the worker is as new as the release that brought `feature` ({@link connectFeatures}), asked afresh
   * (`GET /`): for a call with an older way to do the same (a full `PUT` where `PATCH` config is missing).
   */
  async hasFeature(feature: ConnectFeature, options?: ConnectCallOptions): Promise<boolean> {
    const info = await this.workerInfo(options);
    return !isOlderThan(info.version, connectFeatures[feature].since);
  }

  /** Every connector with its type, config and states, in one request. */
  async listConnectors(options?: ConnectCallOptions): Promise<Vocabulary.ConnectorOverview[]> {
    const expanded = await this.#call({
      method: "GET",
      path: "/connectors?expand=status&expand=info",
      schema: ExpandedConnectors,
      options,
    });
    // A connector half created or half deleted has no info or status yet: it is left out of this listing (as Connect
    // itself leaves out one that vanished while it answered), rather than failing the listing of every other one.
    return Object.entries(expanded)
      .flatMap(([name, { info, status }]) =>
        info === null || status === null ? [] : [{ name, info, status }],
      )
      .map(({ name, info, status }) => ({
        name,
        type: info.type,
        config: info.config,
        state: status.connector.state,
        workerId: status.connector.worker_id,
        ...(status.connector.trace === undefined ? {} : { trace: status.connector.trace }),
        tasks: status.tasks,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  status(name: string, options?: ConnectCallOptions): Promise<Vocabulary.ConnectorStatus> {
    return this.#call({
      method: "GET",
      path: `${this.#connectorPath(name)}/status`,
      schema: ConnectorStatus,
      options,
    });
  }

  info(name: string, options?: ConnectCallOptions): Promise<Vocabulary.ConnectorInfo> {
    return this.#call({ method: "GET", path: this.#connectorPath(name), schema: ConnectorInfo, options });
  }

  config(name: string, options?: ConnectCallOptions): Promise<Vocabulary.ConnectorConfig> {
    return this.#call({
      method: "GET",
      path: `${this.#connectorPath(name)}/config`,
      schema: ConnectorConfig,
      options,
    });
  }

  tasks(name: string, options?: ConnectCallOptions): Promise<Vocabulary.TaskInfo[]> {
    return this.#call({
      method: "GET",
      path: `${this.#connectorPath(name)}/tasks`,
      schema: zod.array(TaskInfo),
      options,
    });
  }

  /** Creates the connector, or updates its config if it exists. */
  putConfig(
    name: string,
    config: Vocabulary.ConnectorConfig,
    options?: ConnectCallOptions,
  ): Promise<Vocabulary.ConnectorInfo> {
    return this.#call({
      method: "PUT",
      path: `${this.#connectorPath(name)}/config`,
      body: config,
      schema: ConnectorInfo,
      options,
    });
  }

  /**
   * Changes only the keys given; a null value removes the key (KIP-477, Connect 3.8). Throws {@link ConnectTooOld}
   * before sending anything to an older worker, where the whole config must be sent with {@link putConfig}.
   */
  async patchConfig(
    name: string,
    patch: Readonly<Record<string, string | null>>,
    options?: ConnectCallOptions,
  ): Promise<Vocabulary.ConnectorInfo> {
    await this.requireFeature("patchConfig", `PATCH /connectors/${name}/config`, options);
    return this.#call({
      method: "PATCH",
      path: `${this.#connectorPath(name)}/config`,
      body: patch,
      schema: ConnectorInfo,
      options,
    });
  }

  /**
   * Creates a connector, in the given state: STOPPED lets offsets be set before it runs. A state other than
   * RUNNING needs KIP-980 (Connect 3.7+): on an older worker it throws {@link ConnectTooOld} before sending
   * anything; RUNNING is sent without the field, which every version takes.
   */
  async createConnector(
    name: string,
    config: Vocabulary.ConnectorConfig,
    initialState: "RUNNING" | "PAUSED" | "STOPPED",
    options?: ConnectCallOptions,
  ): Promise<Vocabulary.ConnectorInfo> {
    if (initialState !== "RUNNING") {
      await this.requireFeature("initialState", `create ${name} ${initialState}`, options);
    }
    return this.#call({
      method: "POST",
      path: "/connectors",
      body: initialState === "RUNNING" ? { name, config } : { name, config, initial_state: initialState },
      schema: ConnectorInfo,
      options,
    });
  }

  async deleteConnector(name: string, options?: ConnectCallOptions): Promise<void> {
    await this.#call({ method: "DELETE", path: this.#connectorPath(name), options });
  }

  /** Asynchronous in Connect: poll {@link status} to see the connector PAUSED. */
  async pause(name: string, options?: ConnectCallOptions): Promise<void> {
    await this.#call({ method: "PUT", path: `${this.#connectorPath(name)}/pause`, options });
  }

  /** Also starts a STOPPED connector again. Asynchronous in Connect. */
  async resume(name: string, options?: ConnectCallOptions): Promise<void> {
    await this.#call({ method: "PUT", path: `${this.#connectorPath(name)}/resume`, options });
  }

  /** Shuts the tasks down and keeps the config (KIP-875): required before any offset change. */
  async stop(name: string, options?: ConnectCallOptions): Promise<void> {
    await this.#call({ method: "PUT", path: `${this.#connectorPath(name)}/stop`, options });
  }

  /**
   * Restarts the connector, and its tasks (or only the failed ones) when asked. With tasks included Connect
   * answers with the status it is restarting from; without, there is nothing to return.
   */
  async restart(
    name: string,
    restart: { readonly includeTasks?: boolean; readonly onlyFailed?: boolean } = {},
    options?: ConnectCallOptions,
  ): Promise<Vocabulary.ConnectorStatus | undefined> {
    return this.#call({
      method: "POST",
      path: `${this.#connectorPath(name)}/restart`,
      query: { includeTasks: restart.includeTasks, onlyFailed: restart.onlyFailed },
      schema: ConnectorStatus.optional(),
      options,
    });
  }

  async restartTask(name: string, task: number, options?: ConnectCallOptions): Promise<void> {
    await this.#call({ method: "POST", path: `${this.#connectorPath(name)}/tasks/${task}/restart`, options });
  }

  async offsets(name: string, options?: ConnectCallOptions): Promise<Vocabulary.ConnectorOffsets> {
    await this.requireSupportedVersion("GET /connectors/{name}/offsets", options);
    return this.#call({
      method: "GET",
      path: `${this.#connectorPath(name)}/offsets`,
      schema: ConnectorOffsets,
      options,
    });
  }

  /** The connector must be STOPPED. An `offset` of null removes that partition's offset. */
  async alterOffsets(
    name: string,
    offsets: readonly Vocabulary.ConnectorOffset[],
    options?: ConnectCallOptions,
  ): Promise<Vocabulary.OffsetsChanged> {
    await this.requireSupportedVersion("PATCH /connectors/{name}/offsets", options);
    return this.#call({
      method: "PATCH",
      path: `${this.#connectorPath(name)}/offsets`,
      body: { offsets },
      schema: OffsetsChanged,
      options,
    });
  }

  /** Removes every offset of the connector, which must be STOPPED. */
  async resetOffsets(name: string, options?: ConnectCallOptions): Promise<Vocabulary.OffsetsChanged> {
    await this.requireSupportedVersion("DELETE /connectors/{name}/offsets", options);
    return this.#call({
      method: "DELETE",
      path: `${this.#connectorPath(name)}/offsets`,
      schema: OffsetsChanged,
      options,
    });
  }

  loggers(options?: ConnectCallOptions): Promise<Record<string, Vocabulary.LoggerLevel>> {
    return this.#call({
      method: "GET",
      path: "/admin/loggers",
      schema: zod.record(zod.string(), LoggerLevel),
      options,
    });
  }

  logger(name: string, options?: ConnectCallOptions): Promise<Vocabulary.LoggerLevel> {
    return this.#call({
      method: "GET",
      path: `/admin/loggers/${this.#segment(name)}`,
      schema: LoggerLevel,
      options,
    });
  }

  /**
   * Returns the loggers whose level changed; with `cluster` scope (KIP-976, 3.7+; {@link ConnectTooOld} before
   * that, where Connect would ignore the scope and change one worker only) Connect does not say, so none are listed.
   */
  async setLoggerLevel(
    name: string,
    level: string,
    scope: "worker" | "cluster" = "worker",
    options?: ConnectCallOptions,
  ): Promise<string[]> {
    if (scope === "cluster") await this.requireFeature("clusterLoggerScope", `set logger ${name}`, options);
    const changed = await this.#call({
      method: "PUT",
      path: `/admin/loggers/${this.#segment(name)}`,
      query: { scope: scope === "cluster" ? "cluster" : undefined },
      body: { level },
      schema: zod.array(zod.string()).optional(),
      options,
    });
    return changed ?? [];
  }

  connectorPlugins(options?: ConnectCallOptions): Promise<Vocabulary.ConnectorPlugin[]> {
    return this.#call({
      method: "GET",
      path: "/connector-plugins?connectorsOnly=true",
      schema: zod.array(ConnectorPlugin),
      options,
    });
  }

  /**
   * Asks the worker to validate a config against its plugin: the answer lists every key the plugin, its
   * transforms and predicates declare, with its type. Connect itself hides `PASSWORD` values in the answer.
   */
  validateConfig(
    pluginClass: string,
    config: Vocabulary.ConnectorConfig,
    options?: ConnectCallOptions,
  ): Promise<Vocabulary.ConfigValidation> {
    return this.#call({
      method: "PUT",
      path: `/connector-plugins/${this.#segment(pluginClass)}/config/validate`,
      body: config,
      schema: ConfigValidation,
      options,
    });
  }

  /**
   * The keys of a connector's config that its plugin declares as secret (type `PASSWORD`), or undefined when the
   * worker cannot say (an old or unreachable worker, an unknown class): callers then fall back to key names.
   * Only the config's structure is sent (class, version, transforms, predicates, converters), never its values,
   * so validating reaches no external system; answers are kept per class, version and structure for 10 min, and
   * "cannot say" for 1 min.
   */
  async passwordKeys(
    config: Vocabulary.ConnectorConfig,
    options?: ConnectCallOptions,
  ): Promise<ReadonlySet<string> | undefined> {
    const pluginClass = config["connector.class"];
    if (pluginClass === undefined) return undefined;
    const structure = Object.fromEntries(
      Object.entries(config).filter(([key]) => structuralKey.test(key)),
    ) as Vocabulary.ConnectorConfig;
    const cacheKey = JSON.stringify(Object.entries(structure).sort(([a], [b]) => a.localeCompare(b)));
    const cached = this.#passwordKeys.get(cacheKey);
    if (cached !== undefined && cached.until > Date.now()) return cached.keys;
    const keys = await this.validateConfig(
      pluginClass,
      { ...structure, name: "connect-ops-probe" },
      options,
    ).then(
      (validation) =>
        new Set(
          validation.configs.filter((c) => c.definition.type === "PASSWORD").map((c) => c.definition.name),
        ),
      () => undefined,
    );
    // A plugin that cannot validate (its class gone, a worker timing out) is asked again only after a while: every
    // alert poll asks this for each failing connector, and a storm of them must not wait on Connect each time.
    const ttl = keys === undefined ? unvalidatedRetryMs : passwordKeysTtlMs;
    this.#passwordKeys.set(cacheKey, { keys, until: Date.now() + ttl });
    return keys;
  }

  /**
   * A plugin's config definition (KIP-769): every key with its type, default, importance and documentation.
   * `version` picks one of several installed versions (KIP-891): asked only of a 4.1+ worker, else
   * {@link ConnectTooOld}. An unknown class is a {@link ConnectNotFound} ("Unknown plugin …").
   */
  async pluginConfig(
    pluginClass: string,
    version?: string,
    options?: ConnectCallOptions,
  ): Promise<Vocabulary.PluginConfigKey[]> {
    const path = `/connector-plugins/${this.#segment(pluginClass)}/config`;
    if (version !== undefined)
      await this.requireFeature("pluginVersions", `plugins ${pluginClass} --version`, options);
    return this.#call({
      method: "GET",
      path,
      query: { version },
      schema: zod.array(PluginConfigKey),
      options,
    });
  }

  /**
   * The topics a connector has used since its topics were last reset (KIP-558). Connect answers an empty list for
   * a connector it does not know, so ask {@link status} too when that matters. Refused with
   * {@link ConnectFeatureDisabled} where `topic.tracking.enable=false`.
   */
  async connectorTopics(name: string, options?: ConnectCallOptions): Promise<string[]> {
    const answer = await this.#call({
      method: "GET",
      path: `${this.#connectorPath(name)}/topics`,
      schema: ConnectorTopics,
      options,
    });
    return answer[name]?.topics ?? [];
  }

  /**
   * Empties the connector's list of used topics (KIP-558): Connect records them again as the tasks use them. Only
   * that metadata changes, no data or offsets. 202 on success; {@link ConnectFeatureDisabled} where
   * `topic.tracking.allow.reset=false` (or tracking is off).
   */
  async resetConnectorTopics(name: string, options?: ConnectCallOptions): Promise<void> {
    await this.#call({ method: "PUT", path: `${this.#connectorPath(name)}/topics/reset`, options });
  }

  /**
   * The worker's own verdict on its readiness (KIP-1017, Connect 3.9+): healthy at once, or, after holding the
   * request for up to 10 s, starting (503) or unhealthy (500), each with Connect's message; the call may take
   * {@link healthDeadlineMs}. An older worker, whose 404 would say nothing, is "not reported" with the release
   * that would.
   */
  async health(options?: ConnectCallOptions): Promise<Vocabulary.WorkerHealthReport> {
    const { since } = connectFeatures.health;
    const info = await this.workerInfo(options);
    if (isOlderThan(info.version, since)) return { status: "not reported", message: `needs ${since}` };
    return this.#call({
      method: "GET",
      path: "/health",
      schema: WorkerHealth,
      answers: [500, 503],
      policy: { deadlineMs: healthDeadlineMs, attemptTimeoutMs: healthDeadlineMs },
      options,
    });
  }

  /** Where this client reaches the cluster: the configured URL's origin and base path. */
  get url(): string {
    return this.#url;
  }

  /**
   * The same client aimed at one worker of the group at `origin` (`scheme://host:port`), with the cluster's
   * credentials, TLS and retry policy; kept, one per worker. Worker-scope log levels live in each worker (KIP-495),
   * so reading or changing one worker's needs its own address. The caller makes sure `origin` is a worker of this
   * group (a status's `worker_id`), since the credentials go there.
   */
  atWorker(origin: string): ConnectClient {
    // A worker's own address has no base path: that belongs to whatever fronts the group at the configured URL.
    const url = new URL(origin).origin;
    if (url === new URL(this.#url).origin) return this;
    let client = this.#workers.get(url);
    if (client === undefined) {
      client = new ConnectClient({ ...this.#options, url });
      this.#workers.set(url, client);
    }
    return client;
  }

  async close(): Promise<void> {
    await Promise.all([
      this.#pool.close(),
      this.#probes.close(),
      ...[...this.#workers.values()].map((client) => client.close()),
    ]);
  }

  /**
   * The path of one connector. The name is percent-encoded, so `?`, `#`, spaces and any letter reach exactly
   * that connector. Connect accepts names that no path can reach, though: its web server (Jetty 12) rejects an
   * encoded `/` or `%` and a `.` or `..` segment. Such a name is refused here, before anything is sent, so it
   * can never address a different path.
   */
  #connectorPath(name: string): string {
    return `/connectors/${this.#segment(name)}`;
  }

  #segment(name: string): string {
    if (name === "" || name === "." || name === ".." || /[/\\%]/.test(name)) {
      throw new ConnectUnaddressableName({
        cluster: this.cluster,
        url: this.#url,
        operation: `address "${name}"`,
        reason:
          "Connect's REST API cannot reach this name: its web server refuses '/', '\\' and '%' in a name, and the names '.' and '..'",
      });
    }
    return encodeURIComponent(name);
  }

  async #call<T>(call: Call<T>): Promise<T> {
    const requestId = call.options?.requestId ?? randomUUID();
    const idempotent = call.method === "GET";
    const policy = { ...this.#retry, ...call.policy };
    const commandLeftMs = (commandDeadline() ?? Number.POSITIVE_INFINITY) - performance.now();
    // A rebalance is weather: a caller that says so waits it out for its own bound, however many attempts.
    const rebalanceWaitMs = call.options?.rebalanceWaitMs ?? 0;
    return retry(
      async ({ remainingMs }) => {
        try {
          const result = await this.#attempt(call, requestId, Math.min(policy.attemptTimeoutMs, remainingMs));
          this.#onRequest?.(undefined);
          return result;
        } catch (error) {
          this.#onRequest?.((error as ConnectError).code);
          throw error;
        }
      },
      {
        attempts: policy.maxAttempts,
        deadlineMs: Math.min(policy.deadlineMs, commandLeftMs),
        backoff: { firstMs: policy.baseDelayMs, factor: 2, maxMs: 5_000, jitter: "equal" },
        retryable: (error) => isSafeToRepeat(error, idempotent),
        ...(rebalanceWaitMs > 0
          ? { waitOut: { when: isNotNow, forMs: Math.min(rebalanceWaitMs, commandLeftMs) } }
          : {}),
        retryAfterMs: (error) => (error as ConnectError).retryAfterMs,
        signal: call.options?.signal,
        giveUp: (error, tried) => this.#gaveUp(error as ConnectError, tried),
      },
    );
  }

  /** The error a call ends with: a silent worker's says how long it was waited for, a lasting 409's how often asked. */
  #gaveUp(error: ConnectError, { attempts, elapsedMs }: Tried): ConnectError {
    const details = { cluster: this.cluster, url: this.#url, operation: error.operation };
    if (error.silent) {
      return new ConnectUnavailable({
        ...details,
        reason: `no answer within ${seconds(elapsedMs)} (${attempts} attempt${attempts === 1 ? "" : "s"})`,
        waitedMs: Math.round(elapsedMs),
        attempts,
      });
    }
    if (attempts > 1 && isNotNow(error)) {
      const still = `(still so after ${seconds(elapsedMs)} and ${attempts} attempts)`;
      const wrapped = { ...details, reason: `${error.reason} ${still}` };
      const withStatus = error.status === undefined ? wrapped : { ...wrapped, status: error.status };
      return error instanceof ConnectConflict
        ? new ConnectConflict(withStatus)
        : new ConnectUnavailable(withStatus);
    }
    return error;
  }

  async #attempt<T>(call: Call<T>, requestId: string, timeoutMs: number): Promise<T> {
    const operation = `${call.method} ${call.path.split("?")[0]}`;
    const fail = (details: Omit<ConnectErrorDetails, "cluster" | "operation" | "url">) => ({
      cluster: this.cluster,
      url: this.#url,
      operation,
      ...details,
    });
    const timeout = AbortSignal.timeout(Math.max(1, Math.ceil(timeoutMs)));
    const signal =
      call.options?.signal === undefined ? timeout : AbortSignal.any([timeout, call.options.signal]);
    const headers: Record<string, string> = { accept: "application/json", "x-request-id": requestId };
    if (this.#authorization !== undefined) headers.authorization = this.#authorization;
    if (call.body !== undefined) headers["content-type"] = "application/json";

    let status: number;
    let text: string;
    let retryAfter: string | string[] | undefined;
    try {
      const response = await this.#pool.request({
        method: call.method,
        path: this.#basePath + withQuery(call.path, call.query),
        headers,
        body: call.body === undefined ? null : JSON.stringify(call.body),
        signal,
        // The pool's own limits suit the default policy; a call with a longer one lifts them (its signal still ends it).
        ...(call.policy === undefined
          ? {}
          : { headersTimeout: timeoutMs + 1_000, bodyTimeout: timeoutMs + 1_000 }),
      });
      status = response.statusCode;
      retryAfter = response.headers["retry-after"];
      text = await response.body.text();
    } catch (error) {
      const silent = timeout.aborted || isUndiciTimeout(error);
      throw new ConnectUnavailable(
        fail({
          reason: silent ? "no answer" : networkReason(error, this.#tlsWithoutCertificate),
          ...(silent ? { silent } : {}),
        }),
      );
    }

    if (call.answers?.includes(status) && call.schema !== undefined) {
      // Only an answer of the expected shape; anything else (a proxy's page, Connect's error body) is the error.
      const answer = call.schema.safeParse(safeJson(text));
      if (answer.success) return answer.data;
    }
    if (status >= 200 && status < 300) {
      if (call.schema === undefined) return undefined as T;
      const parsed = call.schema.safeParse(text === "" ? undefined : safeJson(text));
      if (!parsed.success) {
        throw new ConnectBadResponse(
          fail({
            status,
            reason: `unexpected response: ${zod.prettifyError(parsed.error).replaceAll("\n", " ")}`,
          }),
        );
      }
      return parsed.data;
    }
    const retryAfterMs = retryAfterOf(retryAfter);
    throw errorFor(status, errorMessage(text), (details) =>
      fail(retryAfterMs === undefined ? details : { ...details, retryAfterMs }),
    );
  }
}

function errorFor(
  status: number,
  reason: string,
  fail: (details: Omit<ConnectErrorDetails, "cluster" | "operation" | "url">) => ConnectErrorDetails,
): ConnectError {
  const details = fail({ status, reason });
  if (status === 404) return new ConnectNotFound(details);
  if (status === 409) return new ConnectConflict(details);
  const setting = status === 403 ? disablingSettings[reason] : undefined;
  if (setting !== undefined) return new ConnectFeatureDisabled({ ...details, setting });
  if (status === 401 || status === 403) return new ConnectUnauthorized(details);
  if (status === 400 && /must be in the STOPPED state/i.test(reason)) return new ConnectNotStopped(details);
  if (status >= 400 && status < 500) return new ConnectBadRequest(details);
  return new ConnectUnavailable(details);
}

/** `Retry-After` in ms: seconds, or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
function retryAfterOf(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Connect's `{"error_code","message"}`, or the start of whatever else answered (a proxy page, a plain 401). */
function errorMessage(text: string): string {
  const parsed = ConnectErrorBody.safeParse(safeJson(text));
  if (parsed.success) return parsed.data.message;
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1];
  return cutText((title ?? text).trim(), 300) || "(no message)";
}

function isUndiciTimeout(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return (
    code === "UND_ERR_CONNECT_TIMEOUT" ||
    code === "UND_ERR_HEADERS_TIMEOUT" ||
    code === "UND_ERR_BODY_TIMEOUT"
  );
}

function networkReason(error: unknown, tlsWithoutCertificate: boolean): string {
  const code = (error as { code?: string }).code;
  if (code === "ECONNREFUSED") return "connection refused";
  if (isUntrustedCertificate(code)) {
    return `the worker's TLS certificate is not trusted (${code}): check the CA file`;
  }
  if (
    code === "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED" ||
    code === "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE"
  ) {
    return `the worker refused the TLS connection: it requires a client certificate it trusts (${code})`;
  }
  // Over TLS 1.3 a worker that requires a client certificate checks it after the handshake and just hangs up.
  if (code === "UND_ERR_SOCKET" && tlsWithoutCertificate) {
    return "the worker closed the TLS connection: if its HTTPS listener requires a client certificate, configure one (certFile and keyFile)";
  }
  return `${code ?? "network error"}: ${(error as Error).message}`;
}

/** `http://host:port` for a worker id of that form (IPv6 in brackets), else undefined. */
/** `http://127.0.0.1:8083/` for worker id `127.0.0.1:8083` (a status's `worker_id`); undefined for one not a `host:port`. */
export function workerAddress(protocol: string, workerId: string): URL | undefined {
  if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(workerId)) return undefined;
  try {
    return new URL(`${protocol}//${workerId}/`);
  } catch {
    return undefined;
  }
}

/** 8000 → "8.0 s". */
function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function withQuery(path: string, query: Call<unknown>["query"]): string {
  const params = Object.entries(query ?? {}).filter(
    (entry): entry is [string, string | boolean] => entry[1] !== undefined,
  );
  if (params.length === 0) return path;
  return `${path}?${params.map(([key, value]) => `${key}=${encodeURIComponent(String(value))}`).join("&")}`;
}
