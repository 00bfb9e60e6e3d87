import { randomInt } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import { ApprovalRequest } from "../../approvals/approval-request.js";
import type { ApprovalStore, ConnectorPlace, StoreTransition } from "../../approvals/approval-store.js";
import { Operation, sealedFieldsOf } from "../../approvals/kinds/registry.js";
import { type ApprovalState, openStates } from "../../approvals/request-record.js";
import { ConfigSealer } from "../core/config-sealer.js";
import { redactDeep } from "../core/redact.js";
import { RedisKeys } from "../redis-keys.js";

const Settings = z.record(z.string(), z.string());

/** The secret settings an operation names (`secretKeys`), or none. */
function secretKeysOf(operation: Operation): readonly string[] {
  return "secretKeys" in operation ? operation.secretKeys : [];
}

/** Letters and digits nobody misreads (no 0/o, 1/l/i): the random tail of an id stays easy to type. */
const idAlphabet = "23456789abcdefghjkmnpqrstuvwxyz";

/**
 * Replaces a request only if it is still exactly the version the change was computed from: the whole request is
 * one JSON value, so every transition is an atomic compare-and-set however many replicas click at once. A request
 * that ends frees its connector (KEYS[2]) for the next request, if it still holds it.
 */
const compareAndSetScript = `
local current = redis.call('GET', KEYS[1])
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
if ARGV[4] == '1' and redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1
`;

/**
/**
 * Stores a new request unless its connector has an open one: returns '' when stored, else the open request's id.
 * A connector held by a request that is gone or ended (its release lost with a crash), or still pending past its
 * expiry (its expiry job lost or not yet run: nobody can approve it any more), is free.
 * KEYS: request, connector's holder, index. ARGV: request JSON, id, created (ms), the request keys' prefix, now
 * (ISO 8601 UTC, as toISOString writes it: such timestamps order as strings).
 */
const createScript = `
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[2] then
  local standing = redis.call('GET', ARGV[4] .. holder)
  if standing then
    local open = cjson.decode(standing)
    if open.state == 'approved' or open.state == 'executing' then return holder end
    if open.state == 'pending' and open.expiresAt > ARGV[5] then return holder end
  end
end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return redis.error_reply('request exists already') end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
return ''
`;

/** Renews (ARGV[2] = ms) or, with ARGV[2] = 0, releases a lock, only for its owner (ARGV[1]). */
const ownLockScript = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`;

/**
 * The approval store in Redis. Requests live as one JSON value each, plus an index, the open request of each connector, and the
 * execution lock of each connector, named by `RedisKeys`. The secret settings of the configs a request
 * carries (a delete's or config change's snapshot, a re-creation, a config change) are sealed as they are written and opened as they are read, so
 * nothing past this class sees a sealed value and Redis never holds a secret in clear.
 */
export class RedisApprovalStore implements ApprovalStore {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #sealer: ConfigSealer;

  constructor(redis: Redis, keyPrefix: string, sealer: ConfigSealer = new ConfigSealer()) {
    this.#redis = redis;
    this.#keys = new RedisKeys(keyPrefix);
    this.#sealer = sealer;
  }

  #encode(request: ApprovalRequest): string {
    const { operation, snapshotConfig, snapshotSecretKeys, reason, planSummary, outcome, decisionNote } =
      request;
    return JSON.stringify({
      ...request,
      // Free text can quote a failure or a URL: stored with its credentials hidden, as everything that leaves.
      ...redactDeep({ reason, planSummary, outcome, decisionNote }),
      ...(snapshotConfig === undefined
        ? {}
        : { snapshotConfig: this.#sealer.seal(snapshotConfig, snapshotSecretKeys ?? []) }),
      operation: this.#sealOperation(operation),
    });
  }

  /** The settings fields its kind declares sealed (`OperationKind.sealed`), their secret settings sealed. */
  #sealOperation(operation: Operation): Operation {
    return this.#eachSealed(operation, (settings) => this.#sealer.seal(settings, secretKeysOf(operation)));
  }

  /** The settings fields its kind declares sealed, opened. */
  #openOperation(operation: Operation): Operation {
    return this.#eachSealed(operation, (settings) => this.#sealer.open(settings));
  }

  #eachSealed(operation: Operation, change: (settings: Record<string, string>) => Record<string, string>) {
    const fields = sealedFieldsOf(operation);
    if (fields.length === 0) return operation;
    const record: Record<string, unknown> = { ...operation };
    for (const field of fields) record[field] = change(Settings.parse(record[field]));
    return Operation.parse(record);
  }

  #decode(stored: string): ApprovalRequest {
    const request = ApprovalRequest.parse(JSON.parse(stored));
    const { operation, snapshotConfig } = request;
    return {
      ...request,
      ...(snapshotConfig === undefined ? {} : { snapshotConfig: this.#sealer.open(snapshotConfig) }),
      operation: this.#openOperation(operation),
    };
  }

  /**
   * A short id people can type, `<cluster>-<n>-<4 random characters>` (`prod-17-k3mx`). The counter restarts if
   * Redis loses its data; the random tail keeps a new request from taking an old one's id (about one in 920,000
   * for the same counter value), and the digest on every button refuses the rest.
   */
  async nextId(cluster: string): Promise<string> {
    const tail = Array.from({ length: 4 }, () => idAlphabet[randomInt(idAlphabet.length)]).join("");
    return `${cluster}-${await this.#redis.incr(this.#keys.approvalCounter)}-${tail}`;
  }

  /** Stores a new request; returns the id of the connector's open request instead when it has one. */
  async create(request: ApprovalRequest): Promise<{ readonly openId: string } | undefined> {
    const holder = await this.#redis.eval(
      createScript,
      3,
      this.#key(request.id),
      this.#holderKey(request),
      this.#keys.approvalIndex,
      this.#encode(request),
      request.id,
      String(Date.parse(request.createdAt)),
      this.#keys.approvalRequestPrefix,
      request.createdAt,
    );
    return typeof holder === "string" && holder !== "" ? { openId: holder } : undefined;
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    const stored = await this.#redis.get(this.#key(id));
    return stored === null ? undefined : this.#decode(stored);
  }

  /**
   * Applies `change` if the request is in one of `from` and `change` returns a new version (undefined: no
   * change). Returns the new request, or the one that stands, so a loser learns who decided first.
   */
  async transition(
    id: string,
    from: readonly ApprovalState[],
    change: (request: ApprovalRequest) => ApprovalRequest | undefined,
  ): Promise<StoreTransition> {
    for (;;) {
      const stored = await this.#redis.get(this.#key(id));
      if (stored === null) return { ok: false, request: undefined };
      const current = this.#decode(stored);
      if (!from.includes(current.state)) return { ok: false, request: current };
      const changed = change(current);
      if (changed === undefined) return { ok: false, request: current };
      const next = ApprovalRequest.parse(changed);
      const won = await this.#redis.eval(
        compareAndSetScript,
        2,
        this.#key(id),
        this.#holderKey(next),
        stored,
        this.#encode(next),
        id,
        openStates.includes(next.state) ? "0" : "1",
      );
      if (won === 1) return { ok: true, request: next };
      // Somebody else changed it in between: decide again on what they left.
    }
  }

  /** Newest first. */
  async recent(limit = 20): Promise<ApprovalRequest[]> {
    const ids = await this.#redis.zrevrange(this.#keys.approvalIndex, 0, limit - 1);
    if (ids.length === 0) return [];
    // One MGET: the alert poll reads these every cycle.
    const stored = await this.#redis.mget(ids.map((id) => this.#key(id)));
    return stored.flatMap((value) => (value === null ? [] : [this.#decode(value)]));
  }

  /** Takes a connector's execution lock for `owner` for `ttlMs`, if nobody holds it. */
  async lock(place: ConnectorPlace, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.#redis.set(this.#lockKey(place), owner, "PX", ttlMs, "NX")) === "OK";
  }

  /** Extends the lock by `ttlMs` if `owner` still holds it; false when it was lost (expired, taken). */
  async renewLock(place: ConnectorPlace, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.#redis.eval(ownLockScript, 1, this.#lockKey(place), owner, String(ttlMs))) === 1;
  }

  /** Releases the lock if `owner` still holds it; a lock that ran out and was taken by another is left to it. */
  async unlock(place: ConnectorPlace, owner: string): Promise<void> {
    await this.#redis.eval(ownLockScript, 1, this.#lockKey(place), owner, "0");
  }

  #key(id: string): string {
    return this.#keys.approvalRequest(id);
  }

  #holderKey(place: ConnectorPlace): string {
    return this.#keys.approvalOpen(place.cluster, place.connector);
  }

  #lockKey(place: ConnectorPlace): string {
    return this.#keys.approvalLock(place.cluster, place.connector);
  }
}
