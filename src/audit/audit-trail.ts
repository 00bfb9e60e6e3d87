import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import {
  type AuditLog,
  type AuditQuery,
  type AuditRecord,
  type AuditVerification,
  auditOutcomes,
} from "../core/audit-log.js";
import { type Clock, systemClock } from "../core/clock.js";
import { wellFormed } from "../core/cut-text.js";
import { redactDeep } from "../core/redact.js";
import { retry } from "../core/retry.js";
import { RedisKeys } from "../redis-keys.js";
import { AuditError } from "./audit-error.js";

export type { AuditRecord } from "../core/audit-log.js";

/** Who acted: an adapter's name (an actor's `source`, e.g. "slack", "shell") or "system" (the bot itself). */
const AuditSource = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, "an adapter name such as slack");

const StreamId = z.string().regex(/^\d+-\d+$/, "a stream id such as 1732-0");
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a SHA-256 in lowercase hex");

/**
 * A stored entry, parsed from the stream's field/value pairs. Strict: a field the trail never writes makes the
 * entry malformed, so nothing can ride along in an entry without `verify` noticing.
 */
export const AuditEntry = z.strictObject({
  id: StreamId,
  time: z.iso.datetime(),
  actorId: z.string(),
  actorName: z.string(),
  source: AuditSource,
  cluster: z.string().optional(),
  connector: z.string().optional(),
  command: z.string(),
  args: z.string(),
  outcome: z.enum(auditOutcomes),
  errorCode: z.string().optional(),
  detail: z.string().optional(),
  durationMs: z.string().regex(/^\d+$/, "a whole number of milliseconds").transform(Number),
  requestId: z.string(),
  prevHash: Sha256,
  hash: Sha256,
});
export type AuditEntry = z.output<typeof AuditEntry>;

export interface AuditTrailOptions {
  /** Owned by the caller: the trail never connects or disconnects it. */
  readonly redis: Redis;
  /** e.g. "connect-ops:"; the stream and its head record are named by `RedisKeys`. */
  readonly keyPrefix: string;
  /** The source of each entry's `time`. */
  readonly now?: Clock;
  /**
   * Called with each entry after it is stored, one at a time and in order (the audit channel mirror). It runs
   * in the background, so a slow or failing mirror neither delays nor fails an append.
   */
  readonly onAppend?: (entry: AuditEntry) => void | Promise<void>;
  /** Told when `onAppend` throws; the entry itself is already stored. */
  readonly onMirrorError?: (error: unknown, entry: AuditEntry) => void;
}

/** The prevHash of the first entry. */
export const auditGenesisHash = "0".repeat(64);

/**
 * The fields an entry's hash covers, in hashing order. Changing this list or the serialisation in
 * {@link entryHash} makes every stored trail fail verification.
 */
const hashedFields = [
  "time",
  "actorId",
  "actorName",
  "source",
  "cluster",
  "connector",
  "command",
  "args",
  "outcome",
  "errorCode",
  "detail",
  "durationMs",
  "requestId",
] as const;
type HashedField = (typeof hashedFields)[number];
type HashedFields = Partial<Record<HashedField, string>>;

const maxAttempts = 20;
const pageSize = 500;

/**
 * Appends only if the chain's head is still the one the entry was hashed against, so concurrent writers (several
 * bot replicas) never fork the chain. A writer that lost the race gets the current head back and tries again.
 * KEYS: stream, head. ARGV: the prevHash the entry was hashed against, its hash, then its field/value pairs.
 */
const appendScript = `
local head = redis.call('HGET', KEYS[2], 'hash') or '${auditGenesisHash}'
if head ~= ARGV[1] then return {'stale', head} end
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
redis.call('HSET', KEYS[2], 'hash', ARGV[2], 'id', id)
return {'appended', id}
`;
const AppendReply = z.union([
  z.tuple([z.literal("appended"), StreamId]),
  z.tuple([z.literal("stale"), Sha256]),
]);

/** The head record and the stream's newest id, read at one instant. KEYS: stream, head. */
const snapshotScript = `
local head = redis.call('HMGET', KEYS[2], 'hash', 'id')
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
return {head[1], head[2], newest and newest[1] or false}
`;
const Snapshot = z.tuple([z.string().nullable(), z.string().nullable(), StreamId.nullable()]);
const AuditHead = z.object({ hash: Sha256, id: StreamId });

/**
 * The append-only audit trail: one Redis stream whose entries each carry the SHA-256 of the entry before, plus a
 * head record naming the newest entry, so {@link AuditTrail.verify} finds a changed, deleted or truncated entry.
 * Appends from one trail are written one at a time, in call order; several trails (replicas) may share the keys.
 */
export class AuditTrail implements AuditLog {
  readonly #redis: Redis;
  readonly #stream: string;
  readonly #headKey: string;
  readonly #now: Clock;
  readonly #onAppend: AuditTrailOptions["onAppend"];
  readonly #onMirrorError: AuditTrailOptions["onMirrorError"];
  /** The head as this trail last saw it: right unless another replica appended since. */
  #knownHead = auditGenesisHash;
  #appending: Promise<unknown> = Promise.resolve();
  #mirrored: Promise<void> = Promise.resolve();

  constructor(options: AuditTrailOptions) {
    this.#redis = options.redis;
    const keys = new RedisKeys(options.keyPrefix);
    this.#stream = keys.auditStream;
    this.#headKey = keys.auditHead;
    this.#now = options.now ?? systemClock;
    this.#onAppend = options.onAppend;
    this.#onMirrorError = options.onMirrorError;
  }

  /**
   * Stores one entry at the end of the chain and returns it as stored. Credentials in its text (a command line
   * holding a URL with a password, a failure quoting a trace) are hidden first: the trail keeps no secret.
   */
  async append(record: AuditRecord): Promise<AuditEntry> {
    const fields = storedFields(redactDeep(record), new Date(this.#now()));
    // Checked before anything is written, so a stored entry always parses back.
    const draft = AuditEntry.safeParse({
      ...fields,
      id: "0-0",
      prevHash: auditGenesisHash,
      hash: auditGenesisHash,
    });
    if (!draft.success) {
      throw new AuditError(
        "AUDIT_INVALID_RECORD",
        `The audit record cannot be stored: ${firstIssue(draft.error)}`,
      );
    }
    const stored = this.#appending.then(() => this.#store(fields));
    this.#appending = stored.catch(() => undefined);
    const entry: AuditEntry = { ...draft.data, ...(await stored) };
    this.#mirror(entry);
    return entry;
  }

  /** Resolves once `onAppend` has finished (or failed) for every entry appended so far; for orderly shutdown. */
  whenMirrored(): Promise<void> {
    return this.#mirrored;
  }

  /** Newest first, at most `limit` (default 20, at most 200). Entries that do not parse are left out. */
  async query(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 20), 1), 200);
    const floor = query.since === undefined ? "-" : `${Math.max(query.since.getTime(), 0)}-0`;
    const found: AuditEntry[] = [];
    let upper = "+";
    while (found.length < limit) {
      const page = await this.#redis.xrevrange(this.#stream, upper, floor, "COUNT", pageSize);
      for (const [id, values] of page) {
        const read = readEntry(id, values);
        if (!read.ok) continue;
        const { entry } = read;
        if (query.connector !== undefined && entry.connector !== query.connector) continue;
        if (query.actorId !== undefined && entry.actorId !== query.actorId) continue;
        if (query.actorName !== undefined && entry.actorName.toLowerCase() !== query.actorName.toLowerCase())
          continue;
        found.push(entry);
        if (found.length === limit) break;
      }
      const oldest = page.at(-1);
      if (page.length < pageSize || oldest === undefined) break;
      upper = `(${oldest[0]}`;
    }
    return found;
  }

  /**
   * Walks the chain oldest first, as it stood when the walk began (entries appended meanwhile are not counted),
   * and names the first entry that does not fit.
   */
  async verify(): Promise<AuditVerification> {
    const [headHash, headId, newestId] = Snapshot.parse(
      await this.#redis.eval(snapshotScript, 2, this.#stream, this.#headKey),
    );
    let entries = 0;
    let prevHash = auditGenesisHash;
    let previousId: string | undefined;
    let lower = "-";
    while (newestId !== null) {
      const page = await this.#redis.xrange(this.#stream, lower, newestId, "COUNT", pageSize);
      for (const [id, values] of page) {
        const read = readEntry(id, values);
        if (!read.ok)
          return { ok: false, entries, problem: `entry ${id} is malformed (${read.problem})`, entryId: id };
        const { entry, fields } = read;
        if (entryHash(entry.prevHash, fields) !== entry.hash) {
          const problem = `entry ${id} was changed (its hash does not match its contents)`;
          return { ok: false, entries, problem, entryId: id };
        }
        if (entry.prevHash !== prevHash) {
          const problem =
            previousId === undefined
              ? `the oldest entries were deleted: ${id} is the first entry, but its prevHash names an earlier one`
              : `an entry before ${id} was deleted or rewritten (its prevHash does not match the hash of ${previousId})`;
          return { ok: false, entries, problem, entryId: id };
        }
        prevHash = entry.hash;
        previousId = id;
        entries++;
      }
      if (page.length < pageSize || previousId === undefined) break;
      lower = `(${previousId}`;
    }
    return checkHead(headHash, headId, previousId, prevHash, entries, this.#headKey);
  }

  async #store(fields: HashedFields): Promise<Pick<AuditEntry, "id" | "prevHash" | "hash">> {
    const pairs = Object.entries(fields).flatMap(([name, value]) =>
      value === undefined ? [] : [name, value],
    );
    let prevHash = this.#knownHead;
    const overtaken = Symbol("another writer appended first");
    return retry(
      async () => {
        const hash = entryHash(prevHash, fields);
        const args = [prevHash, hash, ...pairs, "prevHash", prevHash, "hash", hash];
        const reply = AppendReply.safeParse(
          await this.#redis.eval(appendScript, 2, this.#stream, this.#headKey, ...args),
        );
        if (!reply.success) {
          throw new AuditError(
            "AUDIT_CORRUPT",
            `The audit trail's head record ${this.#headKey} is not one the trail wrote (${firstIssue(reply.error)}), so nothing can be appended; \`audit verify\` says more.`,
          );
        }
        const [status, value] = reply.data;
        if (status === "appended") {
          this.#knownHead = hash;
          return { id: value, prevHash, hash };
        }
        prevHash = value;
        throw overtaken;
      },
      {
        attempts: maxAttempts,
        // A random, growing pause: retrying at once lets the same faster writers win every race.
        backoff: { firstMs: 1, factor: 2, maxMs: 100, jitter: "full" },
        retryable: (error) => error === overtaken,
        giveUp: (error) => {
          if (error !== overtaken) return error;
          this.#knownHead = prevHash;
          return new AuditError(
            "AUDIT_CONTENDED",
            `Other writers appended to the audit trail first on each of ${maxAttempts} tries; try again.`,
          );
        },
      },
    );
  }

  #mirror(entry: AuditEntry): void {
    const onAppend = this.#onAppend;
    if (onAppend === undefined) return;
    this.#mirrored = this.#mirrored
      .then(() => onAppend(entry))
      .catch((error: unknown) => {
        try {
          this.#onMirrorError?.(error, entry);
        } catch {
          // A failing error reporter must not break the mirror chain for later entries.
        }
      });
  }
}

/**
 * The entry's fields as stored in the stream: strings, absent ones left out, each well-formed Unicode. Redis
 * receives UTF-8, where a lone UTF-16 surrogate becomes U+FFFD: hashing the text before that change made
 * `verify` see tampering in an entry nobody touched, so the hash covers exactly the characters stored.
 */
function storedFields(record: AuditRecord, time: Date): HashedFields {
  const all: Record<HashedField, string | undefined> = {
    time: time.toISOString(),
    actorId: record.actorId,
    actorName: record.actorName,
    source: record.source,
    cluster: record.cluster,
    connector: record.connector,
    command: record.command,
    args: record.args,
    outcome: record.outcome,
    errorCode: record.errorCode,
    detail: record.detail,
    durationMs: String(Math.round(record.durationMs)),
    requestId: record.requestId,
  };
  const stored: HashedFields = {};
  for (const name of hashedFields) {
    const value = all[name];
    if (value !== undefined) stored[name] = wellFormed(value);
  }
  return stored;
}

/**
 * sha256, in hex, of the JSON object `{"prevHash":…,"time":…,…,"requestId":…}`: prevHash, then the hashed
 * fields in their fixed order, each as the string stored in the stream, an absent field as null. JSON keeps field
 * boundaries unambiguous, so text cannot be moved from one field into its neighbour without changing the hash.
 */
function entryHash(prevHash: string, fields: HashedFields): string {
  const canonical = JSON.stringify(
    Object.fromEntries([["prevHash", prevHash], ...hashedFields.map((name) => [name, fields[name] ?? null])]),
  );
  return createHash("sha256").update(canonical).digest("hex");
}

type ReadEntry =
  | { readonly ok: true; readonly entry: AuditEntry; readonly fields: HashedFields }
  | { readonly ok: false; readonly problem: string };

/** Parses one stream entry; `fields` are the raw stored strings its hash was computed over. */
function readEntry(id: string, values: readonly string[]): ReadEntry {
  const raw: Record<string, string> = {};
  for (let i = 0; i < values.length; i += 2) {
    const name = values[i] ?? "";
    if (Object.hasOwn(raw, name)) return { ok: false, problem: `the field ${name} appears twice` };
    raw[name] = values[i + 1] ?? "";
  }
  const parsed = AuditEntry.safeParse({ ...raw, id });
  if (!parsed.success) return { ok: false, problem: firstIssue(parsed.error) };
  const fields: HashedFields = {};
  for (const name of hashedFields) {
    const value = raw[name];
    if (value !== undefined) fields[name] = value;
  }
  return { ok: true, entry: parsed.data, fields };
}

function checkHead(
  headHash: string | null,
  headId: string | null,
  newestId: string | undefined,
  newestHash: string,
  entries: number,
  headKey: string,
): AuditVerification {
  if (headHash === null && headId === null) {
    if (newestId === undefined) return { ok: true, entries };
    const problem = `the head record ${headKey} was deleted, so deleted newest entries cannot be ruled out`;
    return { ok: false, entries, problem };
  }
  const head = AuditHead.safeParse({ hash: headHash, id: headId });
  if (!head.success) {
    return {
      ok: false,
      entries,
      problem: `the head record ${headKey} is malformed (${firstIssue(head.error)})`,
    };
  }
  const { id, hash } = head.data;
  if (newestId === undefined || compareStreamIds(id, newestId) > 0) {
    const end = newestId === undefined ? "the stream is empty" : `the stream ends at ${newestId}`;
    return {
      ok: false,
      entries,
      problem: `the newest entries were deleted: the head names ${id} but ${end}`,
      entryId: id,
    };
  }
  if (id !== newestId) {
    const problem = `entries were added without the audit trail: the head names ${id} but the stream ends at ${newestId}`;
    return { ok: false, entries, problem, entryId: newestId };
  }
  if (hash !== newestHash) {
    const problem = `the head record ${headKey} was changed (its hash does not match entry ${id})`;
    return { ok: false, entries, problem, entryId: id };
  }
  return { ok: true, entries };
}

function compareStreamIds(a: string, b: string): number {
  const [aMs = 0n, aSeq = 0n] = a.split("-").map(BigInt);
  const [bMs = 0n, bSeq = 0n] = b.split("-").map(BigInt);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1;
}

function firstIssue(error: z.ZodError): string {
  const [issue] = error.issues;
  if (issue === undefined) return "invalid";
  return issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`;
}
