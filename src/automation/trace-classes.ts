/**
 * Whether restarting a FAILED connector or task can help, read from its trace: the one table of rules the
 * auto-restart decides by (docs/automation.md, "Auto-restart"). Each rule is a regular expression over the whole trace (every
 * `Caused by:` line included), its verdict, and the words people read. Persistent rules are checked first: a
 * timeout whose cause is a rejected password is still a rejected password. Rules from the config file
 * (`automation.traceRules`) are checked before all of these, so a site can teach the bot its own plugins.
 */

export type TraceVerdict = "transient" | "persistent";

export interface TraceRule {
  /** A regular expression (JavaScript syntax), matched without case against the whole trace. */
  readonly match: string;
  readonly verdict: TraceVerdict;
  /** What happened, as people say it: "authentication failed". */
  readonly why: string;
}

/** What the table says of one trace: a rule's verdict and words, or `unknown` when no rule matches. */
export type TraceClass =
  | { readonly verdict: TraceVerdict; readonly why: string }
  | { readonly verdict: "unknown"; readonly why: string };

/**
 * The built-in rules. Sources: Kafka's `RetriableException` hierarchy (org.apache.kafka.common.errors), Connect's
 * `RetriableException` (KIP-298), and the exceptions JDBC, S3, Elasticsearch and Debezium connectors raise
 * (test/fixtures/plugin-traces.ts keeps recorded examples of each).
 */
export const builtInTraceRules: readonly TraceRule[] = [
  // Persistent: a restart reads the same config, credentials and records again.
  {
    match:
      "SaslAuthenticationException|AuthenticationException|authentication failed|Access denied for user|password authentication failed|InvalidAccessKeyId|SignatureDoesNotMatch|security_exception.*(unable to authenticate|missing authentication)|\\b401 Unauthorized",
    verdict: "persistent",
    why: "authentication failed",
  },
  {
    match:
      "AuthorizationException|TopicAuthorizationException|GroupAuthorizationException|not authorized|permission denied|AccessDenied|\\b403 Forbidden|security_exception.*(action|privilege)",
    verdict: "persistent",
    why: "not authorised",
  },
  {
    match: "ConfigException|Invalid value .* for configuration|Missing required configuration",
    verdict: "persistent",
    why: "the configuration is invalid",
  },
  {
    match:
      "DataException|SerializationException|Converting byte\\[\\] to Kafka Connect data failed|Unknown magic byte|JsonParseException|mapper_parsing_exception|SchemaParseException",
    verdict: "persistent",
    why: "records cannot be converted (serialization)",
  },
  {
    match: "ClassNotFoundException|NoClassDefFoundError|Class .* could not be found",
    verdict: "persistent",
    why: "a class is not found on the worker",
  },
  {
    match: "tasks\\.max|more tasks than|number of tasks .* exceeds",
    verdict: "persistent",
    why: "more tasks than tasks.max allows",
  },
  {
    match: "NoSuchFileException|AccessDeniedException|FileNotFoundException",
    verdict: "persistent",
    why: "a file or directory the connector needs is missing or not writable",
  },
  // Transient: the other side was away for a while; a later attempt may find it back.
  {
    match:
      "TimeoutException|timed out|SocketTimeoutException|Read timed out|connect timed out|ConnectTimeoutException",
    verdict: "transient",
    why: "a timeout",
  },
  {
    match:
      "Connection refused|Connection reset|ConnectException: Connection|Broken pipe|NoRouteToHostException|UnknownHostException|Communications link failure|connection (was )?closed|EOFException",
    verdict: "transient",
    why: "the connection was refused or dropped",
  },
  {
    match:
      "org\\.apache\\.kafka\\.connect\\.errors\\.RetriableException|org\\.apache\\.kafka\\.common\\.errors\\.RetriableException|NotLeaderOrFollowerException|NotEnoughReplicasException|LeaderNotAvailableException|NetworkException|DisconnectException|CoordinatorNotAvailableException",
    verdict: "transient",
    why: "a retriable Kafka error",
  },
  {
    match:
      "\\b(500|502|503|504) (Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out)|status(Code)?[=: ]+5\\d\\d|SlowDown|ThrottlingException|TooManyRequests|(HTTP|status|code)[ =:]*429|429 Too Many Requests|es_rejected_execution_exception|Rate exceeded",
    verdict: "transient",
    why: "the target answered with a server error or throttled",
  },
];

/**
 * Classifies a trace with `extra` rules (the config file's) before the built-in ones (persistent before transient);
 * the first match wins.
 * `unknown` when none matches or there is no trace: the bot then does not restart, and says so.
 */
export function classifyTrace(trace: string | undefined, extra: readonly TraceRule[] = []): TraceClass {
  if (trace === undefined || trace.trim() === "") return { verdict: "unknown", why: "no trace was reported" };
  const found = [...extra, ...builtInTraceRules].find((rule) => new RegExp(rule.match, "i").test(trace));
  return found === undefined
    ? { verdict: "unknown", why: "the failure is not one the trace rules know" }
    : { verdict: found.verdict, why: found.why };
}

/** The words an alert thread says about a verdict: why the bot restarts, or why it will not. */
export function verdictWords(found: TraceClass): string {
  switch (found.verdict) {
    case "persistent":
      return `${found.why}: a restart will not help, so the bot does not restart it (the Restart button is there once it is fixed)`;
    case "transient":
      return `${found.why}: transient, a restart may help`;
    case "unknown":
      return `${found.why}: not restarted automatically (add an automation.traceRules entry to teach the bot)`;
  }
}
