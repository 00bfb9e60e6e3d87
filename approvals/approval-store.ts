import type { Redis } from "ioredis";
import { z } from "zod";
import { ConnectorOffset, ConnectorState } from "../src/connect/connect-schemas.js";
import { ConfigSealer } from "../src/core/config-sealer.js";
import { redactDeep } from "../src/core/redact.js";

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

/** The steps of an execution, in order; the request records the last one completed. */
export const executionSteps = ["snapshot", "stopped", "changed", "verified", "restored"] as const;
export type ExecutionStep = (typeof executionSteps)[number];

const Person = z.object({ id: z.string(), name: z.string() });

/** What Connect is asked to do once the request is approved. */
export const Operation = z.discriminatedUnion("kind", [
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
  operation: Operation,
  /** The plan as the approver saw it: a rendered summary, kept with the request. */
  planSummary: z.string(),
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
  /** Filled in as the execution goes. */
  step: z.enum(executionSteps).optional(),
  /** Which execution owns the request: one that finds another here was taken over and stops. */
  executor: z.string().optional(),
  /** The change was sent to Connect; without a saved "changed" step, its outcome is unknown. */
  changeSent: z.boolean().optional(),
  priorState: ConnectorState.optional(),
  snapshot: z.array(ConnectorOffset).optional(),
  /** A deleted connector's config, so it can be created again. */
  snapshotConfig: z.record(z.string(), z.string()).optional(),
  /** The settings of `snapshotConfig` that are secret: sealed in Redis, or left out when no key is set. */
  snapshotSecretKeys: z.array(z.string()).optional(),
  outcome: z.string().optional(),
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
 * Replaces a request only if it is still exactly the version the change was computed from: the whole request is
 * one JSON value, so every transition is an atomic compare-and-set however many replicas click at once.
 */
const compareAndSetScript = `
local current = redis.call('GET', KEYS[1])
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
`;

/**
 * Requests live in Redis as one JSON value each, plus an index of open ones. The secret settings of the configs
 * a request carries (a delete's snapshot, a re-creation) are sealed as they are written and opened as they are
 * read, so nothing past this class sees a sealed value and Redis never holds a secret in clear.
 */
export class ApprovalStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #sealer: ConfigSealer;

  constructor(redis: Redis, keyPrefix: string, sealer: ConfigSealer = new ConfigSealer()) {
    this.#redis = redis;
    this.#prefix = `${keyPrefix}approval:`;
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
      ...(operation.kind === "recreate"
        ? { operation: { ...operation, config: this.#sealer.seal(operation.config, operation.secretKeys) } }
        : {}),
    });
  }

  #decode(stored: string): ApprovalRequest {
    const request = ApprovalRequest.parse(JSON.parse(stored));
    const { operation, snapshotConfig } = request;
    return {
      ...request,
      ...(snapshotConfig === undefined ? {} : { snapshotConfig: this.#sealer.open(snapshotConfig) }),
      ...(operation.kind === "recreate"
        ? { operation: { ...operation, config: this.#sealer.open(operation.config) } }
        : {}),
    };
  }

  /** A short id people can type: `<cluster>-<n>`. */
  async nextId(cluster: string): Promise<string> {
    return `${cluster}-${await this.#redis.incr(`${this.#prefix}counter`)}`;
  }

  async create(request: ApprovalRequest): Promise<void> {
    const created = await this.#redis.set(this.#key(request.id), this.#encode(request), "NX");
    if (created === null) throw new Error(`Request ${request.id} exists already`);
    await this.#redis.zadd(`${this.#prefix}index`, Date.parse(request.createdAt), request.id);
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
      const won = await this.#redis.eval(compareAndSetScript, 1, this.#key(id), stored, this.#encode(next));
      if (won === 1) return { ok: true, request: next };
      // Somebody else changed it in between: decide again on what they left.
    }
  }

  /** Newest first. */
  async recent(limit = 20): Promise<ApprovalRequest[]> {
    const ids = await this.#redis.zrevrange(`${this.#prefix}index`, 0, limit - 1);
    if (ids.length === 0) return [];
    // One MGET: the alert poll reads these every cycle.
    const stored = await this.#redis.mget(ids.map((id) => this.#key(id)));
    return stored.flatMap((value) => (value === null ? [] : [this.#decode(value)]));
  }

  #key(id: string): string {
    return `${this.#prefix}${id}`;
  }
}
