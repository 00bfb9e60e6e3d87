import { createHash, randomInt } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import { canonicalJson } from "../src/core/canonical-json.js";
import { ConfigSealer } from "../src/core/config-sealer.js";
import { ConnectorOffset, ConnectorState } from "../src/core/ports.js";
import { redactDeep } from "../src/core/redact.js";
import { RedisKeys } from "../src/redis-keys.js";

export const approvalStates = [
  "pending",
  "approved",
  "executing",
  "succeeded",
  "failed",
  "denied",
  "expired",
  "cancelled",
] as const;
export type ApprovalState = (typeof approvalStates)[number];

/** A request in one of these holds its connector: no other request on it may be asked until it ends. */
export const openStates: readonly ApprovalState[] = ["pending", "approved", "executing"];

/** The steps of an execution, in order; the request records the last one completed. */
export const executionSteps = ["snapshot", "stopped", "resolved", "changed", "verified", "restored"] as const;
export type ExecutionStep = (typeof executionSteps)[number];

/**
 * Someone a request names. `source` is the adapter they came through ("slack", "shell"), so their role can be
 * checked again when the change runs; a request stored before it was recorded has none, and fails that check.
 */
const Person = z.object({ id: z.string(), name: z.string(), source: z.string().optional() });

/**
 * Where a sink's offsets go, as asked: relative targets (earliest, latest, a time, a duration ago, a shift) are
 * resolved when the change runs, after the connector is STOPPED; `offset` and `explicit` are absolute.
 */
export const SinkTarget = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("earliest") }),
  z.object({ kind: z.literal("latest") }),
  z.object({ kind: z.literal("datetime"), at: z.iso.datetime({ offset: true }) }),
  /** `--by-duration`: this many milliseconds before the moment the change runs. */
  z.object({ kind: z.literal("duration"), ms: z.number().int().positive() }),
  z.object({ kind: z.literal("shift"), by: z.number().int() }),
  z.object({ kind: z.literal("offset"), offset: z.number().int().min(0) }),
  z.object({
    kind: z.literal("explicit"),
    offsets: z.array(
      z.object({ topic: z.string(), partition: z.number().int(), offset: z.number().nullable() }),
    ),
  }),
  z.object({ kind: z.literal("remove") }),
]);
export type SinkTarget = z.infer<typeof SinkTarget>;

/** `--topic orders:0,1`: the topics a reset touches, each with its partitions or all of them. */
export const SinkScope = z.array(
  z.object({ topic: z.string(), partitions: z.union([z.array(z.number().int()), z.literal("all")]) }),
);
export type SinkScope = z.infer<typeof SinkScope>;

/** One partition of a sink's offset change: committed before → after, and what the sink reads again or skips. */
export const OffsetMove = z.object({
  /** `topic:partition`. */
  partition: z.string(),
  before: z.number().nullable(),
  after: z.number().nullable(),
  replay: z.number(),
  skip: z.number(),
});
export type OffsetMove = z.infer<typeof OffsetMove>;

/** One key of a config change as the approver saw it, its values hidden by the rules of `config` (redact.ts). */
export const ConfigDiffEntry = z.object({
  key: z.string(),
  change: z.enum(["added", "changed", "removed"]),
  before: z.string().optional(),
  after: z.string().optional(),
});
export type ConfigDiffEntry = z.infer<typeof ConfigDiffEntry>;
/** One connector of a bulk action's set, as the preview showed it: its state then, and the tasks it touches. */
export const BulkTarget = z.object({
  connector: z.string(),
  state: ConnectorState,
  tasks: z.array(z.number().int().min(0)),
});
export type BulkTarget = z.infer<typeof BulkTarget>;

/** What a bulk action did to one connector of its set. */
export const BulkOutcome = z.object({
  connector: z.string(),
  outcome: z.enum(["done", "failed"]),
  /** Where it stands afterwards, or why the call failed. */
  detail: z.string(),
});
export type BulkOutcome = z.infer<typeof BulkOutcome>;

/** What Connect is asked to do once the request is approved. */
export const Operation = z.discriminatedUnion("kind", [
  /** A sink's offsets moved to a target, resolved into offsets when the change runs. */
  z.object({
    kind: z.literal("sink-offsets"),
    target: SinkTarget,
    scope: SinkScope.optional(),
    /**
     * The other connectors of the sink's consumer group when it was asked, as the plan showed them (absent: none).
     * Part of the digest; a connector not among them that shares the group when the change runs refuses it.
     */
    sharedWith: z.array(z.string()).optional(),
  }),
  z.object({ kind: z.literal("alter-offsets"), offsets: z.array(ConnectorOffset) }),
  z.object({ kind: z.literal("reset-offsets") }),
  z.object({ kind: z.literal("stop") }),
  z.object({ kind: z.literal("delete") }),
  /** A deleted connector created again from its saved config and offsets, then returned to its state. */
  z.object({
    kind: z.literal("recreate"),
    config: z.record(z.string(), z.string()),
    offsets: z.array(ConnectorOffset),
    priorState: ConnectorState,
    /** The settings of `config` that are secret: sealed in Redis. */
    secretKeys: z.array(z.string()).default([]),
  }),
  /** `config set`, `config restore`: some keys of a connector's config set or removed, on the config approved. */
  z.object({
    kind: z.literal("config-change"),
    /** Keys added or changed, with their new values. */
    set: z.record(z.string(), z.string()),
    /** Keys removed. */
    unset: z.array(z.string()),
    /** The whole config as the approver saw it: the change runs only while the connector still has it. */
    seen: z.record(z.string(), z.string()),
    /** The settings of `set` and `seen` that are secret: sealed in Redis, or left out of `seen` without a key. */
    secretKeys: z.array(z.string()).default([]),
    /** The diff as the approver saw it, values hidden: what the message, the outcome and `config history` show. */
    diff: z.array(ConfigDiffEntry),
  }),
  /**
   * `pause`, `resume` or `restart` of every connector a pattern matched when it was asked, above
   * `automation.bulk.approvalAbove`: exactly `targets`, never a connector that matches later.
   */
  z.object({
    kind: z.literal("bulk"),
    action: z.enum(["pause", "resume", "restart"]),
    pattern: z.string(),
    /** `restart --failed-only`: only the failed connectors and tasks of `targets`. */
    failedOnly: z.boolean().optional(),
    targets: z.array(BulkTarget).min(1),
    /** Connect calls in flight at once (automation.bulk.concurrency when asked). */
    concurrency: z.number().int().min(1),
  }),
  /**
   * A maintenance window that needs approval up front (a `stop` window, or a window over more connectors than
   * `automation.bulk.approvalAbove`): approving it changes nothing now; the window opens at `from` only if this
   * request succeeded.
   */
  z.object({
    kind: z.literal("window"),
    window: z.string(),
    action: z.enum(["pause", "stop"]),
    connectors: z.array(z.string()).min(1),
    from: z.iso.datetime(),
    until: z.iso.datetime(),
  }),
]);
export type Operation = z.infer<typeof Operation>;

/** One request, as stored in Redis and read back by the worker (parsed: job data is an edge). */
export const ApprovalRequest = z.object({
  id: z.string(),
  cluster: z.string(),
  connector: z.string(),
  command: z.string(),
  reason: z.string(),
  requester: Person,
  /**
   * Asked by an agent (an identity that may only propose, `Identity.proposeOnly`): it waits for a person whatever
   * the cluster's policy, and its messages say "proposed by".
   */
  proposal: z.literal(true).optional(),
  operation: Operation,
  /** The plan as the approver saw it: a rendered summary, kept with the request. */
  planSummary: z.string(),
  /** A sink plan's per-partition numbers as previewed when asked (createdAt), to compare with what ran. */
  preview: z.array(OffsetMove).optional(),
  /** A source change's offsets, as they were when asked: the done message says if they moved before it ran. */
  previewOffsets: z.array(ConnectorOffset).optional(),
  state: z.enum(approvalStates),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  /** How many distinct approvers the cluster's policy asks for; 0 when the policy needs none. */
  approversNeeded: z.number().int().min(0).default(1),
  /** Approvals so far, in order; the request is approved when there are `approversNeeded`. */
  approvedBy: z.array(Person).default([]),
  /** Who approved last, or denied. */
  decidedBy: Person.optional(),
  decidedAt: z.iso.datetime().optional(),
  decisionNote: z.string().optional(),
  /**
   * Each time the change was about to run and approvals no longer counted (an approver lost the role or was
   * deactivated): when, whose, and why (approvals/recheck-people.ts). The request went back to waiting.
   */
  setBacks: z
    .array(
      z.object({ at: z.iso.datetime(), dropped: z.array(z.object({ person: Person, why: z.string() })) }),
    )
    .optional(),
  /** The auto-approval rule that approved it in a person's place (approvals/auto-approval.ts). */
  approvedByRule: z.string().optional(),
  /**
   * The rule that had approved it no longer did when it was checked again (its plan grew past the bound once
   * resolved, or the rule changed): when, which, and why. It went back to waiting for people.
   */
  ruleWithdrawn: z.object({ rule: z.string(), why: z.string(), at: z.iso.datetime() }).optional(),
  /** Why no rule approved it when asked, though one matched its command and connector (a bound it exceeds). */
  ruleDeclined: z.string().optional(),
  /** When its requester last nudged its approvers (`nudge`): once per the policy's reminder interval. */
  nudgedAt: z.iso.datetime().optional(),
  /** Filled in as the execution goes. */
  step: z.enum(executionSteps).optional(),
  /** Which execution owns the request: one that finds another here was taken over and stops. */
  executor: z.string().optional(),
  /** The change was sent to Connect; without a saved "changed" step, its outcome is unknown. */
  changeSent: z.boolean().optional(),
  priorState: ConnectorState.optional(),
  snapshot: z.array(ConnectorOffset).optional(),
  /**
   * Saved at step "resolved", after the stop and before the change: the offsets the change sets (null: DELETE all)
   * and, for sinks, each partition's real move. A resumed execution sends these, never resolving twice.
   */
  resolved: z
    .object({ offsets: z.array(ConnectorOffset).nullable(), moves: z.array(OffsetMove).optional() })
    .optional(),
  /** A deleted connector's config, so it can be created again. */
  snapshotConfig: z.record(z.string(), z.string()).optional(),
  /** The settings of `snapshotConfig` that are secret: sealed in Redis, or left out when no key is set. */
  snapshotSecretKeys: z.array(z.string()).optional(),
  outcome: z.string().optional(),
  /** A bulk action's outcome per connector, saved with its step "changed". */
  bulkOutcomes: z.array(BulkOutcome).optional(),
  /**
   * After a failed run that left the connector away from its prior state: the command that puts it back
   * (`resume` for RUNNING, `pause` for PAUSED), offered with the outcome.
   */
  wayBack: z.enum(["resume", "pause"]).optional(),
  finishedAt: z.iso.datetime().optional(),
  requestId: z.string(),
  /** Where it was asked (a Slack channel id): the approval message goes there when no approvals channel is set. */
  channelId: z.string().optional(),
});
export type ApprovalRequest = z.infer<typeof ApprovalRequest>;

export type Transition =
  | { readonly ok: true; readonly request: ApprovalRequest }
  | { readonly ok: false; readonly request: ApprovalRequest | undefined };

/**
 * What a request does, as a short digest: its cluster, connector, command and operation (with its targets). A
 * button carries it, so a click on an old message whose id now names another request is refused.
 */
export function digestOf(
  request: Pick<ApprovalRequest, "cluster" | "connector" | "command" | "operation">,
): string {
  const { cluster, connector, command, operation } = request;
  return createHash("sha256")
    .update(canonicalJson({ cluster, connector, command, operation }))
    .digest("hex")
    .slice(0, 12);
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
 * Requests live in Redis as one JSON value each, plus an index, the open request of each connector, and the
 * execution lock of each connector, named by `RedisKeys`. The secret settings of the configs a request
 * carries (a delete's or config change's snapshot, a re-creation, a config change) are sealed as they are written and opened as they are read, so
 * nothing past this class sees a sealed value and Redis never holds a secret in clear.
 */
export class ApprovalStore {
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

  /** The configs an operation carries, their secret settings sealed (or left out without a key). */
  #sealOperation(operation: Operation): Operation {
    switch (operation.kind) {
      case "recreate":
        return { ...operation, config: this.#sealer.seal(operation.config, operation.secretKeys) };
      case "config-change": {
        const { set, seen, secretKeys } = operation;
        return {
          ...operation,
          set: this.#sealer.seal(set, secretKeys),
          seen: this.#sealer.seal(seen, secretKeys),
        };
      }
      default:
        return operation;
    }
  }

  /** The configs an operation carries, opened. */
  #openOperation(operation: Operation): Operation {
    switch (operation.kind) {
      case "recreate":
        return { ...operation, config: this.#sealer.open(operation.config) };
      case "config-change":
        return {
          ...operation,
          set: this.#sealer.open(operation.set),
          seen: this.#sealer.open(operation.seen),
        };
      default:
        return operation;
    }
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
  ): Promise<Transition> {
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

/** A connector on its cluster. */
export interface ConnectorPlace {
  readonly cluster: string;
  readonly connector: string;
}
