import { createHmac, timingSafeEqual } from "node:crypto";

/** The headers of a signed webhook delivery (docs/alerts.md, "Alert receivers"). */
export const webhookHeaders = {
  /** Unix seconds when this attempt was sent; part of what is signed, so an old delivery cannot be replayed. */
  timestamp: "x-connect-ops-timestamp",
  /** `v1=` and the hex HMAC-SHA256 of `<timestamp>.<body>` under the shared secret. */
  signature: "x-connect-ops-signature",
  /** The same id on every retry of one delivery: a receiver may drop a repeat. */
  delivery: "x-connect-ops-delivery",
} as const;

/** `v1=<hex>`: HMAC-SHA256 over `<timestamp>.<body>`, the scheme Stripe's and Slack's request signing use. */
export function webhookSignature(secret: string, timestampSeconds: number, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestampSeconds}.${body}`).digest("hex")}`;
}

/**
 * How a receiver checks a delivery: the signature matches (in constant time) and the timestamp is within
 * `toleranceSeconds` of `nowSeconds`. Exported for receivers written in TypeScript and for the tests.
 */
export function verifyWebhook(options: {
  readonly secret: string;
  readonly body: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly nowSeconds: number;
  /** @defaultValue 300 */
  readonly toleranceSeconds?: number;
}): boolean {
  const timestamp = Number(options.timestamp);
  if (!Number.isInteger(timestamp) || options.signature === undefined) return false;
  if (Math.abs(options.nowSeconds - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(webhookSignature(options.secret, timestamp, options.body));
  const given = Buffer.from(options.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
