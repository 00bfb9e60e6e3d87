import type { ClusterClients } from "./ports.js";
import { redactConfig } from "./redact.js";

/** How the settings of one connector, and of each of its tasks, are hidden before they are shown. */
export interface SecretHiding {
  /** The settings with secrets hidden: whole for secret keys, credentials inside the other values. */
  hide(config: Readonly<Record<string, string>>): Record<string, string>;
  /** What was hidden and by which rule, for the reply's note. */
  readonly note: string;
}

/**
 * The one place commands decide which settings they hide: the keys the connector's plugin declares as `PASSWORD`
 * (asked of the worker from the connector's config, `PUT …/config/validate`), then key names and value patterns
 * ({@link redactConfig}). A task's config carries its connector's keys, so the same rule hides them there.
 */
export async function secretHiding(
  connect: ClusterClients["connect"],
  connectorConfig: Readonly<Record<string, string>>,
  options: { readonly requestId: string },
): Promise<SecretHiding> {
  const passwordKeys = await connect.passwordKeys(connectorConfig, options);
  return {
    hide: (config) => redactConfig(config, passwordKeys),
    note:
      passwordKeys === undefined
        ? "Connect could not say which settings are secret: hidden by name, and credentials inside values."
        : "Hidden: the settings its plugin declares as passwords, those named like secrets, and credentials inside values.",
  };
}
