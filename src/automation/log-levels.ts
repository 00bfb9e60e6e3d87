import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import { z } from "zod";
import { workerAddress } from "../connect/connect-client.js";
import type { AuditLog } from "../core/audit-log.js";
import type { Clock } from "../core/clock.js";
import { formatDuration } from "../core/duration.js";
import { beforeWords } from "../core/logger-workers.js";
import type { LevelChange } from "../core/ports.js";
import { inUtc, reply, time } from "../core/reply.js";
import { RedisKeys } from "../redis-keys.js";
import type { AutomationQueue } from "./automation-queue.js";
import type { Stories } from "./stories.js";

/** What a log level change needs of a cluster's Connect client (KIP-495; cluster scope KIP-976, 3.7+). */
export interface LoggerConnect {
  /** The configured URL: the worker a change reaches when no other is named. */
  readonly url: string;
  /** The same client aimed at one worker of the group (`scheme://host:port`). */
  atWorker(origin: string): LoggerConnect;
  /** Where each connector and task runs: the group's workers, as Connect names them (`host:port`). */
  listConnectors(options?: {
    readonly requestId?: string;
  }): Promise<
    readonly { readonly workerId: string; readonly tasks: readonly { readonly worker_id: string }[] }[]
  >;
  loggers(options?: { readonly requestId?: string }): Promise<Record<string, { readonly level: string }>>;
  logger(name: string, options?: { readonly requestId?: string }): Promise<{ readonly level: string }>;
  setLoggerLevel(
    name: string,
    level: string,
    scope?: "worker" | "cluster",
    options?: { readonly requestId?: string },
  ): Promise<string[]>;
}

const Person = z.object({ id: z.string(), name: z.string() });

/** One log level changed for a while, as stored: each worker put back to its own level in `before` at `until` (ms epoch). */
const StoredLevelChange = z.object({
  id: z.string(),
  cluster: z.string(),
  logger: z.string(),
  level: z.string(),
  /** The worker a worker-scope change reached (its origin); a cluster-scope change reached every worker. */
  worker: z.string(),
  /** Each worker's level (by origin) read just before the change: what each gets back at the end. */
  before: z.record(z.string(), z.string()),
  scope: z.enum(["worker", "cluster"]),
  until: z.number(),
  reason: z.string(),
  by: Person,
  state: z.enum(["open", "reverted"]),
}) satisfies z.ZodType<LevelChange>;

export interface LogLevelsOptions {
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly queue: Pick<AutomationQueue, "schedule" | "cancel">;
  readonly stories: Pick<Stories, "tell">;
  readonly audit: AuditLog;
  readonly connectOf: (cluster: string) => LoggerConnect | undefined;
  readonly now: Clock;
}

/** Words of the two scopes: what a restart of a worker does to the change. */
export function scopeWords(scope: "worker" | "cluster"): string {
  return scope === "cluster"
    ? "cluster scope (KIP-976): every worker, including ones that join later, and it outlives a worker restart"
    : "worker scope: only the worker the bot reaches, and lost if that worker restarts (it goes back to its log4j config)";
}

/**
 * Log levels that put themselves back: `set` reads the level each worker it reaches had (the one named, or every
 * worker of the group for cluster scope), changes it, and schedules a BullMQ delayed job (`logger-revert-<id>`)
 * that puts each worker back to its own level at the end, says so in the change's thread and audits it, on
 * whichever replica is up then. `reset` ends it early.
 */
export class LogLevels {
  readonly #options: LogLevelsOptions;
  readonly #keys: RedisKeys;

  constructor(options: LogLevelsOptions) {
    this.#options = options;
    this.#keys = new RedisKeys(options.keyPrefix);
  }

  /** Every logger's level on one worker (the configured one by default), by name. Throws the client's ConnectError. */
  async list(
    cluster: string,
    requestId: string,
    worker?: string,
  ): Promise<Record<string, { readonly level: string }>> {
    const connect = this.#connect(cluster);
    return (worker === undefined ? connect : connect.atWorker(worker)).loggers({ requestId });
  }

  /**
   * The group's workers (origins, `scheme://host:port`): each `worker_id` a connector's or task's status names,
   * reached with the configured URL's scheme, and the configured URL itself. Only these may be named with `--worker`.
   */
  async workers(cluster: string, requestId: string): Promise<string[]> {
    const connect = this.#connect(cluster);
    const configured = new URL(connect.url);
    const listing = await connect.listConnectors({ requestId });
    const ids = new Set(
      listing.flatMap((each) => [each.workerId, ...each.tasks.map((task) => task.worker_id)]),
    );
    const named = [...ids].flatMap((id) => workerAddress(configured.protocol, id)?.origin ?? []);
    return [...new Set([configured.origin, ...named])].sort();
  }

  /** The open change of a logger, if one is waiting to be put back. */
  async openChange(cluster: string, logger: string): Promise<LevelChange | undefined> {
    const id = await this.#options.redis.hget(this.#keys.logLevelOpen, `${cluster}/${logger}`);
    return id === null ? undefined : this.#read(id);
  }

  /**
   * Changes `logger` to `level` until `forMs` from now: at worker scope on `worker` (the configured URL by default),
   * at cluster scope on every worker. Each worker's level before is read first and kept; a worker an earlier open
   * change of the same logger reached keeps the level it had before that one, so a second `set` never makes a
   * temporary level the one put back.
   */
  async set(input: {
    readonly cluster: string;
    readonly logger: string;
    readonly level: string;
    readonly scope: "worker" | "cluster";
    /** The worker's origin, one of {@link workers}; for worker scope only. */
    readonly worker?: string | undefined;
    readonly forMs: number;
    readonly reason: string;
    readonly by: { readonly id: string; readonly name: string; readonly source: string };
    readonly requestId: string;
  }): Promise<LevelChange> {
    const connect = this.#connect(input.cluster);
    const call = { requestId: input.requestId };
    const worker = input.worker ?? new URL(connect.url).origin;
    const earlier = await this.openChange(input.cluster, input.logger);
    const reached = input.scope === "cluster" ? await this.workers(input.cluster, input.requestId) : [worker];
    const before: Record<string, string> = { ...earlier?.before };
    for (const each of reached) {
      if (before[each] !== undefined) continue;
      // A worker a status still names may be gone (killed, not yet noticed by its group): at cluster scope it gets
      // the common level back, like a worker that joins later; the one the change is sent to must answer.
      const read = connect.atWorker(each).logger(input.logger, call);
      const level = each === worker ? (await read).level : (await read.catch(() => undefined))?.level;
      if (level !== undefined) before[each] = level;
    }
    await connect.atWorker(worker).setLoggerLevel(input.logger, input.level, input.scope, call);
    if (earlier !== undefined) await this.#options.queue.cancel(revertJobId(earlier.id));
    const id = earlier?.id ?? `log-${await this.#options.redis.incr(this.#keys.automationCounter)}`;
    const change: LevelChange = {
      id,
      cluster: input.cluster,
      logger: input.logger,
      level: input.level,
      worker,
      before,
      // A worker an earlier cluster-scope change reached is put back at cluster scope too.
      scope: earlier?.scope === "cluster" ? "cluster" : input.scope,
      until: this.#options.now() + input.forMs,
      reason: input.reason,
      by: { id: input.by.id, name: input.by.name },
      state: "open",
    };
    await this.#options.redis
      .multi()
      .set(this.#keys.logLevelChange(id), JSON.stringify(change))
      .hset(this.#keys.logLevelOpen, `${input.cluster}/${input.logger}`, id)
      .exec();
    await this.#options.queue.schedule(revertJobId(id), { kind: "logger-revert", id }, input.forMs);
    const where = input.scope === "cluster" ? "every worker" : new URL(worker).host;
    const said = [
      `${input.by.name} set ${input.logger} to ${input.level} on ${input.cluster} (${where}) for ${formatDuration(input.forMs)} (${input.reason}); it was ${beforeWords(change)}. ${scopeWords(input.scope)}. It goes back at `,
      time(change.until),
      ` (${id}).`,
    ];
    await this.#options.stories.tell(id, reply(inUtc(said), [{ kind: "timed", as: "text", pieces: said }]));
    return change;
  }

  /**
   * Puts a change's levels back now (its time is up, or `loggers reset`): each worker to the level it had. A
   * cluster-scope change is put back at cluster scope to the configured worker's level (so a worker that restarts or
   * joins later gets it too), and once that has reached each worker, one that had another level gets its own back at
   * worker scope. False when it was already back.
   */
  async revert(
    id: string,
    by?: { readonly id: string; readonly name: string; readonly source: string },
  ): Promise<boolean> {
    const change = await this.#read(id);
    if (change === undefined || change.state !== "open") return false;
    const requestId = `logger-revert-${id}`;
    const started = this.#options.now();
    await this.#putBack(change, requestId);
    const done = { ...change, state: "reverted" as const };
    await this.#options.redis
      .multi()
      .set(this.#keys.logLevelChange(id), JSON.stringify(done), "EX", 30 * 86_400)
      .hdel(this.#keys.logLevelOpen, `${change.cluster}/${change.logger}`)
      .exec();
    if (by !== undefined) await this.#options.queue.cancel(revertJobId(id));
    const who = by === undefined ? "its time was up" : `${by.name} reset it early`;
    await this.#options.audit.append({
      actorId: by?.id ?? "connect-ops",
      actorName: by?.name ?? "connect-ops",
      source: by?.source ?? "system",
      cluster: change.cluster,
      command: "loggers revert",
      args: `${change.logger} ${change.level} → ${beforeWords(change)} (${id})`,
      outcome: "succeeded",
      detail: who,
      durationMs: this.#options.now() - started,
      requestId,
    });
    await this.#options.stories.tell(
      id,
      `${change.logger} is back to ${beforeWords(change)} on ${change.cluster} (${who}; it was ${change.level}).`,
    );
    return true;
  }

  async #putBack(change: LevelChange, requestId: string): Promise<void> {
    const connect = this.#connect(change.cluster);
    const call = { requestId };
    const workers = Object.entries(change.before);
    if (change.scope === "worker") {
      for (const [worker, level] of workers)
        await connect.atWorker(worker).setLoggerLevel(change.logger, level, "worker", call);
      return;
    }
    const configured = new URL(connect.url).origin;
    const common = change.before[configured] ?? workers[0]?.[1] ?? "INFO";
    await connect.setLoggerLevel(change.logger, common, "cluster", call);
    const others = workers.filter(([, level]) => level !== common);
    if (others.length === 0) return;
    // Connect applies a cluster-scope level through its config topic, a moment later on each worker: a worker's own
    // level set before it arrives would be overwritten.
    for (const [worker] of workers) {
      const at = connect.atWorker(worker);
      for (let look = 0; look < clusterScopeLooks; look++) {
        // A worker that does not answer cannot be waited for: its own level is still sent below.
        const seen = await at.logger(change.logger, call).catch(() => undefined);
        if (seen === undefined || seen.level === common) break;
        await sleep(clusterScopeLookMs);
      }
    }
    for (const [worker, level] of others)
      await connect.atWorker(worker).setLoggerLevel(change.logger, level, "worker", call);
  }

  async #read(id: string): Promise<LevelChange | undefined> {
    const text = await this.#options.redis.get(this.#keys.logLevelChange(id));
    return text === null ? undefined : StoredLevelChange.parse(JSON.parse(text));
  }

  #connect(cluster: string): LoggerConnect {
    const connect = this.#options.connectOf(cluster);
    if (connect === undefined) throw new Error(`Cluster ${cluster} is not configured`);
    return connect;
  }
}

/** How long a put-back waits for a cluster-scope level to reach each worker: 40 looks, 250 ms apart. */
const clusterScopeLooks = 40;
const clusterScopeLookMs = 250;

function revertJobId(id: string): string {
  return `logger-revert-${id}`;
}
