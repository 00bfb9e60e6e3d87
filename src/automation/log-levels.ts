import type { Redis } from "ioredis";
import { z } from "zod";
import type { AuditLog } from "../core/audit-log.js";
import type { Clock } from "../core/clock.js";
import { formatDuration } from "../core/duration.js";
import { RedisKeys } from "../redis-keys.js";
import type { AutomationQueue } from "./automation-queue.js";
import type { Stories } from "./stories.js";

/** What a log level change needs of a cluster's Connect client (KIP-495; cluster scope KIP-976, 3.7+). */
export interface LoggerConnect {
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

/** One log level changed for a while, as stored: put back to `before` at `until` (ms epoch). */
const LevelChange = z.object({
  id: z.string(),
  cluster: z.string(),
  logger: z.string(),
  level: z.string(),
  /** The level the worker reported before the change, put back at the end. */
  before: z.string(),
  scope: z.enum(["worker", "cluster"]),
  until: z.number(),
  reason: z.string(),
  by: Person,
  state: z.enum(["open", "reverted"]),
});
export type LevelChange = z.infer<typeof LevelChange>;

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
 * Log levels that put themselves back: `set` records the level the worker had, changes it, and schedules a BullMQ
 * delayed job (`logger-revert-<id>`) that puts it back at the end, says so in the change's thread and audits it,
 * on whichever replica is up then. `reset` ends it early.
 */
export class LogLevels {
  readonly #options: LogLevelsOptions;
  readonly #keys: RedisKeys;

  constructor(options: LogLevelsOptions) {
    this.#options = options;
    this.#keys = new RedisKeys(options.keyPrefix);
  }

  /** Every logger's level on the cluster's worker, by name. Throws the client's ConnectError. */
  async list(cluster: string, requestId: string): Promise<Record<string, { readonly level: string }>> {
    return this.#connect(cluster).loggers({ requestId });
  }

  /** The open change of a logger, if one is waiting to be put back. */
  async openChange(cluster: string, logger: string): Promise<LevelChange | undefined> {
    const id = await this.#options.redis.hget(this.#keys.logLevelOpen, `${cluster}/${logger}`);
    return id === null ? undefined : this.#read(id);
  }

  /**
   * Changes `logger` to `level` until `forMs` from now; the level before is kept from an earlier open change of the
   * same logger, so a second `set` never makes the temporary level the one put back.
   */
  async set(input: {
    readonly cluster: string;
    readonly logger: string;
    readonly level: string;
    readonly scope: "worker" | "cluster";
    readonly forMs: number;
    readonly reason: string;
    readonly by: { readonly id: string; readonly name: string; readonly source: string };
    readonly requestId: string;
  }): Promise<LevelChange> {
    const connect = this.#connect(input.cluster);
    const earlier = await this.openChange(input.cluster, input.logger);
    const before =
      earlier?.before ?? (await connect.logger(input.logger, { requestId: input.requestId })).level;
    await connect.setLoggerLevel(input.logger, input.level, input.scope, { requestId: input.requestId });
    if (earlier !== undefined) await this.#options.queue.cancel(revertJobId(earlier.id));
    const id = earlier?.id ?? `log-${await this.#options.redis.incr(this.#keys.automationCounter)}`;
    const change: LevelChange = {
      id,
      cluster: input.cluster,
      logger: input.logger,
      level: input.level,
      before,
      scope: input.scope,
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
    await this.#options.stories.tell(
      id,
      `${input.by.name} set ${input.logger} to ${input.level} on ${input.cluster} for ${formatDuration(input.forMs)} (${input.reason}); it was ${before}. ${scopeWords(input.scope)}. It goes back to ${before} at ${new Date(change.until).toISOString().slice(11, 16)} UTC (${id}).`,
    );
    return change;
  }

  /** Puts a change's level back now (its time is up, or `loggers reset`); false when it was already back. */
  async revert(
    id: string,
    by?: { readonly id: string; readonly name: string; readonly source: string },
  ): Promise<boolean> {
    const change = await this.#read(id);
    if (change === undefined || change.state !== "open") return false;
    const requestId = `logger-revert-${id}`;
    const started = this.#options.now();
    await this.#connect(change.cluster).setLoggerLevel(change.logger, change.before, change.scope, {
      requestId,
    });
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
      args: `${change.logger} ${change.level} → ${change.before} (${id})`,
      outcome: "succeeded",
      detail: who,
      durationMs: this.#options.now() - started,
      requestId,
    });
    await this.#options.stories.tell(
      id,
      `${change.logger} is back to ${change.before} on ${change.cluster} (${who}; it was ${change.level}).`,
    );
    return true;
  }

  async #read(id: string): Promise<LevelChange | undefined> {
    const text = await this.#options.redis.get(this.#keys.logLevelChange(id));
    return text === null ? undefined : LevelChange.parse(JSON.parse(text));
  }

  #connect(cluster: string): LoggerConnect {
    const connect = this.#options.connectOf(cluster);
    if (connect === undefined) throw new Error(`Cluster ${cluster} is not configured`);
    return connect;
  }
}

function revertJobId(id: string): string {
  return `logger-revert-${id}`;
}
