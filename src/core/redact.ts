import { wellFormed } from "./cut-text.js";

/**
 * What the bot never lets out: credentials from connector configs and from the traces Connect reports.
 *
 * Three layers. Settings are hidden by key: every key the connector's plugin declares as `PASSWORD` (Connect's
 * `PUT /connector-plugins/{class}/config/validate`), else keys whose name says secret ({@link secretSettings}
 * decides, for every caller). Their values are then known secrets: where a connector's trace is shown (status,
 * alerts), each is hidden wherever it appears, even alone (`Login failed for password hunter2`). Free text is
 * hidden by the patterns below, applied by {@link redactText} at every exit: the Slack Web API client and
 * response_url answers (commands, approvals, alerts, threads, DMs, the audit mirror), the shell's output, the log
 * stream and the audit trail's entries. Text that is cut into lines or clipped before it leaves (trace excerpts)
 * is redacted before the cut, so a secret is never split past its pattern.
 *
 * A pattern's match never leaves its value: it stops at the end of the line, and a quoted value's closing quote
 * counts only in the same table cell (cells are set apart by a tab, two spaces or ` |`, as `alignColumns` and
 * Markdown tables draw them); a value starts at most one space after its name, separator or scheme. An opening
 * quote that is not closed there hides only up to the next whitespace or separator, so a quote typed in a reason
 * cannot hide the rows of `audit` that follow it.
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

/** A line break in a trace: a real one, or `\n` / `\r\n` as JSON (once or twice escaped) writes it. */
const lineBreak = String.raw`(?:\r?\n|\\{1,2}r\\{1,2}n|\\{1,2}n)`;

/**
 * The inside of a quoted value, up to the end of its cell: no line break, no tab, no two spaces or ` |` in a row.
 * `quote` is the quote character; a backslash escapes the next character on the same line.
 */
const quotedInside = (quote: string) => String.raw`(?:[^${quote}\\\r\n\t ]| (?![ |])|\\[^\r\n])*`;

/**
 * The body of a PEM block (RFC 7468): base64 words and RFC 1421 headers, then the END line. On the BEGIN line the
 * words may be set apart by single spaces (a key folded onto one line); each further line holds one word alone or
 * nothing, so a BEGIN line without its END hides no table row after it. `hidden` counts as a word: redacting
 * twice changes nothing.
 */
const pemWord = String.raw`(?:[A-Za-z0-9+/=]+|(?:Proc-Type|DEK-Info):[ \t]*[A-Za-z0-9,.-]+|${hidden})`;
const pemBody = String.raw`(?: ?${pemWord}(?= |${lineBreak}|-----|$))*(?:${lineBreak}[ \t]*(?:${pemWord}[ \t]*)?(?=${lineBreak}|-----|$))*`;

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
    pattern: new RegExp(
      String.raw`-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY)-----${pemBody}(?:(?:${lineBreak}|[ \t])*-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----)?`,
      "g",
    ),
    replace: `-----BEGIN $1----- ${hidden} -----END $1-----`,
  },
  {
    // `scheme://user:password@host`, any scheme (jdbc:mysql://, mongodb+srv://, redis://:password@…), and with
    // one slash: Java's file paths fold `//`, so a trace can show `postgres:/admin:password@db`. A password may
    // hold `@` itself: the user info ends at the last `@` before the path.
    name: "URL user and password",
    pattern:
      /((?<![A-Za-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/?[^\s:/@?#"'<>]*:)(?:[^\s@"'<>]|@(?=[^\s/?#@"'<>]*@))+@/gi,
    replace: `$1${hidden}@`,
  },
  {
    // Oracle's thin driver: `jdbc:oracle:thin:scott/tiger@db:1521/ORCL`.
    name: "Oracle user/password",
    pattern: /(\bjdbc:oracle:[a-z]+:[^\s/@:"']+\/)[^\s@"']+@/gi,
    replace: `$1${hidden}@`,
  },
  {
    // `Authorization: Bearer …`, `"Authorization":"Basic …"`, HTTP sink `headers=Authorization:Bearer …|…`, and
    // the map form Java HTTP clients print, `{authorization=[Basic …]}`: the scheme stays, its value is hidden.
    name: "authorization header",
    pattern:
      /\b((?:proxy-)?authorization|x-api-key|api-key|x-auth-token|x-amz-security-token)((?:\\?["'])?[ \t]*[:=](?:[ \t](?![ \t]))?\[?(?:\\?["'])?)((?:bearer|basic|token|digest|apikey|negotiate|aws4-hmac-sha256)[ \t](?![ \t]))?[^\s"'|,;\]\\]+/gi,
    replace: `$1$2$3${hidden}`,
  },
  {
    // A bare `Bearer eyJ…` or `Basic dXNlcjpwYXNz` anywhere in a trace.
    name: "bearer or basic credentials",
    pattern: /\b(Bearer|Basic)[ \t](?![ \t])[A-Za-z0-9._~+/=-]{8,}/g,
    replace: `$1 ${hidden}`,
  },
  {
    // `password=…`, `password: …`, `"private_key": "…"`, `secret='…'`, `{password=[…]}` (a Java map of lists),
    // query parameters and JDBC `;password=…`; a config-provider reference `${…}` is left as it is.
    name: "secret name and value",
    pattern: new RegExp(
      // A value in quotes closed in the same cell (escaped quotes too, as in a JSON-encoded log line), in
      // brackets, else up to whitespace or a separator (an unclosed quote hides only that far; a quote inside
      // the value, `pass"word`, does not end it).
      String.raw`(${secretWord}(?:\\?["'])?[ \t]*[=:](?:[ \t](?![ \t]))?)(?!\$\{)(\\"(?:[^"\\\r\n\t ]| (?![ |])|\\[^"\r\n])*\\"|"${quotedInside('"')}"|'${quotedInside("'")}'|\[[^\]\r\n\t]*\]|(?:\\?["'])?(?:[^\s,;&)}\]"'\\|]|["'](?=[^\s,;&)}\]"'\\|]))+)`,
      "gi",
    ),
    replace: `$1${hidden}`,
  },
];

/**
 * Hides credentials inside free text: URLs, headers, PEM blocks, JSON keys, `password=` pairs. The result is
 * well-formed Unicode, as every exit needs it (see `wellFormed`). Where the connector is known, hide its secret
 * values first with {@link hideSecretValues}.
 */
export function redactText(text: string): string {
  let result = wellFormed(text);
  for (const { name, pattern, replace } of textPatterns) {
    result =
      name === "secret name and value"
        ? result.replace(pattern, (_match, prefix: string, value: string) => `${prefix}${hideValue(value)}`)
        : result.replace(pattern, replace);
  }
  return result;
}

/** Keeps a value's quotes or brackets (JSON stays JSON); a quote that was not closed is not closed either. */
function hideValue(value: string): string {
  const open = /^(?:\\"|"|'|\[)/.exec(value)?.[0] ?? "";
  const close = /(?:\\"|"|'|\])$/.exec(value.slice(open.length))?.[0] ?? "";
  return `${open}${hidden}${close}`;
}

/**
 * A known secret shorter than this is hidden only where it stands alone (not inside a longer word): hiding every
 * `abc` in a trace would blank unrelated text and tell the secret by where the blanks fall.
 */
const shortSecret = 6;

/**
 * Each of `secrets` (values known to be secret, a connector's from {@link secretValues}) replaced by `hidden`
 * wherever it appears in `text`: as written, inside a JSON string and URL-encoded; longest first. A value shorter
 * than 6 characters only where it stands alone.
 */
export function hideSecretValues(text: string, secrets: readonly string[]): string {
  const forms = new Set(
    secrets
      .map((secret) => wellFormed(secret))
      .filter((secret) => secret.trim() !== "" && secret !== hidden)
      .flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]),
  );
  if (forms.size === 0) return text;
  const alternatives = [...forms]
    .sort((a, b) => b.length - a.length)
    .map((form) => {
      const escaped = form.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      return form.length < shortSecret ? `(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])` : escaped;
    });
  return text.replace(new RegExp(alternatives.join("|"), "gu"), hidden);
}

/**
 * The values a connector's config holds that are secret, as {@link secretSettings} decides: what
 * {@link hideSecretValues} hides wherever they appear in that connector's traces and settings.
 */
export function secretValues(
  config: Readonly<Record<string, string>>,
  passwordKeys: ReadonlySet<string> = new Set(),
): string[] {
  return secretSettings(config, passwordKeys).flatMap((key) => config[key] ?? []);
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

/**
 * A config as it may be shown: secret settings hidden whole, credentials inside the others hidden too, and a
 * secret setting's value wherever another setting repeats it.
 */
export function redactConfig(
  config: Readonly<Record<string, string>>,
  passwordKeys: ReadonlySet<string> = new Set(),
): Record<string, string> {
  const secret = new Set(secretSettings(config, passwordKeys));
  const known = secretValues(config, passwordKeys);
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [
      key,
      secret.has(key) ? hidden : redactText(hideSecretValues(value, known)),
    ]),
  );
}
