import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import type { BaseOptions, SASLOptions as PlatformaticSasl } from "@platformatic/kafka";

const run = promisify(execFile);

/** Kafka's `security.protocol`: whether the connection is encrypted (SSL) and whether it authenticates (SASL). */
export const securityProtocols = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] as const;
export type SecurityProtocol = (typeof securityProtocols)[number];

export const saslMechanisms = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"] as const;
export type SaslMechanism = (typeof saslMechanisms)[number];

/** SASL with a user and password (PLAIN, SCRAM), or an OAuth bearer token read from a file or a command. */
export type KafkaSasl =
  | {
      readonly mechanism: "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";
      readonly username: string;
      readonly password: string;
    }
  | {
      readonly mechanism: "OAUTHBEARER";
      /** A file holding the token (re-read when it expires), or a command that prints one. */
      readonly token: { readonly file: string } | { readonly command: string };
    };

export interface KafkaTls {
  /** Where the CA came from, for error messages. */
  readonly caFile?: string;
  /** PEM text of the CA(s) that signed the brokers' certificates; without it, the system's CAs. */
  readonly ca?: string;
  /** PEM text of the client certificate and its key, for brokers that require one (mTLS). */
  readonly certificate?: string;
  readonly key?: string;
}

export interface KafkaSecurity {
  readonly protocol: SecurityProtocol;
  /** Required with SASL_PLAINTEXT and SASL_SSL, refused otherwise (the config checks it). */
  readonly sasl?: KafkaSasl;
  /** Used with SSL and SASL_SSL. */
  readonly tls?: KafkaTls;
}

/**
 * How to reach one cluster's brokers. Every Kafka client the bot makes is made from this, through
 * {@link platformaticOptions}.
 */
export interface KafkaConnection {
  readonly brokers: readonly string[];
  /** Absent: PLAINTEXT. */
  readonly security?: KafkaSecurity;
}

export interface KafkaClientOptions {
  readonly clientId: string;
  readonly requestTimeoutMs?: number;
}

/**
 * The `@platformatic/kafka` client settings for a connection: brokers, timeouts (ms), and its TLS (Node's
 * `tls.connect` options, which check the broker's name against its certificate) and SASL (PLAIN, SCRAM-SHA-256/512,
 * OAUTHBEARER with a token provider) options.
 */
export function platformaticOptions(
  connection: KafkaConnection,
  client: KafkaClientOptions,
): Pick<
  BaseOptions,
  | "clientId"
  | "bootstrapBrokers"
  | "timeout"
  | "connectTimeout"
  | "requestTimeout"
  | "retries"
  | "retryDelay"
  | "tls"
  | "sasl"
> {
  const security = connection.security ?? { protocol: "PLAINTEXT" };
  const encrypted = security.protocol === "SSL" || security.protocol === "SASL_SSL";
  const authenticated = security.protocol === "SASL_PLAINTEXT" || security.protocol === "SASL_SSL";
  const timeout = client.requestTimeoutMs ?? 10_000;
  const tls = tlsOptions(security.tls);
  return {
    clientId: client.clientId,
    bootstrapBrokers: [...connection.brokers],
    timeout,
    requestTimeout: timeout,
    connectTimeout: 3_000,
    // Three retries a fixed 300 ms apart: the retry policy of the bot's former client (kafkajs), kept as it was.
    retries: 3,
    retryDelay: 300,
    ...(encrypted ? { tls: tls === true ? {} : tls } : {}),
    ...(authenticated && security.sasl !== undefined ? { sasl: platformaticSasl(security.sasl) } : {}),
  };
}

function platformaticSasl(sasl: KafkaSasl): PlatformaticSasl {
  if (sasl.mechanism !== "OAUTHBEARER") {
    return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password };
  }
  return { mechanism: "OAUTHBEARER", token: bearerTokenSource(sasl.token) };
}

function tlsOptions(tls: KafkaTls | undefined) {
  if (tls === undefined) return true;
  return {
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.certificate === undefined ? {} : { cert: tls.certificate }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
  };
}

/** Tokens are renewed this long before their `exp`, so a connection never authenticates with one about to lapse. */
const renewBeforeMs = 60_000;

/**
 * The client asks for a token each time a connection authenticates. The token is kept until shortly before the
 * `exp` claim of its JWT payload (RFC 7519 §4.1.4) and then read again: a file rewritten by a sidecar, or the
 * command run again. A token that is not a JWT, or has no `exp`, is read afresh every time.
 */
export function bearerTokenSource(
  source: { readonly file: string } | { readonly command: string },
  now: () => number = Date.now,
): () => Promise<string> {
  let kept: { readonly value: string; readonly expiresAt: number } | undefined;
  return async () => {
    if (kept !== undefined && now() < kept.expiresAt - renewBeforeMs) return kept.value;
    const text =
      "file" in source
        ? await readFile(source.file, "utf8")
        : (await run("/bin/sh", ["-c", source.command], { timeout: 30_000 })).stdout;
    const value = text.trim();
    if (value === "") {
      throw new Error(
        "file" in source ? `The token file ${source.file} is empty` : "The token command printed nothing",
      );
    }
    const expiresAt = jwtExpiry(value);
    kept = expiresAt === undefined ? undefined : { value, expiresAt };
    return value;
  };
}

/** The `exp` claim of a JWT, in ms since the epoch; undefined for anything else. */
function jwtExpiry(token: string): number | undefined {
  const payload = token.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const exp: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")).exp;
    return typeof exp === "number" ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
