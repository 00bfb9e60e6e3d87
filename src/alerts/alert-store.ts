import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import { globMatches } from "../core/glob.js";
import type * as Vocabulary from "../core/ports.js";
import { type ConnectorSample, ConnectorState } from "../core/ports.js";
import { redactText } from "../core/redact.js";
import { RedisKeys } from "../redis-keys.js";
import { alertRules } from "./alert-rules.js";
import { sharingUnchanged } from "./connector-sample.js";

const Person = z.object({ id: z.string(), name: z.string() });

/**
 * Alerts stored before message addresses were opaque hold Slack's `{ channel, ts }` (Slack was the only adapter):
 * read as the address the Slack adapter writes now, `<channel>:<ts>`, so they still resolve in their own messages.
 */
function slackRefOfEarlierVersions(value: unknown): unknown {
  const legacy = z.object({ channel: z.string(), ts: z.string() }).safeParse(value);
  return legacy.success ? `${legacy.data.channel}:${legacy.data.ts}` : value;
}

/**
 * Where an alert's message is, as the adapter that posted it wrote it down: only that adapter reads it (see
 * src/slack/slack-alerts.ts). Several alerts that started together share one; the domain only compares them.
 */
export const MessageAddress = z.preprocess(
  slackRefOfEarlierVersions,
  z.string().min(1).brand<"MessageAddress">(),
);
export type MessageAddress = z.infer<typeof MessageAddress>;

/** One alert, firing or resolved, as stored and as its message shows it. */
export const Alert = z.object({
  /** `<cluster>/<connector>/<rule>`. */
  key: z.string(),
  cluster: z.string(),
  connector: z.string(),
  rule: z.enum(alertRules),
  summary: z.string(),
  details: z.array(z.string()),
  value: z.number(),
  firedAt: z.number(),
  resolvedAt: z.number().optional(),
  remindedAt: z.number().optional(),
  acknowledgedBy: Person.optional(),
  snoozedUntil: z.number().optional(),
  /** The value last told in the thread: small changes edit the message without a thread reply. */
  announcedValue: z.number(),
  message: MessageAddress.optional(),
  /**
   * Times it fired again within the flap window after it had resolved (cluster-poll.ts): a flapping connector
   * stays this one alert, in its one message, with each return told in the thread.
   */
  flaps: z.number().int().min(1).optional(),
  /** When it last fired again after resolving (epoch ms); `firedAt` stays its first start. */
  lastFiredAt: z.number().optional(),
  /**
   * Posted in one summary message with the other alerts of its rule that started in the same poll (a storm,
   * alert-delivery.ts); its details are in that message's thread.
   */
  inSummary: z.literal(true).optional(),
  /**
   * The receivers beyond Slack told that it fired (alert-receivers.ts): its acknowledgement and resolution go to
   * them, whatever the routes say by then.
   */
  receivers: z.array(z.string()).optional(),
}) satisfies z.ZodType<Vocabulary.AlertView>;
export type Alert = z.infer<typeof Alert>;

/** Where a connector or task ran (see connector-sample.ts `Placement`). */
const Placement = { workerId: z.string().optional(), workerGone: z.literal(true).optional() };

const Sample = z.object({
  at: z.number(),
  state: ConnectorState,
  type: z.enum(["sink", "source", "unknown"]),
  ...Placement,
  tasks: z.array(
    z.object({ id: z.number(), state: ConnectorState, trace: z.string().optional(), ...Placement }),
  ),
  trace: z.string().optional(),
  partitions: z
    .array(
      z.object({
        topic: z.string(),
        partition: z.number(),
        committed: z.number().nullable(),
        logStart: z.number(),
        logEnd: z.number(),
        lag: z.number().optional(),
        uncounted: z.number().optional(),
        held: z.number().optional(),
        oldestUnreadAt: z.number().optional(),
      }),
    )
    .optional(),
  unreadTopics: z.array(z.string()).optional(),
  topicsUnknown: z.string().optional(),
  underApprovedOperation: z.boolean(),
});

const Snooze = z.object({ until: z.number(), by: Person }) satisfies z.ZodType<Vocabulary.Snooze>;

export const Silence = z.object({
  id: z.string(),
  /** A glob over connector names (`orders-*`). */
  pattern: z.string(),
  cluster: z.string(),
  until: z.number(),
  reason: z.string(),
  by: Person,
}) satisfies z.ZodType<Vocabulary.Silence>;

/** Sets a hash field only if it still holds what the change was computed from ("" for absent). */
const compareAndSetField = `
local current = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if current ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`;

/**
 * Appends one sample to each history (KEYS[2..], samples ARGV[4..]), keeps the newest ARGV[2] of each, and puts
 * this writer's id (ARGV[1]) in KEYS[1], all with the TTL ARGV[3] (ms). Returns the previous writer's id ("" for
 * none) and each list's length after its append. One command for a whole cluster: atomic, so no other writer's
 * append falls between the id read and ours, and a few allocations where three commands per connector made
 * thousands.
 */
const appendSamples = `
local previous = redis.call('GET', KEYS[1]) or ''
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
local lengths = {}
for i = 2, #KEYS do
  lengths[i - 1] = redis.call('RPUSH', KEYS[i], ARGV[i + 2])
  redis.call('LTRIM', KEYS[i], -tonumber(ARGV[2]), -1)
  redis.call('PEXPIRE', KEYS[i], ARGV[3])
end
return {previous, lengths}
`;

/** What `appendSamples` returns: the previous writer's id ("" for none) and each list's length after its append. */
const AppendReply = z.tuple([z.string(), z.array(z.number())]);

/** A message and the alerts it shows, resolved ones included, so it can be drawn again whole. */
const MessageAlerts = z.array(Alert);

/** How long a history, and the id of its last writer, stay in Redis once no poll appends to it (ms). */
const historyTtlMs = 86_400_000;

/**
 * Alert state in Redis: a short sample history per connector (the rules' windows), the firing alerts per cluster,
 * what each alert message shows, snoozes and silences. Every value is JSON parsed on the way in.
 */
export class AlertStore {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  /** This store's id as a writer of sample histories (see recordSamples). */
  readonly #writer = randomUUID();
  /**
   * Each cluster's histories as this store last wrote them, by connector, oldest first. Reading every history
   * back each poll parsed `keep` samples per connector (JSON and zod): megabytes of garbage every 30 s with 1,000
   * connectors (docs/performance.md).
   */
  readonly #written = new Map<string, ReadonlyMap<string, readonly ConnectorSample[]>>();

  /**
   * Each trace of the last recorded samples, redacted, by its raw text: a task that stays FAILED reports the same
   * trace every poll, and 1,000 of them took a third of a second to redact again each time.
   */
  #redactedTraces = new Map<string, string>();

  constructor(redis: Redis, keyPrefix: string) {
    this.#redis = redis;
    this.#keys = new RedisKeys(keyPrefix);
  }

  /**
   * Appends each connector's sample and returns its history, oldest first, keeping the newest `keep`: one
   * script for the whole cluster, not a round trip per connector. Redis stays the durable copy; a history is
   * read back from it only when this store's own copy may differ: when another writer (a replica that held the
   * poll, or this process before a restart) wrote the cluster's histories since this store did, when Redis lost
   * them (the writer id is gone), or when a list's length after the append is not the copy's plus one (a history
   * expired or evicted alone).
   */
  async recordSamples(
    cluster: string,
    samples: ReadonlyMap<string, ConnectorSample>,
    keep: number,
  ): Promise<ReadonlyMap<string, readonly ConnectorSample[]>> {
    // Not trusted again until this write is known to have landed.
    const written = this.#written.get(cluster);
    this.#written.delete(cluster);
    const connectors = [...samples.keys()];
    const redacted = this.#atRest(samples);
    const [previousWriter, lengths] = AppendReply.parse(
      await this.#redis.eval(
        appendSamples,
        1 + connectors.length,
        this.#keys.alertHistoryWriter(cluster),
        ...connectors.map((connector) => this.#keys.alertHistory(cluster, connector)),
        this.#writer,
        keep,
        historyTtlMs,
        ...[...redacted.values()].map((sample) => JSON.stringify(sample)),
      ),
    );
    const own = previousWriter === this.#writer ? written : undefined;
    const histories = new Map<string, readonly ConnectorSample[]>();
    const toRead: string[] = [];
    let i = 0;
    for (const [connector, sample] of redacted) {
      const before = own?.get(connector) ?? [];
      if (lengths[i++] === before.length + 1)
        histories.set(connector, [...before, sharingUnchanged(sample, before.at(-1))].slice(-keep));
      else toRead.push(connector);
    }
    if (toRead.length > 0) {
      const pipeline = this.#redis.pipeline();
      for (const connector of toRead) pipeline.lrange(this.#keys.alertHistory(cluster, connector), 0, -1);
      const stored = (await pipeline.exec()) ?? [];
      toRead.forEach((connector, i) => {
        const history: ConnectorSample[] = [];
        for (const line of replyOf(stored, i) as string[])
          history.push(sharingUnchanged(parseSample(line), history.at(-1)));
        histories.set(connector, history);
      });
    }
    this.#written.set(cluster, histories);
    return histories;
  }

  /**
   * The samples as they may be kept: their traces (connector and tasks) through the same redaction as every text
   * that leaves the bot (src/core/redact.ts). A failing task's trace can quote a password or a token; Redis holds
   * it for a day, and its dumps and replicas longer.
   */
  #atRest(samples: ReadonlyMap<string, ConnectorSample>): Map<string, ConnectorSample> {
    const previous = this.#redactedTraces;
    const current = new Map<string, string>();
    const redact = (trace: string | undefined): string | undefined => {
      if (trace === undefined) return undefined;
      const redacted = current.get(trace) ?? previous.get(trace) ?? redactText(trace);
      current.set(trace, redacted);
      return redacted;
    };
    const result = new Map<string, ConnectorSample>();
    for (const [connector, sample] of samples) {
      const trace = redact(sample.trace);
      result.set(
        connector,
        sample.trace === undefined && sample.tasks.every((task) => task.trace === undefined)
          ? sample
          : {
              ...sample,
              ...(trace === undefined ? {} : { trace }),
              tasks: sample.tasks.map((task) =>
                task.trace === undefined ? task : { ...task, trace: redact(task.trace) },
              ),
            },
      );
    }
    this.#redactedTraces = current;
    return result;
  }

  async history(cluster: string, connector: string): Promise<ConnectorSample[]> {
    const stored = await this.#redis.lrange(this.#keys.alertHistory(cluster, connector), 0, -1);
    return stored.map(parseSample);
  }

  async firing(cluster: string): Promise<Map<string, Alert>> {
    const stored = await this.#redis.hgetall(this.#keys.alertFiring(cluster));
    return new Map(Object.entries(stored).map(([key, value]) => [key, Alert.parse(JSON.parse(value))]));
  }

  /**
   * Changes a firing alert against its latest stored version (a click may have acknowledged it while a poll ran);
   * `change` gets undefined when the alert is no longer firing and may return undefined to leave it so.
   */
  async updateFiring(
    cluster: string,
    key: string,
    change: (fresh: Alert | undefined) => Alert | undefined,
  ): Promise<Alert | undefined> {
    const hash = this.#keys.alertFiring(cluster);
    for (;;) {
      const stored = await this.#redis.hget(hash, key);
      const changed = change(stored === null ? undefined : Alert.parse(JSON.parse(stored)));
      if (changed === undefined) return undefined;
      const next = alertAtRest(changed);
      const won = await this.#redis.eval(
        compareAndSetField,
        1,
        hash,
        key,
        stored ?? "",
        JSON.stringify(next),
      );
      if (won === 1) return next;
    }
  }

  async saveFiring(alert: Alert): Promise<void> {
    await this.#redis.hset(
      this.#keys.alertFiring(alert.cluster),
      alert.key,
      JSON.stringify(alertAtRest(alert)),
    );
  }

  async removeFiring(alert: Alert): Promise<void> {
    await this.#redis.hdel(this.#keys.alertFiring(alert.cluster), alert.key);
  }

  /** Keeps a resolved alert for `forMs`: it is the one to reopen if the same alert fires again meanwhile. */
  async keepResolved(alert: Alert, forMs: number): Promise<void> {
    if (forMs <= 0) return;
    await this.#redis.set(
      this.#keys.alertResolved(alert.key),
      JSON.stringify(alertAtRest(alert)),
      "PX",
      forMs,
    );
  }

  /** The alerts of these keys that resolved within their flap window, by key, in one round trip. */
  async recentlyResolved(keys: readonly string[]): Promise<Map<string, Alert>> {
    if (keys.length === 0) return new Map();
    const stored = await this.#redis.mget(keys.map((key) => this.#keys.alertResolved(key)));
    return new Map(
      keys.flatMap((key, i) => {
        const value = stored[i];
        return value === null || value === undefined ? [] : [[key, Alert.parse(JSON.parse(value))]];
      }),
    );
  }

  /** It fires again: no longer a resolved alert to reopen. */
  async forgetResolved(alert: Alert): Promise<void> {
    await this.#redis.del(this.#keys.alertResolved(alert.key));
  }

  async messageAlerts(message: MessageAddress): Promise<Alert[]> {
    const stored = await this.#redis.get(this.#keys.alertMessage(message));
    return stored === null ? [] : MessageAlerts.parse(JSON.parse(stored));
  }

  /** Stores the alerts a message shows, replacing older copies of the same alerts. */
  async saveMessageAlerts(message: MessageAddress, alerts: readonly Alert[]): Promise<Alert[]> {
    const current = await this.messageAlerts(message);
    const latest = new Map(alerts.map((alert) => [alert.key, alertAtRest(alert)]));
    const merged = current.map((old) => latest.get(old.key) ?? old);
    const known = new Set(current.map((old) => old.key));
    for (const [key, alert] of latest) if (!known.has(key)) merged.push(alert);
    await this.#redis.set(this.#keys.alertMessage(message), JSON.stringify(merged), "EX", 30 * 86_400);
    return merged;
  }

  async snooze(cluster: string, connector: string, snooze: Vocabulary.Snooze): Promise<void> {
    await this.#redis.set(
      this.#keys.alertSnooze(cluster, connector),
      JSON.stringify(snooze),
      "PXAT",
      snooze.until,
    );
  }

  /** True when there was a snooze to remove. */
  async unsnooze(cluster: string, connector: string): Promise<boolean> {
    return (await this.#redis.del(this.#keys.alertSnooze(cluster, connector))) === 1;
  }

  /** The snoozes of these connectors, in one round trip. */
  async snoozes(cluster: string, connectors: readonly string[]): Promise<Map<string, Vocabulary.Snooze>> {
    if (connectors.length === 0) return new Map();
    const stored = await this.#redis.mget(
      connectors.map((connector) => this.#keys.alertSnooze(cluster, connector)),
    );
    return new Map(
      connectors.flatMap((connector, i) => {
        const value = stored[i];
        return value === null || value === undefined ? [] : [[connector, Snooze.parse(JSON.parse(value))]];
      }),
    );
  }

  async addSilence(silence: Vocabulary.Silence): Promise<void> {
    await this.#redis.hset(this.#keys.alertSilences, silence.id, JSON.stringify(silence));
  }

  /** Silences still in force; expired ones are dropped as they are met. */
  async silences(now: number): Promise<Vocabulary.Silence[]> {
    const stored = Object.values(await this.#redis.hgetall(this.#keys.alertSilences)).map((value) =>
      Silence.parse(JSON.parse(value)),
    );
    const expired = stored.filter((silence) => silence.until <= now);
    if (expired.length > 0)
      await this.#redis.hdel(this.#keys.alertSilences, ...expired.map((silence) => silence.id));
    return stored.filter((silence) => silence.until > now);
  }

  async nextSilenceId(): Promise<string> {
    return `silence-${await this.#redis.incr(this.#keys.alertSilenceCounter)}`;
  }

  /**
   * One poll of a cluster at a time across replicas: a poll that outlasts the interval must not overlap the next
   * one of the same cluster, or both would post the same new alert. Other clusters' polls run meanwhile.
   */
  async claimPoll(cluster: string, holder: string, forMs: number): Promise<boolean> {
    return (await this.#redis.set(this.#keys.alertPollLock(cluster), holder, "PX", forMs, "NX")) !== null;
  }

  /**
   * Keeps a long poll's claim alive for `forMs` more, so a slow poll is never overlapped by the next one; false
   * when the claim lapsed (or another replica holds it now).
   */
  async renewPoll(cluster: string, holder: string, forMs: number): Promise<boolean> {
    const renewed = await this.#redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0",
      1,
      this.#keys.alertPollLock(cluster),
      holder,
      String(forMs),
    );
    return renewed === 1;
  }

  /** Counts polls in a row that could not reach a cluster's Connect; a reachable poll resets it. */
  async countUnreachable(cluster: string, reachable: boolean): Promise<number> {
    const key = this.#keys.alertUnreachable(cluster);
    if (reachable) {
      await this.#redis.del(key);
      return 0;
    }
    const [[, count]] = (await this.#redis.multi().incr(key).pexpire(key, 86_400_000).exec()) as [
      [unknown, number],
    ];
    return count;
  }

  /**
   * Records that a poll started or completed, for every replica's watchdog; kept a day, so an old one still reads
   * as old.
   */
  async notePollActivity(at: number): Promise<void> {
    await this.#redis.set(this.#keys.alertLastPoll, String(at), "PX", 86_400_000);
  }

  /** When any replica last started or completed a poll, if Redis still knows. */
  async lastPollActivity(): Promise<number | undefined> {
    const stored = await this.#redis.get(this.#keys.alertLastPoll);
    return stored === null ? undefined : Number(stored);
  }

  /**
   * The id of the alert state Redis holds now: a marker set once, never expiring. When Redis loses its data (a
   * flush, a failover to an empty replica, an eviction) the next caller sets a new one, so every process sees
   * the change, however many noticed before it.
   */
  async stateEpoch(): Promise<string> {
    const key = this.#keys.alertStateEpoch;
    await this.#redis.set(key, randomUUID(), "NX");
    return (await this.#redis.get(key)) ?? "";
  }

  /** Puts back an alert Redis lost, unless the alert is stored again already (a newer state wins). */
  async restoreFiring(alert: Alert): Promise<void> {
    await this.#redis.hsetnx(
      this.#keys.alertFiring(alert.cluster),
      alert.key,
      JSON.stringify(alertAtRest(alert)),
    );
  }

  /** One replica tells the channel that alerting stopped; the claim lasts as long as the notice is up. */
  async claimStoppedNotice(holder: string, forMs: number): Promise<boolean> {
    return (await this.#redis.set(this.#keys.alertStoppedNotice, holder, "PX", forMs, "NX")) !== null;
  }

  async releaseStoppedNotice(): Promise<void> {
    await this.#redis.del(this.#keys.alertStoppedNotice);
  }

  async releasePoll(cluster: string, holder: string): Promise<void> {
    await this.#redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
      1,
      this.#keys.alertPollLock(cluster),
      holder,
    );
  }
}

/**
 * An alert as it may be kept: its summary and details redacted. The rules redact the traces they quote already;
 * this holds for every alert whatever made it (Connect's own error text in "Connect unreachable", a new rule).
 */
function alertAtRest(alert: Alert): Alert {
  return { ...alert, summary: redactText(alert.summary), details: alert.details.map(redactText) };
}

function parseSample(line: string): ConnectorSample {
  return Sample.parse(JSON.parse(line));
}

/** The `i`th reply of a pipeline; @throws the command's error */
function replyOf(replies: [error: Error | null, result: unknown][], i: number): unknown {
  const [error, result] = replies[i] ?? [new Error(`no reply ${i} from Redis`), undefined];
  if (error) throw error;
  return result;
}

export function isSilenced(
  silences: readonly Vocabulary.Silence[],
  cluster: string,
  connector: string,
): Vocabulary.Silence | undefined {
  return silences.find((silence) => silence.cluster === cluster && globMatches(silence.pattern, connector));
}
