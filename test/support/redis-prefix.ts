import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

/** A Redis connection and a key prefix no other test file uses; `cleanup` deletes every key under it. */
export function testRedis(name: string): { redis: Redis; prefix: string; cleanup: () => Promise<void> } {
  const redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 2 });
  const prefix = `test:${name}:${randomBytes(4).toString("hex")}:`;
  const cleanup = async () => {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
    redis.disconnect();
  };
  return { redis, prefix, cleanup };
}
