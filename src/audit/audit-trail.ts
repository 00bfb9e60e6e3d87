import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";

export const auditOutcomes = [
  "succeeded",
  "refused",
  "failed",
  "requested",
  "approved",
  "denied",
  "expired",
  "cancelled",
] as const;

/** What a caller records. Arguments arrive with secrets already hidden. */
export interface AuditRecord {
  readonly actorId: string;
  readonly actorName: string;
  readonly source: "slack" | "shell" | "system";
  readonly cluster?: string;
  readonly connector?: string;
  readonly command: string;
  readonly args: string;
  readonly outcome: (typeof auditOutcomes)[number];
  readonly errorCode?: string;
  /** Why it was refused or failed, in words. */
  readonly detail?: string;
  readonly durationMs: number;
  readonly requestId: string;
}

/** A stored entry, as read back from the stream. */
export const AuditEntry = z.object({
  id: z.string(),
  time: z.string(),
  actorId: z.string(),
  actorName: z.string(),
  source: z.enum(["slack", "shell", "system"]),
  cluster: z.string().optional(),
  connector: z.string().optional(),
  command: z.string(),
  args: z.string(),
  outcome: z.enum(auditOutcomes),
  errorCode: z.string().optional(),
  detail: z.string().optional(),
  durationMs: z.coerce.number(),
  requestId: z.string(),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export type AuditVerification =
  | { readonly ok: true; readonly entries: number }
  | { readonly ok: false; readonly entries: number; readonly problem: string; readonly entryId?: string };

export interface AuditQuery {
  readonly connector?: string;
  readonly actorId?: string;
  readonly since?: Date;
  readonly limit?: number;
}

const genesis = "0".repeat(64);
/** Fields in hashing order: a fixed order, so the same entry always hashes the same. */
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

/**
 * Appends only if the chain's head is still the one the entry was hashed against, so concurrent writers (several
 * bot replicas) can never fork the chain: the loser re-reads the head and tries again.
 */
const appendScript = `
local head = redis.call('HGET', KEYS[2], 'hash')
if (head or '${genesis}') ~= ARGV[1] then return false end
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
redis.call('HSET', KEYS[2], 'hash', ARGV[2], 'id', id)
return id
`;

/**
 * The append-only audit trail: one Redis stream, each entry carrying the SHA-256 of the one before it, and a
 * head record naming the newest entry, so {@link verify} finds a changed, deleted or truncated entry.
 */
export class AuditTrail {
  readonly #redis: Redis;
  readonly #stream: string;
  readonly #head: string;
  readonly #now: () => Date;
  readonly #onAppend: ((entry: AuditEntry) => Promise<void>) | undefined;

  constructor(options: {
    redis: Redis;
    keyPrefix: string;
    now?: () => Date;
    /** Called after each append (the audit channel mirror); its failures never lose the entry. */
    onAppend?: (entry: AuditEntry) => Promise<void>;
  }) {
    this.#redis = options.redis;
    this.#stream = `${options.keyPrefix}audit`;
    this.#head = `${options.keyPrefix}audit:head`;
    this.#now = options.now ?? (() => new Date());
    this.#onAppend = options.onAppend;
  }

  async append(record: AuditRecord): Promise<AuditEntry> {
    const fields: Record<string, string> = { time: this.#now().toISOString() };
    for (const [key, value] of Object.entries(record)) {
      if (value !== undefined) fields[key] = String(value);
    }
    for (let attempt = 0; attempt < 50; attempt++) {
      const prevHash = (await this.#redis.hget(this.#head, "hash")) ?? genesis;
      const hash = entryHash(prevHash, fields);
      const flat = Object.entries({ ...fields, prevHash, hash }).flat();
      const id = (await this.#redis.eval(
        appendScript,
        2,
        this.#stream,
        this.#head,
        prevHash,
        hash,
        ...flat,
      )) as string | null;
      if (id !== null) {
        const entry = AuditEntry.parse({ ...fields, prevHash, hash, id });
        await this.#onAppend?.(entry).catch(() => undefined);
        return entry;
      }
    }
    throw new Error("The audit trail is too busy to append to: 50 concurrent writers won in a row.");
  }

  /** Newest first, at most `limit` (default 20, at most 200). */
  async query(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const limit = Math.min(Math.max(query.limit ?? 20, 1), 200);
    const floor = query.since === undefined ? "-" : `${query.since.getTime()}-0`;
    const found: AuditEntry[] = [];
    let upper = "+";
    while (found.length < limit) {
      const page = await this.#redis.xrevrange(this.#stream, upper, floor, "COUNT", 500);
      for (const [id, values] of page) {
        const entry = parseEntry(id, values);
        if (entry === undefined) continue;
        if (query.connector !== undefined && entry.connector !== query.connector) continue;
        if (query.actorId !== undefined && entry.actorId !== query.actorId) continue;
        found.push(entry);
        if (found.length === limit) break;
      }
      const last = page.at(-1);
      if (page.length < 500 || last === undefined) break;
      upper = `(${last[0]}`;
    }
    return found;
  }

  /** Walks the whole chain, oldest first, and names the first entry that does not fit. */
  async verify(): Promise<AuditVerification> {
    let prevHash = genesis;
    let lastId: string | undefined;
    let entries = 0;
    let lower = "-";
    for (;;) {
      const page = await this.#redis.xrange(this.#stream, lower, "+", "COUNT", 500);
      for (const [id, values] of page) {
        const entry = parseEntry(id, values);
        if (entry === undefined)
          return { ok: false, entries, problem: `entry ${id} is malformed`, entryId: id };
        if (entry.prevHash !== prevHash) {
          return {
            ok: false,
            entries,
            problem: `an entry before ${id} was deleted or changed: its link to the previous entry is broken`,
            entryId: id,
          };
        }
        if (entryHash(entry.prevHash, fieldsOf(entry)) !== entry.hash) {
          return {
            ok: false,
            entries,
            problem: `entry ${id} was changed: its hash does not match its contents`,
            entryId: id,
          };
        }
        prevHash = entry.hash;
        lastId = id;
        entries++;
      }
      const last = page.at(-1);
      if (page.length < 500 || last === undefined) break;
      lower = `(${last[0]}`;
    }
    const head = await this.#redis.hgetall(this.#head);
    if ((head.hash ?? genesis) !== prevHash) {
      return {
        ok: false,
        entries,
        problem: `the newest entries were deleted: the trail should end at ${head.id ?? "(nothing)"} but ends at ${lastId ?? "(nothing)"}`,
      };
    }
    return { ok: true, entries };
  }
}

function entryHash(prevHash: string, fields: Readonly<Record<string, string>>): string {
  const hash = createHash("sha256").update(prevHash);
  for (const key of hashedFields) hash.update(`\u0000${key}=${fields[key] ?? "\u0001"}`);
  return hash.digest("hex");
}

function fieldsOf(entry: AuditEntry): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const key of hashedFields) {
    const value = entry[key];
    if (value !== undefined) fields[key] = String(value);
  }
  return fields;
}

function parseEntry(id: string, values: readonly string[]): AuditEntry | undefined {
  const record: Record<string, string> = { id };
  for (let i = 0; i + 1 < values.length; i += 2) record[values[i] ?? ""] = values[i + 1] ?? "";
  const parsed = AuditEntry.safeParse(record);
  return parsed.success ? parsed.data : undefined;
}
