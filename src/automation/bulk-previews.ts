import type { Redis } from "ioredis";
import { z } from "zod";
import { BulkTarget } from "../../approvals/bulk-plan.js";
import type { BulkPreview } from "../core/ports.js";
import { RedisKeys } from "../redis-keys.js";

/** A bulk action's preview as kept for its confirmation: exactly the set it showed. */
const StoredPreview = z.object({
  digest: z.string(),
  cluster: z.string(),
  action: z.enum(["pause", "resume", "restart"]),
  pattern: z.string(),
  failedOnly: z.boolean(),
  targets: z.array(BulkTarget),
}) satisfies z.ZodType<BulkPreview>;

/**
 * Previewed sets, by digest, until confirmed or `previewForMs` passes: the Confirm button (or `--confirm`) acts on
 * the set kept here, never on a new listing, so a connector that starts matching after the preview is not touched.
 * Taken with GETDEL: a confirmation acts once however often it is clicked.
 */
export class BulkPreviews {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #ttlSeconds: number;

  constructor(options: { readonly redis: Redis; readonly keyPrefix: string; readonly previewForMs: number }) {
    this.#redis = options.redis;
    this.#keys = new RedisKeys(options.keyPrefix);
    this.#ttlSeconds = Math.max(1, Math.round(options.previewForMs / 1000));
  }

  async save(preview: BulkPreview): Promise<void> {
    await this.#redis.set(
      this.#keys.bulkPreview(preview.digest),
      JSON.stringify(preview),
      "EX",
      this.#ttlSeconds,
    );
  }

  /** The preview of `digest`, removed as it is read; undefined when it expired, was taken, or never was. */
  async take(digest: string): Promise<BulkPreview | undefined> {
    const text = await this.#redis.getdel(this.#keys.bulkPreview(digest));
    if (text === null) return undefined;
    const parsed = StoredPreview.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  }
}
