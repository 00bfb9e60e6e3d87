/**
 * What the bot never lets out: credentials from connector configs and from the traces Connect reports.
 *
 * Two layers. Settings are hidden by key: every key the connector's plugin declares as `PASSWORD` (Connect's
 * `PUT /connector-plugins/{class}/config/validate`), else keys whose name says secret. Free text is hidden by
 * the patterns below, applied by {@link redactText} at every exit: the Slack Web API client and response_url
 * answers (commands, approvals, alerts, threads, DMs, the audit mirror), the shell's output, the log stream and
 * the audit trail's entries. Text that is cut into lines or clipped before it leaves (trace excerpts) is redacted
 * before the cut, so a secret is never split past its pattern.
 */

export const hidden = "••••••";

/**
 * A key is secret when a word in it says so; `key.converter` and the like are not, but a key that ends in `key`
 * (`api.key`, `aws.secret.access.key`, `snowflake.private.key`) is.
 */
const secretKey =
  /password|passwd|passphrase|secret|token|credential|sasl\.jaas\.config|basic\.auth\.user\.info|keyfile|keystore\.key|(^|[._-])(api|access|private|signing|master|encryption)?key$|apikey|(^|[._-])auth\.header$/i;

/** `${file:/etc/secrets.properties:db.password}`, `${vault:secret/db:password}`: a pointer, not the secret. */
const providerReference = /^\$\{[a-zA-Z0-9_.-]+:[^}]*\}$/;

/** Words that name a secret in `name=value` or `"name": "value"` text. */
const secretWord =
  "(?<![A-Za-z0-9_.-])(?:[A-Za-z0-9_.-]*(?:password|passwd|passphrase|pwd|secret|token|credentials?|api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key(?:[_.-]?id)?|client[_.-]?secret|user[_.-]?info|customer[_.-]?key|account[_.-]?key|sig|signature))";

interface TextPattern {
  readonly name: string;
  readonly pattern: RegExp;
  readonly replace: string;
}

/** Every free-text pattern, in the order applied. Each keeps enough around the secret to say what it was. */
export const textPatterns: readonly TextPattern[] = [
  {
    // A whole PEM private key, or its start when the text was cut before its END line.
    name: "PEM private key",
    pattern:
      /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY)-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|$)/g,
    replace: `-----BEGIN $1----- ${hidden} -----END $1-----`,
  },
  {
    // `scheme://user:password@host`, any scheme (jdbc:mysql://, mongodb+srv://, redis://:password@…), and with
    // one slash: Java's file paths fold `//`, so a trace can show `postgres:/admin:password@db`.
    name: "URL user and password",
    pattern: /((?<![A-Za-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/?[^\s:/@?#"'<>]*:)[^\s@"'<>]+@/gi,
    replace: `$1${hidden}@`,
  },
  {
    // Oracle's thin driver: `jdbc:oracle:thin:scott/tiger@db:1521/ORCL`.
    name: "Oracle user/password",
    pattern: /(\bjdbc:oracle:[a-z]+:[^\s/@:"']+\/)[^\s@"']+@/gi,
    replace: `$1${hidden}@`,
  },
  {
    // `Authorization: Bearer …`, `"Authorization":"Basic …"`, HTTP sink `headers=Authorization:Bearer …|…`.
    name: "authorization header",
    pattern:
      /\b((?:proxy-)?authorization|x-api-key|api-key|x-auth-token|x-amz-security-token)(["']?\s*[:=]\s*["']?)((?:bearer|basic|token|digest|apikey)\s+)?[^\s"'|,;]+/gi,
    replace: `$1$2$3${hidden}`,
  },
  {
    // A bare `Bearer eyJ…` or `Basic dXNlcjpwYXNz` anywhere in a trace.
    name: "bearer or basic credentials",
    pattern: /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g,
    replace: `$1 ${hidden}`,
  },
  {
    // `password=…`, `password: …`, `"private_key": "…"`, `secret='…'`, query parameters and JDBC `;password=…`;
    // a config-provider reference `${…}` is left as it is.
    name: "secret name and value",
    pattern: new RegExp(
      // A value in quotes (escaped quotes too, as in a JSON-encoded log line), else up to a separator.
      `(${secretWord}(?:\\\\?["'])?\\s*[=:]\\s*)(?!\\$\\{)(\\\\"(?:[^"\\\\]|\\\\[^"])*\\\\"|"(?:[^"\\\\]|\\\\.)*"|'[^']*'|[^\\s,;&)}\\]"'\\\\|]+)`,
      "gi",
    ),
    replace: `$1${hidden}`,
  },
];

/** Hides credentials inside free text: URLs, headers, PEM blocks, JSON keys, `password=` pairs. */
export function redactText(text: string): string {
  let result = text;
  for (const { name, pattern, replace } of textPatterns) {
    result =
      name === "secret name and value"
        ? result.replace(pattern, (_match, prefix: string, value: string) => `${prefix}${hideValue(value)}`)
        : result.replace(pattern, replace);
  }
  return result;
}

/** Keeps a quoted value's quotes (JSON stays JSON) and leaves what is already hidden alone. */
function hideValue(value: string): string {
  const quote = /^(\\"|"|')/.exec(value)?.[1] ?? "";
  return `${quote}${hidden}${quote}`;
}

/** Every string inside a JSON-like value, redacted; other values as they are. */
export function redactDeep<T>(value: T): T {
  if (typeof value === "string") return redactText(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactDeep(item)) as T;
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactDeep(item)])) as T;
  }
  return value;
}

export function isSecretKey(key: string): boolean {
  return secretKey.test(key);
}

/** Whether a value is a config-provider reference (`${file:…}`, `${vault:…}`), which may be shown. */
export function isProviderReference(value: string): boolean {
  return providerReference.test(value.trim());
}

/**
 * Which settings of a config are secret: the keys the plugin declares as `PASSWORD` (when Connect could say),
 * and those whose name says so. A value that is a config-provider reference is a pointer and is not secret.
 */
export function secretSettings(
  config: Readonly<Record<string, string>>,
  passwordKeys: ReadonlySet<string> = new Set(),
): string[] {
  return Object.entries(config)
    .filter(([key, value]) => (passwordKeys.has(key) || isSecretKey(key)) && !isProviderReference(value))
    .map(([key]) => key);
}

/**
 * The settings a saved config must not keep in clear: the secret ones, and those whose value holds a credential
 * the text patterns catch (a database URL with its password), whole.
 */
export function settingsToSeal(
  config: Readonly<Record<string, string>>,
  passwordKeys: ReadonlySet<string> = new Set(),
): string[] {
  const secret = new Set(secretSettings(config, passwordKeys));
  return Object.entries(config)
    .filter(([key, value]) => secret.has(key) || (!isProviderReference(value) && redactText(value) !== value))
    .map(([key]) => key);
}

/** A config as it may be shown: secret settings hidden whole, credentials inside the others hidden too. */
export function redactConfig(
  config: Readonly<Record<string, string>>,
  passwordKeys: ReadonlySet<string> = new Set(),
): Record<string, string> {
  const secret = new Set(secretSettings(config, passwordKeys));
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [key, secret.has(key) ? hidden : redactText(value)]),
  );
}
