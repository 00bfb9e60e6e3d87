import { z } from "zod";
import type { SealingKey } from "../core/config-sealer.js";
import { RedisVariables } from "../redis-config.js";
import { SlackVariables } from "../slack/slack-config.js";

/**
 * The variables of the process itself, never in the config file: where the file is, logging, the port, the keys
 * that seal saved configs, and the Slack and Redis adapters' secrets.
 */
export const ProcessVariables = z.object({
  CONFIG_FILE: z.string().min(1).optional(),
  /** @defaultValue info */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** The HTTP port (Slack's events, health, metrics, MCP). @defaultValue 3000 */
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  SNAPSHOT_KEYS: z
    .string()
    .transform((text, context) => {
      const keys: SealingKey[] = [];
      for (const entry of text.split(",").map((part) => part.trim())) {
        const match = /^([A-Za-z0-9._-]+):([A-Za-z0-9+/]{43}=)$/.exec(entry);
        if (match?.[1] === undefined || match[2] === undefined) {
          context.addIssue({
            code: "custom",
            message:
              "expected id:key pairs separated by commas, each key 32 random bytes in base64 (`openssl rand -base64 32`)",
          });
          return z.NEVER;
        }
        keys.push({ id: match[1], key: Buffer.from(match[2], "base64") });
      }
      return keys;
    })
    .optional(),
  ...SlackVariables.shape,
  ...RedisVariables.shape,
});
