import { z } from "zod";
import { ConfigError, definedOnly, type ReadText, readPem } from "./core/config-schema.js";

/** Where Redis is: only ever in the environment (.env.example), as its URL may carry a password. */
export const RedisVariables = z.object({
  /** @defaultValue redis://127.0.0.1:6379 */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default("redis://127.0.0.1:6379"),
  REDIS_CA_FILE: z.string().min(1).optional(),
  REDIS_SENTINELS: z.string().min(1).optional(),
  REDIS_MASTER_NAME: z.string().min(1).optional(),
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
});

/**
 * Where Redis is: one server (`redis://` or `rediss://` for TLS, user and password in the URL), or a primary found
 * through Redis Sentinel, where the URL still gives the scheme, user, password and database but not the host.
 */
export interface RedisConfig {
  readonly url: string;
  /** PEM text of the CA that signed the Redis (and sentinels') certificate, for `rediss://`. */
  readonly ca?: string;
  readonly sentinel?: {
    readonly sentinels: readonly { readonly host: string; readonly port: number }[];
    /** The name the sentinels monitor the primary under (`sentinel monitor <name> …`). */
    readonly masterName: string;
    readonly password?: string;
  };
}

/** REDIS_URL alone, or with REDIS_SENTINELS and REDIS_MASTER_NAME for a primary that Sentinel fails over. */
export function redisConfig(vars: z.output<typeof RedisVariables>, read: ReadText): RedisConfig {
  const tls = vars.REDIS_URL.startsWith("rediss:");
  if (vars.REDIS_CA_FILE !== undefined && !tls) {
    throw new ConfigError("REDIS_CA_FILE is set but REDIS_URL is not rediss://: use rediss:// for TLS.");
  }
  if ((vars.REDIS_SENTINELS === undefined) !== (vars.REDIS_MASTER_NAME === undefined)) {
    throw new ConfigError(
      "REDIS_SENTINELS and REDIS_MASTER_NAME go together: the sentinels, and the name they monitor the primary under.",
    );
  }
  const sentinels = (vars.REDIS_SENTINELS ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^([^\s:]+):(\d+)$/.exec(entry);
      if (match === null) {
        throw new ConfigError(
          `Invalid REDIS_SENTINELS: "${entry}" is not host:port. Use a comma-separated list such as "s1:26379,s2:26379".`,
        );
      }
      return { host: match[1] ?? "", port: Number(match[2]) };
    });
  return definedOnly({
    url: vars.REDIS_URL,
    ca: vars.REDIS_CA_FILE === undefined ? undefined : readPem("CA", vars.REDIS_CA_FILE, read),
    sentinel:
      vars.REDIS_MASTER_NAME === undefined
        ? undefined
        : definedOnly({
            sentinels,
            masterName: vars.REDIS_MASTER_NAME,
            password: vars.REDIS_SENTINEL_PASSWORD,
          }),
  });
}
