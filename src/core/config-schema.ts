import { z } from "zod";
import { parseDuration } from "./duration.js";

/**
 * The building blocks every config section is written with (src/config/README.md): each domain and adapter
 * declares its own section beside its code from these, and src/config/ composes them into one document.
 */

/** A setting that cannot be used as given; the message names the setting as the user wrote it, and how to fix it. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "CONFIG_INVALID";
}

/** Reads a file's text (a PEM, the config file); tests pass their own. @throws the reader's error, with its `code` */
export type ReadText = (path: string) => string;

/**
 * How the user wrote a setting, from its path inside a cluster (`kafka.sasl.mechanism`): the variable of the
 * one-cluster shortcut (`KAFKA_SASL_MECHANISM`) or the file's field (`Cluster "prod": kafka.sasl.mechanism`).
 */
export type SettingName = (path: string) => string;

/**
 * What a section's settings are resolved with: the environment (secrets are named by variable, never written in
 * the file), a file reader (PEM files are read at start), and how to name a setting in an error.
 */
export interface SectionContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly read: ReadText;
  readonly name: SettingName;
}

/**
 * The environment variable a setting of the one-cluster shortcut comes from. The shortcut is translated into the
 * same document as the file (src/config/environment.ts), so a setting's schema, default and error message are
 * the same whichever way it was written.
 */
export interface VariableBinding {
  readonly name: string;
  /** Said after the error when the variable's value is refused (`List ids, comma-separated.`). */
  readonly hint?: string;
  /** The value when the variable is unset, for the shortcut only (the file requires the setting). */
  readonly whenUnset?: string;
  /** The variable's text as the document's value; by default it follows the schema's type (number, list, …). */
  readonly parse?: (text: string, variable: string) => unknown;
}

/** Which settings the environment can set, and from which variable. */
export const variables = z.registry<VariableBinding>();

/** `schema`, set by the variable `name` in the one-cluster shortcut as well as in the file. */
export function fromVariable<T extends z.ZodType>(
  name: string,
  schema: T,
  binding: Omit<VariableBinding, "name"> = {},
): T {
  variables.add(schema, { name, ...binding });
  return schema;
}

/** The name of an environment variable, as a file names the variable that holds a secret. */
export const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name");

/** A Slack channel id (`C…`, `G…`, `D…`). */
export const slackChannel = z.string().regex(/^[CGD][A-Z0-9]{2,}$/, "a Slack channel id such as C0123ABCD");

/** A Slack user id (`U…`, `W…`) or user-group id (`S…`). */
export const slackPrincipal = z
  .string()
  .regex(/^[UWS][A-Z0-9]+$/, "a Slack user id (U…, W…) or user-group id (S…)");

/** A duration as written (`30s`, `5m`, `4h`), parsed to milliseconds; `what` names the setting in the message. */
export const duration = (what: string, atLeastMs: number) =>
  z.string().transform((text, context) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms < atLeastMs) {
      context.addIssue({
        code: "custom",
        message: `${what}: a duration such as 30s, 5m or 4h (at least ${atLeastMs / 1000} s)`,
      });
      return z.NEVER;
    }
    return ms;
  });

/**
 * The value of the variable a file's `…Env` field names. @throws ConfigError naming the field and the variable
 * when it is not set or empty.
 */
export function secretOf(
  context: SectionContext,
  field: string,
  variable: string | undefined,
): string | undefined {
  if (variable === undefined) return undefined;
  const value = context.env[variable];
  if (value === undefined || value === "") {
    throw new ConfigError(`${context.name(field)} names ${variable}, but that variable is not set.`);
  }
  return value;
}

/** Reads a PEM file (a CA, a certificate or a key) at start, so a wrong path stops the bot with its name. */
export function readPem(what: string, path: string, read: ReadText): string {
  try {
    return read(path);
  } catch (error) {
    throw new ConfigError(
      `Cannot read the ${what} file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
}

/**
 * A client certificate and its key (PEM text), read from their files. @throws ConfigError when only one of the
 * two is set: a client certificate needs its key.
 */
export function clientCertificate(
  context: SectionContext,
  paths: { readonly cert: string; readonly key: string },
  files: { readonly certFile?: string | undefined; readonly keyFile?: string | undefined },
): { certificate?: string; key?: string } {
  if ((files.certFile === undefined) !== (files.keyFile === undefined)) {
    throw new ConfigError(
      `${context.name(paths.cert)} and ${context.name(paths.key)} go together: a client certificate needs its key.`,
    );
  }
  if (files.certFile === undefined || files.keyFile === undefined) return {};
  return {
    certificate: readPem("client certificate", files.certFile, context.read),
    key: readPem("client key", files.keyFile, context.read),
  };
}

type DefinedOnly<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Drops undefined values, so optional properties are absent rather than undefined (exactOptionalPropertyTypes). */
export function definedOnly<T extends object>(value: T): DefinedOnly<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as DefinedOnly<T>;
}
