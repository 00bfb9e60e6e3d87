import { randomInt } from "node:crypto";
import { ApprovalRequest } from "./approval-request.js";
import type { ApprovalStore, ConnectorPlace, StoreTransition } from "./approval-store.js";
import { type ApprovalState, openStates } from "./request-record.js";

/** Letters and digits nobody misreads, as the Redis store's ids. */
const idAlphabet = "23456789abcdefghjkmnpqrstuvwxyz";

/**
 * The approval store in this process's memory: for tests of the lifecycle, the execution and the policy without
 * Redis, and for a single process that may lose its requests when it stops. Each request is kept as a parsed copy,
 * so nothing outside changes a stored one. Lock expiry follows `now` (epoch ms).
 */
export class MemoryApprovalStore implements ApprovalStore {
  readonly #requests = new Map<string, ApprovalRequest>();
  /** Each connector's open request, by `cluster/connector`. */
  readonly #open = new Map<string, string>();
  readonly #locks = new Map<string, { readonly owner: string; readonly until: number }>();
  readonly #now: () => number;
  #counter = 0;

  constructor({ now = Date.now }: { readonly now?: () => number } = {}) {
    this.#now = now;
  }

  async nextId(cluster: string): Promise<string> {
    const tail = Array.from({ length: 4 }, () => idAlphabet[randomInt(idAlphabet.length)]).join("");
    this.#counter += 1;
    return `${cluster}-${this.#counter}-${tail}`;
  }

  async create(request: ApprovalRequest): Promise<{ readonly openId: string } | undefined> {
    const place = placeKey(request);
    const holder = this.#open.get(place);
    const standing = holder === undefined || holder === request.id ? undefined : this.#requests.get(holder);
    if (holder !== undefined && standing !== undefined) {
      if (standing.state === "approved" || standing.state === "executing") return { openId: holder };
      if (standing.state === "pending" && standing.expiresAt > request.createdAt) return { openId: holder };
    }
    if (this.#requests.has(request.id)) throw new Error("request exists already");
    this.#requests.set(request.id, copy(request));
    this.#open.set(place, request.id);
    return undefined;
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    const stored = this.#requests.get(id);
    return stored === undefined ? undefined : copy(stored);
  }

  async transition(
    id: string,
    from: readonly ApprovalState[],
    change: (request: ApprovalRequest) => ApprovalRequest | undefined,
  ): Promise<StoreTransition> {
    const current = await this.get(id);
    if (current === undefined) return { ok: false, request: undefined };
    if (!from.includes(current.state)) return { ok: false, request: current };
    const changed = change(current);
    if (changed === undefined) return { ok: false, request: current };
    const next = ApprovalRequest.parse(changed);
    this.#requests.set(id, copy(next));
    const place = placeKey(next);
    if (!openStates.includes(next.state) && this.#open.get(place) === id) this.#open.delete(place);
    return { ok: true, request: next };
  }

  async recent(limit = 20): Promise<ApprovalRequest[]> {
    return [...this.#requests.values()]
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
      .slice(0, limit)
      .map(copy);
  }

  async lock(place: ConnectorPlace, owner: string, ttlMs: number): Promise<boolean> {
    const held = this.#locks.get(placeKey(place));
    if (held !== undefined && held.until > this.#now()) return false;
    this.#locks.set(placeKey(place), { owner, until: this.#now() + ttlMs });
    return true;
  }

  async renewLock(place: ConnectorPlace, owner: string, ttlMs: number): Promise<boolean> {
    const held = this.#locks.get(placeKey(place));
    if (held === undefined || held.owner !== owner || held.until <= this.#now()) return false;
    this.#locks.set(placeKey(place), { owner, until: this.#now() + ttlMs });
    return true;
  }

  async unlock(place: ConnectorPlace, owner: string): Promise<void> {
    if (this.#locks.get(placeKey(place))?.owner === owner) this.#locks.delete(placeKey(place));
  }
}

function placeKey(place: ConnectorPlace): string {
  return `${place.cluster}/${place.connector}`;
}

function copy(request: ApprovalRequest): ApprovalRequest {
  return ApprovalRequest.parse(JSON.parse(JSON.stringify(request)));
}
