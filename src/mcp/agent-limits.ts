import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { RedisKeys } from "../redis-keys.js";
import type { AgentConfig } from "./mcp-config.js";

/** A refusal under an agent's limits: what was over, in words, and when trying again can succeed (seconds). */
export interface LimitRefusal {
  readonly limit: "calls-per-minute" | "open-proposals";
  readonly text: string;
  /** Absent for open proposals: they end when a person decides them, not at a known time. */
  readonly retryAfterSeconds?: number;
}

export interface AgentLimitsOptions {
  readonly redis: Redis;
  readonly keys: RedisKeys;
  /** Epoch ms. */
  readonly now: () => number;
}

/** One of the agent's proposal places, held while its call files a request; {@link AgentLimits.settle} ends it. */
export interface ProposalSlot {
  readonly agent: string;
  readonly member: string;
}

/**
 * How long a held place counts if its call never settles it (the process died mid-call), in ms: longer than any
 * tool call takes (a command's Connect calls end within 8 s, and a request is filed in a few Redis round trips).
 */
const slotLapsesAfterMs = 120_000;

/**
 * Takes one of an agent's open-proposal places, or says which hold them all, in one step: concurrent calls of one
 * agent on any replica cannot together pass its limit. A member is open while its request is pending and unexpired,
 * approved or executing (the states `openStates` names, read as the store's create script reads them), or while a
 * slot's lapse time is ahead; the others are removed here.
 * KEYS: the agent's proposals (`mcpProposals`). ARGV: limit, now (epoch ms), now (ISO 8601 UTC, as toISOString
 * writes it: such timestamps order as strings), the request keys' prefix, the new slot, its lapse time (epoch ms).
 * Returns `{1}` with the slot held, or `{0, member…}` naming the open ones.
 */
const reserveScript = `
local members = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local open = {}
for i = 1, #members, 2 do
  local member = members[i]
  local alive = false
  if string.sub(member, 1, 5) == 'slot:' then
    alive = tonumber(members[i + 1]) > tonumber(ARGV[2])
  else
    local standing = redis.call('GET', ARGV[4] .. member)
    if standing then
      local request = cjson.decode(standing)
      alive = request.state == 'approved' or request.state == 'executing'
        or (request.state == 'pending' and request.expiresAt > ARGV[3])
    end
  end
  if alive then open[#open + 1] = member else redis.call('ZREM', KEYS[1], member) end
end
if #open >= tonumber(ARGV[1]) then return {0, unpack(open)} end
redis.call('ZADD', KEYS[1], ARGV[6], ARGV[5])
return {1}
`;

/**
 * An agent's limits (config `agents[].limits`): tool calls per calendar minute, counted in Redis so every replica
 * shares one count, and its requests open at once (pending, approved or running), each place taken atomically
 * before a call may file one. A loop proposing on one connector is refused before either by the
 * one-open-request-per-connector rule of approvals.
 */
export class AgentLimits {
  readonly #options: AgentLimitsOptions;

  constructor(options: AgentLimitsOptions) {
    this.#options = options;
  }

  /** Counts one call; a refusal when it is over the agent's calls per minute (the call is counted all the same). */
  async call(agent: AgentConfig): Promise<LimitRefusal | undefined> {
    const { redis, keys, now } = this.#options;
    const at = now();
    const minute = Math.floor(at / 60_000);
    const key = keys.mcpCalls(agent.name, minute);
    const [[, count]] = ((await redis.multi().incr(key).expire(key, 120).exec()) ?? [[null, 0]]) as [
      [unknown, number],
    ];
    const limit = agent.limits.callsPerMinute;
    if (count <= limit) return undefined;
    const retryAfterSeconds = Math.ceil(((minute + 1) * 60_000 - at) / 1000);
    const retryAt = new Date((minute + 1) * 60_000).toISOString().slice(11, 19);
    return {
      limit: "calls-per-minute",
      retryAfterSeconds,
      text: `Refused: agent ${agent.name} may make ${limit} calls a minute and this is call ${count} this minute. Retry after ${retryAfterSeconds} s (${retryAt} UTC).`,
    };
  }

  /**
   * Holds one of the agent's open-proposal places for a call that may file a request, or refuses when its open
   * requests (and the calls filing one right now) fill them all. Every slot held must be given to {@link settle}.
   */
  async reserve(agent: AgentConfig): Promise<{ slot: ProposalSlot } | { refusal: LimitRefusal }> {
    const { redis, keys, now } = this.#options;
    const at = now();
    const member = `slot:${randomUUID()}`;
    const answer = (await redis.eval(
      reserveScript,
      1,
      keys.mcpProposals(agent.name),
      agent.limits.openProposals,
      at,
      new Date(at).toISOString(),
      keys.approvalRequestPrefix,
      member,
      at + slotLapsesAfterMs,
    )) as [number, ...string[]];
    const [held, ...open] = answer;
    if (held === 1) return { slot: { agent: agent.name, member } };
    const ids = open.filter((each) => !each.startsWith("slot:"));
    const filing = open.length - ids.length;
    const named = [...ids, ...(filing === 0 ? [] : [`${filing} being filed now`])].join(", ");
    return {
      refusal: {
        limit: "open-proposals",
        text: `Refused: agent ${agent.name} may have ${agent.limits.openProposals} proposal(s) open at once and has ${open.length} (${named}). Retry once a person has decided one (wait_for_outcome tells when).`,
      },
    };
  }

  /** Ends a held place: the request the call filed (its id) keeps it while it is open; no request frees it. */
  async settle(slot: ProposalSlot, filed: string | undefined): Promise<void> {
    const { redis, keys, now } = this.#options;
    const key = keys.mcpProposals(slot.agent);
    const settling = redis.multi().zrem(key, slot.member);
    if (filed !== undefined) settling.zadd(key, now(), filed);
    await settling.exec();
  }
}
