/**
 * Connector configs hold credentials in plain text. A key is secret when a word in it says so; `key.converter`
 * and the like are not, but a key that ends in `key` (`api.key`, `aws.secret.access.key`) is.
 */
const secretKey =
  /password|passwd|secret|token|credential|sasl\.jaas\.config|basic\.auth\.user\.info|(^|[._-])(api|access|private)?key$|apikey/i;

/** `scheme://user:password@host` keeps the user and hides the password; `password=…` query parameters too. */
const urlPassword = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi;
const passwordParameter = /([?&;](?:password|pwd|secret|token)=)[^&;\s]+/gi;

export const hidden = "••••••";

export function isSecretKey(key: string): boolean {
  return secretKey.test(key);
}

export function redactValue(key: string, value: string): string {
  if (isSecretKey(key)) return hidden;
  return redactText(value);
}

/** Hides credentials embedded in free text: URLs with a password, password query parameters. */
export function redactText(text: string): string {
  return text.replace(urlPassword, `$1${hidden}@`).replace(passwordParameter, `$1${hidden}`);
}

export function redactConfig(config: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, redactValue(key, value)]));
}
