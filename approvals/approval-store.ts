import type { ApprovalRequest } from "./approval-request.js";
import type { ApprovalState } from "./request-record.js";

/** A connector on its cluster. */
export interface ConnectorPlace {
  readonly cluster: string;
  readonly connector: string;
}

/** What a compare-and-set did: the request stored, or the one that stands (undefined: there is none). */
export type StoreTransition =
  | { readonly ok: true; readonly request: ApprovalRequest }
  | { readonly ok: false; readonly request: ApprovalRequest | undefined };

/**
 * Where approval requests are kept, every call the approval domain makes of its storage. Implemented in Redis
 * (src/redis/redis-approval-store.ts) and in memory (memory-approval-store.ts); test/approval-store-conformance.test.ts
 * holds both to this contract. A request's state is moved only through `RequestStates` (approval-transitions.ts),
 * which checks each move against the transition table before it calls {@link ApprovalStore.transition}.
 */
export interface ApprovalStore {
  /**
   * A new id people can type, `<cluster>-<n>-<4 random characters>` (`prod-17-k3mx`): never one a stored request
   * has.
   */
  nextId(cluster: string): Promise<string>;
  /**
   * Stores a new request and makes it its connector's open request, unless the connector has another open one:
   * then nothing is stored and that one's id is returned. A connector is free when its open request is gone,
   * ended, or still pending past its `expiresAt` (as of the new request's `createdAt`).
   */
  create(request: ApprovalRequest): Promise<{ readonly openId: string } | undefined>;
  /** The request as stored, or undefined. */
  get(id: string): Promise<ApprovalRequest | undefined>;
  /**
   * Applies `change` if the request is in one of `from` and `change` returns a new version (undefined: no change),
   * atomically against every other writer (a compare-and-set: a change computed on a version another writer
   * replaced is computed again on theirs). A request that leaves the open states frees its connector.
   */
  transition(
    id: string,
    from: readonly ApprovalState[],
    change: (request: ApprovalRequest) => ApprovalRequest | undefined,
  ): Promise<StoreTransition>;
  /** The `limit` newest requests (by `createdAt`), newest first. @defaultValue limit 20 */
  recent(limit?: number): Promise<ApprovalRequest[]>;
  /** Takes a connector's execution lock for `owner` for `ttlMs` ms, if nobody holds it. */
  lock(place: ConnectorPlace, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends the lock by `ttlMs` ms if `owner` still holds it; false when it was lost (expired, taken). */
  renewLock(place: ConnectorPlace, owner: string, ttlMs: number): Promise<boolean>;
  /** Releases the lock if `owner` still holds it; a lock that ran out and was taken by another is left to it. */
  unlock(place: ConnectorPlace, owner: string): Promise<void>;
}
