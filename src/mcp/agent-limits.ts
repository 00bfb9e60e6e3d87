import type { Redis } from "ioredis";
import type { ApprovalRequest } from "../../approvals/approval-request.js";
import { openStates } from "../../approvals/request-record.js";
import type { AgentConfig } from "../config.js";
import type { RedisKeys } from "../redis-keys.js";

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
  /** Newest requests first, to count the agent's open ones. */
  readonly recent: (limit: number) => Promise<ApprovalRequest[]>;
  /** Epoch ms. */
  readonly now: () => number;
}

/** How far back open proposals are looked for: any agent's open ones are among the newest requests. */
const recentRequests = 500;

/**
 * An agent's limits (config `agents[].limits`): tool calls per calendar minute, counted in Redis so every replica
 * shares one count, and its requests open at once (pending, approved or running). A loop proposing on one connector
 * is refused before either by the one-open-request-per-connector rule of approvals.
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

  /** A refusal when the agent already has as many open requests as it may. */
  async proposal(agent: AgentConfig, principal: string): Promise<LimitRefusal | undefined> {
    const open = (await this.#options.recent(recentRequests)).filter(
      (request) => request.requester.id === principal && openStates.includes(request.state),
    );
    const limit = agent.limits.openProposals;
    if (open.length < limit) return undefined;
    return {
      limit: "open-proposals",
      text: `Refused: agent ${agent.name} may have ${limit} proposal(s) open at once and has ${open.length} (${open.map((request) => request.id).join(", ")}). Retry once a person has decided one (wait_for_outcome tells when).`,
    };
  }
}
