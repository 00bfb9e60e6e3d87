import { z } from "zod";
import {
  ConfigError,
  clientCertificate,
  definedOnly,
  envName,
  fromVariable,
  readPem,
  type SectionContext,
  secretOf,
} from "../core/config-schema.js";

/**
 * A cluster's `connect:` section: where its Connect REST API is and how the bot proves who it is. In the one-cluster
 * shortcut each field comes from the `CONNECT_*` variable named beside it; secrets are always named by variable.
 */
export const ConnectSection = z.strictObject({
  url: fromVariable("CONNECT_URL", z.url({ protocol: /^https?$/ }), { whenUnset: "http://localhost:8083" }),
  username: fromVariable("CONNECT_USERNAME", z.string().min(1).optional()),
  /** The name of the environment variable that holds the password. */
  passwordEnv: fromVariable("CONNECT_PASSWORD", envName.optional(), { parse: (_, variable) => variable }),
  /** The name of the environment variable that holds a bearer token (for a gateway in front of Connect). */
  tokenEnv: fromVariable("CONNECT_TOKEN", envName.optional(), { parse: (_, variable) => variable }),
  caFile: fromVariable("CONNECT_CA_FILE", z.string().min(1).optional()),
  /** A client certificate and its key (PEM), for a worker that requires one (mTLS). */
  certFile: fromVariable("CONNECT_CERT_FILE", z.string().min(1).optional()),
  keyFile: fromVariable("CONNECT_KEY_FILE", z.string().min(1).optional()),
  /**
   * One Connect call, every retry included (a command's calls also end by its 8 s deadline), in ms.
   * @defaultValue 7000
   */
  timeoutMs: z.number().int().positive().default(7_000),
});

/**
 * The section resolved: secrets read from their variables, PEM files read. Every other field of the section is
 * passed on as written, so a new setting reaches `ConnectClientOptions` through `createApp` with no edit here.
 */
export function connectAccess(section: z.output<typeof ConnectSection>, context: SectionContext) {
  const { passwordEnv, tokenEnv, caFile, certFile, keyFile, ...settings } = section;
  const token = secretOf(context, "connect.tokenEnv", tokenEnv);
  if (token !== undefined && settings.username !== undefined) {
    throw new ConfigError(
      `${context.name("connect.tokenEnv")} and ${context.name("connect.username")} are both set: use a bearer token or basic auth, not both.`,
    );
  }
  return definedOnly({
    ...settings,
    password: secretOf(context, "connect.passwordEnv", passwordEnv),
    token,
    caCertificate: caFile === undefined ? undefined : readPem("CA", caFile, context.read),
    ...clientCertificate(
      context,
      { cert: "connect.certFile", key: "connect.keyFile" },
      { certFile, keyFile },
    ),
  });
}

/** How the bot reaches one cluster's Connect REST API (see {@link ConnectSection} for each setting). */
export type ConnectAccess = ReturnType<typeof connectAccess>;
