import type { Redis } from "ioredis";

/** What the start-up check found: whether it could look, and the warnings to log (empty when all is well). */
export interface RedisDurability {
  readonly checked: boolean;
  readonly warnings: readonly string[];
}

/**
 * Checks that Redis keeps what BullMQ and the bot store in it: `maxmemory-policy noeviction` (an evicted key loses
 * a job, a lock or the poll schedule) and persistence (AOF, or at least RDB snapshots), so a restart does not lose
 * pending approvals, alert state and the audit trail. A managed Redis often refuses `CONFIG GET`: then the check
 * is skipped, and says so. Source: BullMQ's "Going to production" guide (noeviction, persistence).
 */
export async function checkRedisDurability(redis: Redis): Promise<RedisDurability> {
  let settings: Map<string, string>;
  try {
    const reply = (await redis.call("CONFIG", "GET", "maxmemory-policy", "appendonly", "save")) as string[];
    settings = new Map();
    for (let i = 0; i + 1 < reply.length; i += 2) settings.set(String(reply[i]), String(reply[i + 1]));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      checked: false,
      warnings: [
        `Redis durability check skipped: CONFIG GET was refused (${reason}). Make sure this Redis runs with maxmemory-policy noeviction and appendonly yes.`,
      ],
    };
  }
  const warnings: string[] = [];
  const policy = settings.get("maxmemory-policy");
  if (policy !== undefined && policy !== "noeviction") {
    warnings.push(
      `Redis maxmemory-policy is ${policy}: when memory runs short Redis evicts keys, and BullMQ loses jobs (approvals, the alert poll schedule). Set maxmemory-policy noeviction.`,
    );
  }
  const aof = settings.get("appendonly") === "yes";
  const snapshots = (settings.get("save") ?? "").trim() !== "";
  if (!aof && !snapshots) {
    warnings.push(
      "Redis persistence is off (appendonly no, no save points): a Redis restart loses pending approvals, alert state and the audit trail. Run Redis with appendonly yes.",
    );
  } else if (!aof) {
    warnings.push(
      `Redis persists only RDB snapshots (save ${settings.get("save")}): a restart loses everything since the last one. Run Redis with appendonly yes.`,
    );
  }
  return { checked: true, warnings };
}
