import { Redis, type RedisOptions } from "ioredis";
import type { RedisConfig } from "./redis-config.js";

/**
 * The one place a Redis connection is made, so the bot's own commands and BullMQ's queues reach the same server
 * the same way: one server from its URL, or, with Sentinel, whichever server the sentinels name as the primary
 * now (ioredis asks them again after a failover, and listens for `+switch-master` to notice one early).
 * `rediss://` means TLS, to the primary and to the sentinels, checked against `config.ca` when given.
 * `options` are the caller's connection behaviour (retries, lazy connect).
 */
export function createRedis(
  config: RedisConfig,
  options: Pick<RedisOptions, "maxRetriesPerRequest" | "lazyConnect"> = {},
): Redis {
  const url = new URL(config.url);
  const tls = url.protocol === "rediss:" ? (config.ca === undefined ? {} : { ca: config.ca }) : undefined;
  if (config.sentinel === undefined) {
    return new Redis(config.url, { ...(tls === undefined ? {} : { tls }), ...options });
  }
  const db = url.pathname.replace(/^\//, "");
  return new Redis({
    sentinels: config.sentinel.sentinels.map(({ host, port }) => ({ host, port })),
    name: config.sentinel.masterName,
    ...(url.username === "" ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === "" ? {} : { password: decodeURIComponent(url.password) }),
    ...(db === "" ? {} : { db: Number(db) }),
    ...(config.sentinel.password === undefined ? {} : { sentinelPassword: config.sentinel.password }),
    ...(tls === undefined ? {} : { tls, sentinelTLS: tls, enableTLSForSentinelMode: true }),
    failoverDetector: true,
    ...options,
  });
}

/** Where Redis is, for messages: `host:port`, or the sentinels and the primary's name; never credentials. */
export function describeRedis(config: RedisConfig): string {
  if (config.sentinel !== undefined) {
    const sentinels = config.sentinel.sentinels.map(({ host, port }) => `${host}:${port}`).join(", ");
    return `the primary "${config.sentinel.masterName}" of sentinels ${sentinels}`;
  }
  const url = new URL(config.url);
  return `${url.hostname}:${url.port || "6379"}`;
}

/** What an operator does when Redis does not answer: start the local server, or check the sentinels. */
export function redisFixHint(config: RedisConfig): string {
  if (config.sentinel !== undefined)
    return "Check the sentinels and the servers they monitor, or set REDIS_SENTINELS";
  const port = new URL(config.url).port || "6379";
  return `Start it (\`redis-server --daemonize yes --port ${port}\`) or set REDIS_URL`;
}
