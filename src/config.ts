import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { destructiveCommands } from "../approvals/approval-entries.js";
import type { ApprovalPolicy } from "../approvals/approval-policy.js";
import { longestAlertWindowMs, maxAlertSamples } from "./alerts/alert-rules.js";
import {
  type AlertThresholds,
  defaultThresholds,
  type ThresholdOverride,
} from "./alerts/alert-thresholds.js";
import type { SealingKey } from "./core/config-sealer.js";
import { parseDuration } from "./core/duration.js";
import { type RoleGrant, type RoleGrants, roles } from "./core/roles.js";
import {
  type KafkaSasl,
  type KafkaSecurity,
  type SaslMechanism,
  type SecurityProtocol,
  saslMechanisms,
  securityProtocols,
} from "./kafka/kafka-connection.js";
import { type KafkaClientName, kafkaClients } from "./kafka/kafka-offsets.js";
import type { WorkerConsumerDefaults } from "./kafka/sink-consumer.js";

/**
 * Every environment variable the bot reads. `.env.example` lists exactly these (a test keeps them in step).
 * Secrets live only here: the YAML file names the variable that holds a password, never the password.
 */
const slackChannelId = /^[CGD][A-Z0-9]{2,}$/;
const slackPrincipal = z.string().regex(/^[UWS][A-Z0-9]+$/, "a Slack user id (U…, W…) or user-group id (S…)");
/**
 * One role's grants: a Slack id alone holds the role on the whole cluster; `{ principals, connectors }` holds it
 * only on the connectors matching one of the patterns (the glob dialect of `list` and the alert routes).
 */
const ScopedGrant = z.strictObject({
  principals: z.array(slackPrincipal).min(1, "name at least one Slack user or user-group id"),
  connectors: z
    .array(z.string().min(1).max(249, "a pattern is at most 249 characters"))
    .min(1, "name at least one connector pattern, or leave `connectors` out for the whole cluster")
    .optional(),
});
const roleList = z
  .array(z.union([slackPrincipal, ScopedGrant]))
  .default([])
  .transform((entries): RoleGrant[] => {
    const whole = entries.filter((entry) => typeof entry === "string");
    const scoped = entries.filter((entry) => typeof entry !== "string");
    return [
      ...(whole.length === 0 ? [] : [{ principals: whole }]),
      ...scoped.map(({ principals, connectors }) => ({
        principals,
        ...(connectors === undefined ? {} : { connectors }),
      })),
    ];
  });
const RoleGrantsFile = z.strictObject({
  viewer: roleList,
  operator: roleList,
  approver: roleList,
  admin: roleList,
});

const Environment = z.object({
  CONFIG_FILE: z.string().min(1).optional(),
  CONNECT_URL: z.url({ protocol: /^https?$/ }).optional(),
  CONNECT_USERNAME: z.string().min(1).optional(),
  CONNECT_PASSWORD: z.string().min(1).optional(),
  CONNECT_CA_FILE: z.string().min(1).optional(),
  CONNECT_CERT_FILE: z.string().min(1).optional(),
  CONNECT_KEY_FILE: z.string().min(1).optional(),
  CONNECT_TOKEN: z.string().min(1).optional(),
  KAFKA_BROKERS: z.string().min(1).optional(),
  KAFKA_SECURITY_PROTOCOL: z.enum(securityProtocols).optional(),
  KAFKA_SASL_MECHANISM: z.enum(saslMechanisms).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  KAFKA_OAUTH_TOKEN_FILE: z.string().min(1).optional(),
  KAFKA_OAUTH_TOKEN_COMMAND: z.string().min(1).optional(),
  KAFKA_CA_FILE: z.string().min(1).optional(),
  KAFKA_CERT_FILE: z.string().min(1).optional(),
  KAFKA_KEY_FILE: z.string().min(1).optional(),
  KAFKA_WORKER_AUTO_OFFSET_RESET: z.enum(["earliest", "latest", "none"]).optional(),
  KAFKA_WORKER_ISOLATION_LEVEL: z.enum(["read_uncommitted", "read_committed"]).optional(),
  KAFKA_CLIENT: z.enum(kafkaClients).default("platformatic"),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default("redis://127.0.0.1:6379"),
  REDIS_CA_FILE: z.string().min(1).optional(),
  REDIS_SENTINELS: z.string().min(1).optional(),
  REDIS_MASTER_NAME: z.string().min(1).optional(),
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  SLACK_BOT_TOKEN: z.string().startsWith("xoxb-").optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z.string().startsWith("xapp-").optional(),
  SLACK_API_URL: z.url().optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  ROLE_VIEWERS: z.string().optional(),
  ROLE_OPERATORS: z.string().optional(),
  ROLE_APPROVERS: z.string().optional(),
  ROLE_ADMINS: z.string().optional(),
  UNKNOWN_USERS_ARE_VIEWERS: z.stringbool().default(false),
  AUDIT_CHANNEL: z.string().regex(slackChannelId, "a Slack channel id such as C0123ABCD").optional(),
  APPROVALS_CHANNEL: z.string().regex(slackChannelId, "a Slack channel id such as C0123ABCD").optional(),
  APPROVAL_EXPIRY: z.string().optional(),
  APPROVAL_START_WITHIN: z.string().optional(),
  APPROVAL_REBALANCE_WAIT: z.string().optional(),
  APPROVALS_REQUIRED: z.string().optional(),
  APPROVERS_NEEDED: z.coerce.number().int().min(1).max(5).default(1),
  ALERTS_CHANNEL: z.string().regex(slackChannelId, "a Slack channel id such as C0123ABCD").optional(),
  ALERT_POLL_INTERVAL: z.string().optional(),
  SNAPSHOT_KEYS: z
    .string()
    .transform((text, context) => {
      const keys: SealingKey[] = [];
      for (const entry of text.split(",").map((part) => part.trim())) {
        const match = /^([A-Za-z0-9._-]+):([A-Za-z0-9+/]{43}=)$/.exec(entry);
        if (match?.[1] === undefined || match[2] === undefined) {
          context.addIssue({
            code: "custom",
            message:
              "expected id:key pairs separated by commas, each key 32 random bytes in base64 (`openssl rand -base64 32`)",
          });
          return z.NEVER;
        }
        keys.push({ id: match[1], key: Buffer.from(match[2], "base64") });
      }
      return keys;
    })
    .optional(),
});

export const environmentVariables: readonly string[] = Object.keys(Environment.shape);

/** The one-cluster shortcut's variables: a config file replaces them, so setting both is a mistake. */
const replacedByFile = [
  "CONNECT_URL",
  "CONNECT_USERNAME",
  "CONNECT_PASSWORD",
  "CONNECT_CA_FILE",
  "CONNECT_CERT_FILE",
  "CONNECT_KEY_FILE",
  "CONNECT_TOKEN",
  "KAFKA_BROKERS",
  "KAFKA_SECURITY_PROTOCOL",
  "KAFKA_SASL_MECHANISM",
  "KAFKA_SASL_USERNAME",
  "KAFKA_SASL_PASSWORD",
  "KAFKA_OAUTH_TOKEN_FILE",
  "KAFKA_OAUTH_TOKEN_COMMAND",
  "KAFKA_CA_FILE",
  "KAFKA_CERT_FILE",
  "KAFKA_KEY_FILE",
  "KAFKA_WORKER_AUTO_OFFSET_RESET",
  "KAFKA_WORKER_ISOLATION_LEVEL",
  "ROLE_VIEWERS",
  "ROLE_OPERATORS",
  "ROLE_APPROVERS",
  "ROLE_ADMINS",
  "APPROVALS_REQUIRED",
  "APPROVERS_NEEDED",
] as const;

const brokerList = z
  .array(z.string().regex(/^[^\s:]+:\d+$/, "expected host:port"))
  .min(1, "name at least one broker");

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name");

/** Kafka's security settings in the file: the protocol, SASL (secrets named by variable), TLS files. */
const KafkaFile = z.strictObject({
  brokers: brokerList,
  securityProtocol: z.enum(securityProtocols).default("PLAINTEXT"),
  sasl: z
    .strictObject({
      mechanism: z.enum(saslMechanisms),
      username: z.string().min(1).optional(),
      /** The name of the environment variable that holds the password (PLAIN, SCRAM). */
      passwordEnv: envName.optional(),
      /** OAUTHBEARER: a file holding the token, re-read when it expires, or a command that prints one. */
      tokenFile: z.string().min(1).optional(),
      tokenCommand: z.string().min(1).optional(),
    })
    .optional(),
  tls: z
    .strictObject({
      caFile: z.string().min(1).optional(),
      certFile: z.string().min(1).optional(),
      keyFile: z.string().min(1).optional(),
    })
    .optional(),
  /** The worker's `consumer.auto.offset.reset` / `consumer.isolation.level`, when its properties set them. */
  workerConsumer: z
    .strictObject({
      autoOffsetReset: z.enum(["earliest", "latest", "none"]).optional(),
      isolationLevel: z.enum(["read_uncommitted", "read_committed"]).optional(),
    })
    .default({}),
});

const duration = (what: string, atLeastMs: number) =>
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

const ClusterFile = z.strictObject({
  name: z
    .string()
    .max(64, "at most 64 characters")
    .regex(/^[a-z0-9][a-z0-9._-]*$/, "lower-case letters, digits, '.', '_' and '-'"),
  default: z.boolean().default(false),
  connect: z.strictObject({
    url: z.url({ protocol: /^https?$/ }),
    username: z.string().min(1).optional(),
    /** The name of the environment variable that holds the password. */
    passwordEnv: envName.optional(),
    /** The name of the environment variable that holds a bearer token (for a gateway in front of Connect). */
    tokenEnv: envName.optional(),
    caFile: z.string().min(1).optional(),
    /** A client certificate and its key (PEM), for a worker that requires one (mTLS). */
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    /** One Connect call, every retry included (a command's calls also end by its 8 s deadline). */
    timeoutMs: z.number().int().positive().default(7_000),
  }),
  kafka: KafkaFile,
  roles: RoleGrantsFile.default({ viewer: [], operator: [], approver: [], admin: [] }),
  /** Which destructive commands wait for approval here, and how many approvers they need. */
  approvals: z
    .strictObject({
      required: z.array(z.enum(destructiveCommands)).default([...destructiveCommands]),
      approvers: z.number().int().min(1).max(5).default(1),
      /**
       * Rules that approve in a person's place, first match wins: on connectors matching `connectors`, the
       * `commands` named, within `maxReplay` / `maxSkip` records for sink offset changes (README, "Approvals").
       */
      autoApprove: z
        .array(
          z.strictObject({
            name: z
              .string()
              .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "lower-case letters, digits, '.', '_' and '-'"),
            commands: z.array(z.enum(destructiveCommands)).min(1, "name the commands it approves"),
            connectors: z
              .array(z.string().min(1).max(249))
              .min(1, 'name the connector patterns it approves on ("*" for every one)'),
            maxReplay: z.number().int().min(0).optional(),
            maxSkip: z.number().int().min(0).optional(),
          }),
        )
        .refine((rules) => new Set(rules.map((rule) => rule.name)).size === rules.length, {
          message: "rule names must be unique: the audit names the rule that approved",
        })
        .default([]),
      /** A waiting request is reminded of in its thread after this long, naming who can approve it. */
      remindAfter: duration("remindAfter", 1_000).optional(),
      /** Still waiting after this long (since it was asked), it is escalated to `escalateTo`. */
      escalateAfter: duration("escalateAfter", 1_000).optional(),
      /** A channel (`C…`, posted there) or a user group (`S…`, mentioned in the request's thread). */
      escalateTo: z
        .string()
        .regex(/^[CGS][A-Z0-9]{2,}$/, "a Slack channel id (C…) or user-group id (S…)")
        .optional(),
    })
    .refine((approvals) => (approvals.escalateAfter === undefined) === (approvals.escalateTo === undefined), {
      message: "escalateAfter and escalateTo go together: when, and to whom",
    })
    .refine(
      ({ remindAfter, escalateAfter }) =>
        remindAfter === undefined || escalateAfter === undefined || escalateAfter > remindAfter,
      { message: "escalateAfter must come after remindAfter" },
    )
    .optional(),
});

/** Alert thresholds as written in the file: counts of messages and minutes, windows as durations. */
const ThresholdsFile = z.strictObject({
  lagMessages: z.number().int().positive().optional(),
  lagClearMessages: z.number().int().min(0).optional(),
  lagMinutes: z.number().positive().optional(),
  lagClearMinutes: z.number().min(0).optional(),
  sustain: duration("sustain", 1_000).optional(),
  stalled: duration("stalled", 1_000).optional(),
  fallingBehind: duration("fallingBehind", 1_000).optional(),
  paused: duration("paused", 1_000).optional(),
  /**
   * Grace before the connector or a task that is UNASSIGNED, or shown running on a worker that does not answer,
   * raises an alert naming that worker. @defaultValue 3m
   */
  unassigned: duration("unassigned", 1_000).optional(),
});

/** How a receiver's failed sends are tried again (BullMQ's exponential backoff: first, 2×first, 4×first…). */
const ReceiverRetry = {
  /** Sends tried in all before the dead-letter log line. @defaultValue 5 */
  attempts: z.number().int().min(1).max(20).default(5),
  /** The wait before the second try; each next one doubles. @defaultValue 2s */
  backoff: duration("backoff", 1_000).default(2_000),
};

/** A receiver as written in the file: where it is, and the variable that holds its secret. */
const ReceiverFile = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("alertmanager"),
    /** The Alertmanager's base URL (`http://alertmanager:9093`); alerts are posted to `/api/v2/alerts` under it. */
    url: z.url({ protocol: /^https?$/ }),
    ...ReceiverRetry,
  }),
  z.strictObject({
    type: z.literal("pagerduty"),
    /** The Events API v2 endpoint. @defaultValue https://events.pagerduty.com/v2/enqueue */
    url: z.url({ protocol: /^https?$/ }).default("https://events.pagerduty.com/v2/enqueue"),
    /** The environment variable holding the service's integration (routing) key. */
    routingKeyEnv: envName,
    /**
     * A resolved alert is resolved in PagerDuty once it stayed resolved this long, so a flapping connector is one
     * incident. @defaultValue the alerts' flapWindow
     */
    resolveAfter: duration("resolveAfter", 0).optional(),
    ...ReceiverRetry,
  }),
  z.strictObject({
    type: z.literal("webhook"),
    url: z.url({ protocol: /^https?$/ }),
    /** The environment variable holding the HMAC-SHA256 secret the body is signed with. */
    secretEnv: envName,
    ...ReceiverRetry,
  }),
]);

const AlertsFile = z.strictObject({
  /** Where alerts go when no route matches. */
  channel: z.string().regex(slackChannelId, "a Slack channel id such as C0123ABCD").optional(),
  pollInterval: duration("pollInterval", 1_000).optional(),
  /** A firing alert nobody acknowledged is mentioned again in its thread this often. */
  repeatInterval: duration("repeatInterval", 60_000).optional(),
  /**
   * More new alerts than this of one rule in one poll (and channel) are one summary message, with each connector
   * in its thread, instead of a message per five. @defaultValue 5
   */
  summariseAbove: z.number().int().min(1).default(5),
  /**
   * An alert that fires again within this long after it resolved is the same alert, flapping: its one message
   * goes back to FIRING with a flap count, and the return is told in its thread. @defaultValue 30m
   */
  flapWindow: duration("flapWindow", 0).default(30 * 60_000),
  thresholds: ThresholdsFile.default({}),
  /** Per-connector thresholds by glob (`orders-*`); later entries win. */
  overrides: z.array(ThresholdsFile.extend({ connector: z.string().min(1) })).default([]),
  /**
   * Where alerts go besides Slack, by a name the routes use (README, "Alert receivers"). Secrets (a PagerDuty
   * routing key, a webhook's HMAC secret) are named by the environment variable that holds them, never written here.
   */
  receivers: z
    .record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "a receiver name: a-z, 0-9, - and _"), ReceiverFile)
    .default({}),
  /**
   * The one routing table: the first route whose cluster, connector and rule globs match decides where an alert
   * goes: its Slack channel (without one, `alerts.channel`) and its receivers (without any, none).
   */
  routes: z
    .array(
      z.strictObject({
        cluster: z.string().min(1).default("*"),
        connector: z.string().min(1).default("*"),
        /** A glob over rule ids (`task-failed`, `lag-*`). @defaultValue * */
        rule: z.string().min(1).default("*"),
        channel: z.string().regex(slackChannelId, "a Slack channel id such as C0123ABCD").optional(),
        /** Names of `alerts.receivers` told of the alert, besides Slack. @defaultValue [] */
        receivers: z.array(z.string().min(1)).default([]),
      }),
    )
    .default([]),
});

/** One trace rule as written in the file: a regular expression over the whole trace, its verdict and why. */
const TraceRuleFile = z.strictObject({
  match: z.string().refine((text) => {
    try {
      new RegExp(text, "i");
      return true;
    } catch {
      return false;
    }
  }, "a regular expression (JavaScript syntax)"),
  verdict: z.enum(["transient", "persistent"]),
  why: z.string().min(1),
});

/**
 * Work the bot does by itself (README, "Work that runs by itself"): auto-restart per connector pattern, the trace
 * rules that decide it, log levels that revert, bulk actions and maintenance windows. Auto-restart is off until it
 * is configured; the rest have defaults.
 */
const AutomationFile = z.strictObject({
  /** Where the stories of log level changes, bulk actions and windows are told; without it, the alerts channel. */
  channel: z.string().regex(slackChannelId, "a Slack channel id such as C0123ABCD").optional(),
  /** Auto-restart, opted in per connector pattern: the first entry whose globs match applies. */
  autoRestart: z
    .array(
      z.strictObject({
        cluster: z.string().min(1).default("*"),
        connector: z.string().min(1),
        /** Restarts tried before the bot gives up and leaves the failure to a human. @defaultValue 3 */
        attempts: z.number().int().min(1).max(20).default(3),
        backoff: z
          .strictObject({
            /** The wait before the first restart. @defaultValue 30s */
            first: duration("backoff.first", 1_000).default(30_000),
            /** Each next wait is the last one times this. @defaultValue 2 */
            factor: z.number().min(1).max(10).default(2),
            /** No wait is longer than this. @defaultValue 10m */
            cap: duration("backoff.cap", 1_000).default(10 * 60_000),
          })
          .default({ first: 30_000, factor: 2, cap: 10 * 60_000 }),
        /**
         * Healthy this long after a restart resets the count; failing again sooner counts as a failed attempt.
         * @defaultValue 10m
         */
        healthyFor: duration("healthyFor", 1_000).default(10 * 60_000),
      }),
    )
    .default([]),
  /** Trace rules checked before the built-in table (src/automation/trace-classes.ts), first match wins. */
  traceRules: z.array(TraceRuleFile).default([]),
  loggers: z
    .strictObject({
      /** The longest `--for` a log level may be changed for; DEBUG and TRACE always need one. @defaultValue 4h */
      maxFor: duration("loggers.maxFor", 60_000).default(4 * 3_600_000),
    })
    .default({ maxFor: 4 * 3_600_000 }),
  bulk: z
    .strictObject({
      /** A bulk action on more connectors than this is one approval request. @defaultValue 10 */
      approvalAbove: z.number().int().min(1).default(10),
      /** Connect calls a bulk action has in flight at once. @defaultValue 4 */
      concurrency: z.number().int().min(1).max(32).default(4),
      /** How long a preview's Confirm button (or `--confirm`) stays good. @defaultValue 15m */
      previewFor: duration("bulk.previewFor", 60_000).default(15 * 60_000),
    })
    .default({ approvalAbove: 10, concurrency: 4, previewFor: 15 * 60_000 }),
  windows: z
    .strictObject({
      /** The longest maintenance window (`--until` minus `--from`). @defaultValue 12h */
      maxLength: duration("windows.maxLength", 60_000).default(12 * 3_600_000),
      /** How far ahead a window may start. @defaultValue 7d */
      maxAhead: duration("windows.maxAhead", 60_000).default(7 * 86_400_000),
    })
    .default({ maxLength: 12 * 3_600_000, maxAhead: 7 * 86_400_000 }),
});

/** The `automation` section, parsed (durations in ms); see the file's schema for each setting's default. */
export type AutomationConfig = z.infer<typeof AutomationFile>;

/** The roles an agent may hold: it reads (viewer) or also proposes (operator); it never approves. */
export const agentRoles = ["viewer", "operator"] as const;

/** An AI agent that reaches the bot over MCP (src/mcp/): who it is, how it proves it, what it may do. */
const AgentFile = z.strictObject({
  /** Lower-case letters, digits and '-': audited as `agent:<name>`. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "lower-case letters, digits and '-' (at most 40)"),
  /** The environment variable holding its bearer token (at least 32 characters). */
  tokenEnv: envName,
  /** The person it acts for, as people know them: shown with everything it proposes. */
  forPerson: z.string().min(1).max(80).optional(),
  /**
   * Its grants, as people's: a role on a cluster, on the whole cluster or (with `connectors`) only on the connectors
   * matching one of the patterns. On a cluster no grant names it has none.
   */
  roles: z
    .array(
      z.strictObject({
        cluster: z.string(),
        role: z.enum(agentRoles),
        connectors: z
          .array(z.string().min(1).max(249, "a pattern is at most 249 characters"))
          .min(1, "name at least one connector pattern, or leave `connectors` out for the whole cluster")
          .optional(),
      }),
    )
    .default([]),
  limits: z
    .strictObject({
      /** Tool calls in any minute; more are refused until the minute has passed. @defaultValue 60 */
      callsPerMinute: z.number().int().min(1).max(10_000).default(60),
      /** Its requests waiting or running at once; more proposals are refused until one ends. @defaultValue 3 */
      openProposals: z.number().int().min(1).max(100).default(3),
    })
    .default({ callsPerMinute: 60, openProposals: 3 }),
});

/**
 * What `/metrics` shows per connector (README, "Metrics"): connectors whose name matches `include`, at most `max`
 * of them over all clusters (the failing and most lagging first), so the series count stays bounded.
 */
const MetricsFile = z.strictObject({
  connectors: z
    .strictObject({
      /** A glob over connector names; `""` turns per-connector series off. @defaultValue * */
      include: z.string().default("*"),
      /** Connectors shown at most, over all clusters. @defaultValue 2000 */
      max: z.number().int().min(0).max(100_000).default(2_000),
    })
    .default({ include: "*", max: 2_000 }),
});

/** The `metrics` section, parsed; see the file's schema for each setting's default. */
export type MetricsConfig = z.infer<typeof MetricsFile>;

const ConfigFile = z.strictObject({
  /** AI agents that may read and propose over MCP (HTTP, with a bearer token). */
  agents: z
    .array(AgentFile)
    .default([])
    .refine((agents) => new Set(agents.map((agent) => agent.name)).size === agents.length, {
      message: "agent names must be unique",
    }),
  alerts: AlertsFile.optional(),
  metrics: MetricsFile.default(MetricsFile.parse({})),
  automation: AutomationFile.default(AutomationFile.parse({})),
  /** A channel's default cluster, by channel id. */
  channels: z
    .record(z.string().regex(slackChannelId, "a Slack channel id such as C0123ABCD"), z.string())
    .default({}),
  unknownUsersAreViewers: z.boolean().optional(),
  auditChannel: z.string().regex(slackChannelId, "a Slack channel id such as C0123ABCD").optional(),
  approvalsChannel: z.string().regex(slackChannelId, "a Slack channel id such as C0123ABCD").optional(),
  /** How long a request waits for approvers, as a duration (`30m`). */
  approvalExpiry: z.string().optional(),
  /** An approved request no bot process starts within this fails as stale instead of running late (`5m`). */
  approvalStartWithin: z.string().optional(),
  /** How long an approved change waits out Connect's 409 (a rebalance) on each call before it fails (`5m`). */
  approvalRebalanceWait: z.string().optional(),
  clusters: z
    .array(ClusterFile)
    .min(1, "configure at least one cluster")
    .refine((clusters) => new Set(clusters.map((cluster) => cluster.name)).size === clusters.length, {
      message: "cluster names must be unique",
    })
    .refine((clusters) => clusters.filter((cluster) => cluster.default).length <= 1, {
      message: "at most one cluster may be the default",
    }),
});

/**
 * Every field path the config file accepts (`clusters.kafka.sasl.tokenFile`; arrays add no segment, a record of
 * settings adds `*`, one of plain values ends the path): config.example.yaml must show each, and a test keeps them in step.
 */
export const configFileFields: readonly string[] = fieldPaths(ConfigFile, "");

function fieldPaths(schema: z.core.$ZodType, path: string): string[] {
  const def = schema._zod.def;
  if (def.type === "object") {
    return Object.entries((def as z.core.$ZodObjectDef).shape).flatMap(([key, inner]) =>
      fieldPaths(inner, path === "" ? key : `${path}.${key}`),
    );
  }
  if (def.type === "optional" || def.type === "default" || def.type === "nullable") {
    return fieldPaths((def as z.core.$ZodOptionalDef).innerType, path);
  }
  if (def.type === "array") return fieldPaths((def as z.core.$ZodArrayDef).element, path);
  if (def.type === "union") {
    return [...new Set((def as z.core.$ZodUnionDef).options.flatMap((option) => fieldPaths(option, path)))];
  }
  if (def.type === "record") {
    // A record of settings (`alerts.receivers.<name>.url`) shows its fields under `*`; one of plain values ends here.
    const inner = fieldPaths((def as z.core.$ZodRecordDef).valueType, `${path}.*`);
    return inner.length === 1 && inner[0] === `${path}.*` ? [path] : inner;
  }
  if (def.type === "pipe") return fieldPaths((def as z.core.$ZodPipeDef).in, path);
  return [path];
}

export interface ClusterConfig {
  readonly name: string;
  readonly isDefault: boolean;
  readonly connect: {
    readonly url: string;
    readonly username?: string;
    readonly password?: string;
    /** Sent as `Authorization: Bearer …` instead of basic auth. */
    readonly token?: string;
    /** PEM text of the CA that signed the Connect worker's certificate. */
    readonly caCertificate?: string;
    /** PEM text of the client certificate and key the worker asks for (mTLS). */
    readonly certificate?: string;
    readonly key?: string;
    readonly timeoutMs: number;
  };
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly security?: KafkaSecurity;
    /** What the worker's properties say its sink consumers do, where a connector does not override it. */
    readonly workerConsumer: WorkerConsumerDefaults;
  };
  readonly roles: RoleGrants;
  readonly approvals: ApprovalPolicy;
}

/** One grant of an agent: its role on a cluster, there or only on the connectors matching `connectors`. */
export interface AgentGrant {
  readonly cluster: string;
  readonly role: (typeof agentRoles)[number];
  readonly connectors?: readonly string[];
}

/** An agent as the MCP adapter uses it: its token read from its variable. */
export interface AgentConfig {
  readonly name: string;
  readonly token: string;
  readonly forPerson?: string;
  readonly roles: readonly AgentGrant[];
  readonly limits: { readonly callsPerMinute: number; readonly openProposals: number };
}

export interface SlackConfig {
  readonly botToken?: string;
  readonly signingSecret?: string;
  readonly appToken?: string;
  readonly apiUrl?: string;
}

export interface Config {
  readonly clusters: readonly ClusterConfig[];
  /** AI agents allowed in over MCP's HTTP transport; empty: /mcp answers 401 to everyone. */
  readonly agents: readonly AgentConfig[];
  /** Channel id → the cluster commands in that channel use when none is named. */
  readonly channelClusters: Readonly<Record<string, string>>;
  readonly unknownUsersAreViewers: boolean;
  readonly auditChannel?: string;
  /** Where approval requests are posted; without it, in the channel where they were asked. */
  readonly approvalsChannel?: string;
  readonly approvalExpiryMs: number;
  /** An approved request that no bot process starts within this fails as stale; it never runs late. */
  readonly approvalStartWithinMs: number;
  /** How long each Connect call of an approved change waits out a 409 (a rebalance). @defaultValue 5 minutes */
  readonly approvalRebalanceWaitMs: number;
  readonly alerts: AlertsConfig;
  readonly automation: AutomationConfig;
  readonly metrics: MetricsConfig;
  readonly redis: RedisConfig;
  readonly logLevel: z.infer<typeof Environment>["LOG_LEVEL"];
  /** The library every cluster's lag reader reads Kafka with (README, "Kafka client"). */
  readonly kafkaClient: KafkaClientName;
  readonly port: number;
  readonly slack: SlackConfig;
  /** Keys that seal the secret settings of saved configs; the first seals, all open. Empty: none kept. */
  readonly snapshotKeys: readonly SealingKey[];
}

/**
 * Where Redis is: one server (`redis://` or `rediss://` for TLS, user and password in the URL), or a primary found
 * through Redis Sentinel, where the URL still gives the scheme, user, password and database but not the host.
 */
export interface RedisConfig {
  readonly url: string;
  /** PEM text of the CA that signed the Redis (and sentinels') certificate, for `rediss://`. */
  readonly ca?: string;
  readonly sentinel?: {
    readonly sentinels: readonly { readonly host: string; readonly port: number }[];
    /** The name the sentinels monitor the primary under (`sentinel monitor <name> …`). */
    readonly masterName: string;
    readonly password?: string;
  };
}

/** One line of the routing table: globs over cluster, connector and rule; where matching alerts go. */
export interface AlertRoute {
  readonly cluster: string;
  readonly connector: string;
  readonly rule: string;
  readonly channel?: string | undefined;
  readonly receivers: readonly string[];
}

/** How a receiver's failed sends are retried: `attempts` in all, the first wait `backoffMs`, doubling. */
interface ReceiverRetryConfig {
  readonly name: string;
  readonly attempts: number;
  readonly backoffMs: number;
}

/** A receiver beyond Slack, its secret read from the environment (README, "Alert receivers"). */
export type ReceiverConfig = ReceiverRetryConfig &
  (
    | { readonly type: "alertmanager"; readonly url: string }
    | {
        readonly type: "pagerduty";
        readonly url: string;
        readonly routingKey: string;
        /** ms an alert stays resolved before PagerDuty is told (a flap within it keeps the one incident). */
        readonly resolveAfterMs: number;
      }
    | { readonly type: "webhook"; readonly url: string; readonly secret: string }
  );

export interface AlertsConfig {
  readonly channel?: string;
  readonly pollIntervalMs: number;
  readonly repeatIntervalMs: number;
  /** See the file's `alerts.summariseAbove`: a rule's new alerts in one poll beyond this are one summary message. */
  readonly summariseAbove: number;
  /** See the file's `alerts.flapWindow` (ms): an alert back within this after resolving is the same one, flapping. */
  readonly flapWindowMs: number;
  readonly thresholds: AlertThresholds;
  readonly overrides: readonly ThresholdOverride[];
  readonly routes: readonly AlertRoute[];
  readonly receivers: readonly ReceiverConfig[];
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

type ReadText = (path: string) => string;
const readText: ReadText = (path) => readFileSync(path, "utf8");

/** Reads the environment (and `CONFIG_FILE` when set) once, at start, and fails with what to fix. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, read: ReadText = readText): Config {
  const parsed = Environment.safeParse(withoutEmptyValues(env));
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid environment:\n${z.prettifyError(parsed.error)}\nSee .env.example for every variable and its format.`,
    );
  }
  const vars = parsed.data;
  const file = vars.CONFIG_FILE === undefined ? undefined : readConfigFile(vars.CONFIG_FILE, read);
  const replaced = replacedByFile.filter((name) => withoutEmptyValues(env)[name] !== undefined);
  if (file !== undefined && replaced.length > 0) {
    throw new ConfigError(
      `CONFIG_FILE is set, so ${replaced.join(", ")} would be ignored: the file sets clusters, their roles and approval policies. Move ${replaced.length === 1 ? "it" : "them"} into the file, or unset ${replaced.length === 1 ? "it" : "them"}.`,
    );
  }
  const auditChannel = file?.auditChannel ?? vars.AUDIT_CHANNEL;
  const approvalsChannel = file?.approvalsChannel ?? vars.APPROVALS_CHANNEL;
  return {
    clusters: file === undefined ? [singleCluster(vars, read)] : clustersFromFile(file, env, read),
    agents: file === undefined ? [] : agentsFromFile(file, env),
    ...(approvalsChannel === undefined ? {} : { approvalsChannel }),
    approvalExpiryMs: approvalExpiry(file?.approvalExpiry ?? vars.APPROVAL_EXPIRY),
    approvalStartWithinMs: approvalStartWithin(file?.approvalStartWithin ?? vars.APPROVAL_START_WITHIN),
    approvalRebalanceWaitMs: approvalRebalanceWait(
      file?.approvalRebalanceWait ?? vars.APPROVAL_REBALANCE_WAIT,
    ),
    alerts: alertsConfig(file?.alerts, vars, env),
    automation: file?.automation ?? AutomationFile.parse({}),
    metrics: file?.metrics ?? MetricsFile.parse({}),
    channelClusters: file?.channels ?? {},
    unknownUsersAreViewers: file?.unknownUsersAreViewers ?? vars.UNKNOWN_USERS_ARE_VIEWERS,
    ...(auditChannel === undefined ? {} : { auditChannel }),
    redis: redisConfig(vars, read),
    logLevel: vars.LOG_LEVEL,
    kafkaClient: vars.KAFKA_CLIENT,
    port: vars.PORT,
    snapshotKeys: vars.SNAPSHOT_KEYS ?? [],
    slack: definedOnly({
      botToken: vars.SLACK_BOT_TOKEN,
      signingSecret: vars.SLACK_SIGNING_SECRET,
      appToken: vars.SLACK_APP_TOKEN,
      apiUrl: vars.SLACK_API_URL,
    }),
  };
}

/** The shortcut for one cluster: CONNECT_URL and KAFKA_BROKERS, defaulting to a worker and broker on this host. */
function singleCluster(vars: z.infer<typeof Environment>, read: ReadText): ClusterConfig {
  const brokers = brokerList.safeParse(
    (vars.KAFKA_BROKERS ?? "localhost:9092").split(",").map((b) => b.trim()),
  );
  if (!brokers.success) {
    throw new ConfigError(
      `Invalid KAFKA_BROKERS:\n${z.prettifyError(brokers.error)}\nUse a comma-separated list such as "kafka-1:9092,kafka-2:9092".`,
    );
  }
  return {
    name: "default",
    isDefault: true,
    connect: connectAccess(
      "CONNECT_",
      {
        url: vars.CONNECT_URL ?? "http://localhost:8083",
        username: vars.CONNECT_USERNAME,
        password: vars.CONNECT_PASSWORD,
        token: vars.CONNECT_TOKEN,
        caFile: vars.CONNECT_CA_FILE,
        certFile: vars.CONNECT_CERT_FILE,
        keyFile: vars.CONNECT_KEY_FILE,
        timeoutMs: 7_000,
      },
      read,
    ),
    kafka: definedOnly({
      brokers: brokers.data,
      security: kafkaSecurity(
        "KAFKA_",
        {
          protocol: vars.KAFKA_SECURITY_PROTOCOL ?? "PLAINTEXT",
          mechanism: vars.KAFKA_SASL_MECHANISM,
          username: vars.KAFKA_SASL_USERNAME,
          password: vars.KAFKA_SASL_PASSWORD,
          tokenFile: vars.KAFKA_OAUTH_TOKEN_FILE,
          tokenCommand: vars.KAFKA_OAUTH_TOKEN_COMMAND,
          caFile: vars.KAFKA_CA_FILE,
          certFile: vars.KAFKA_CERT_FILE,
          keyFile: vars.KAFKA_KEY_FILE,
        },
        read,
      ),
      workerConsumer: definedOnly({
        autoOffsetReset: vars.KAFKA_WORKER_AUTO_OFFSET_RESET,
        isolationLevel: vars.KAFKA_WORKER_ISOLATION_LEVEL,
      }),
    }),
    roles: rolesFromEnvironment(vars),
    approvals: policyFromEnvironment(vars),
  };
}

/** APPROVALS_REQUIRED: "none", or the commands that wait (`stop,delete`); unset: every destructive command. */
function policyFromEnvironment(vars: z.infer<typeof Environment>): ApprovalPolicy {
  const text = vars.APPROVALS_REQUIRED?.trim();
  const names =
    text === undefined
      ? [...destructiveCommands]
      : text === "none"
        ? []
        : text.split(",").map((name) => name.trim().replace(/\s+/g, " "));
  const known = new Set<string>(destructiveCommands);
  const wrong = names.find((name) => !known.has(name));
  if (wrong !== undefined) {
    throw new ConfigError(
      `Invalid APPROVALS_REQUIRED: "${wrong}" is not a destructive command. Use "none" or a comma-separated list of: ${destructiveCommands.join(", ")}.`,
    );
  }
  return { required: new Set(names), approvers: vars.APPROVERS_NEEDED };
}

function alertsConfig(
  file: z.infer<typeof AlertsFile> | undefined,
  vars: z.infer<typeof Environment>,
  env: NodeJS.ProcessEnv,
): AlertsConfig {
  const interval =
    vars.ALERT_POLL_INTERVAL === undefined ? undefined : parseDuration(vars.ALERT_POLL_INTERVAL);
  if (vars.ALERT_POLL_INTERVAL !== undefined && (interval === undefined || interval < 1_000)) {
    throw new ConfigError(
      `Invalid ALERT_POLL_INTERVAL "${vars.ALERT_POLL_INTERVAL}": use a duration such as 30s or 1m.`,
    );
  }
  const channel = file?.channel ?? vars.ALERTS_CHANNEL;
  const config = {
    ...(channel === undefined ? {} : { channel }),
    pollIntervalMs: file?.pollInterval ?? interval ?? 30_000,
    repeatIntervalMs: file?.repeatInterval ?? 4 * 3_600_000,
    // Without an `alerts` section, the schema's defaults: they live there once.
    summariseAbove: (file ?? AlertsFile.parse({})).summariseAbove,
    flapWindowMs: (file ?? AlertsFile.parse({})).flapWindow,
    thresholds: { ...defaultThresholds, ...thresholdsOf(file?.thresholds ?? {}) },
    overrides: (file?.overrides ?? []).map(({ connector, ...thresholds }) => ({
      pattern: connector,
      thresholds: thresholdsOf(thresholds),
    })),
    routes: file?.routes ?? [],
    receivers: receiversOf(file, env),
  };
  const samples = Math.ceil(longestAlertWindowMs(config) / config.pollIntervalMs);
  if (samples > maxAlertSamples) {
    throw new ConfigError(
      `Invalid alerts: the longest window needs ${samples} polls of ${config.pollIntervalMs / 1000} s, and the bot keeps ${maxAlertSamples} samples per connector. Shorten the window or poll less often.`,
    );
  }
  return config;
}

/**
 * The receivers with their secrets from the environment. @throws ConfigError naming the route that names an
 * unknown receiver, or the receiver whose variable is not set.
 */
function receiversOf(file: z.infer<typeof AlertsFile> | undefined, env: NodeJS.ProcessEnv): ReceiverConfig[] {
  const declared = file?.receivers ?? {};
  (file?.routes ?? []).forEach((route, i) => {
    const unknown = route.receivers.find((name) => declared[name] === undefined);
    if (unknown !== undefined) {
      throw new ConfigError(
        `alerts.routes[${i}] names the receiver "${unknown}", which alerts.receivers does not declare (declared: ${Object.keys(declared).join(", ") || "none"}).`,
      );
    }
  });
  const secret = (name: string, field: string, variable: string): string => {
    const value = env[variable];
    if (value === undefined || value === "") {
      throw new ConfigError(
        `alerts.receivers.${name}: ${field} names ${variable}, but that variable is not set.`,
      );
    }
    return value;
  };
  return Object.entries(declared).map(([name, receiver]): ReceiverConfig => {
    const retry = { name, attempts: receiver.attempts, backoffMs: receiver.backoff };
    if (receiver.type === "alertmanager") return { ...retry, type: receiver.type, url: receiver.url };
    if (receiver.type === "pagerduty") {
      return {
        ...retry,
        type: receiver.type,
        url: receiver.url,
        routingKey: secret(name, "routingKeyEnv", receiver.routingKeyEnv),
        resolveAfterMs: receiver.resolveAfter ?? (file ?? AlertsFile.parse({})).flapWindow,
      };
    }
    return {
      ...retry,
      type: receiver.type,
      url: receiver.url,
      secret: secret(name, "secretEnv", receiver.secretEnv),
    };
  });
}

function thresholdsOf(file: z.infer<typeof ThresholdsFile>): Partial<AlertThresholds> {
  const { sustain, stalled, fallingBehind, paused, unassigned, ...counts } = file;
  return definedOnly({
    ...counts,
    sustainMs: sustain,
    stalledMs: stalled,
    fallingBehindMs: fallingBehind,
    pausedMs: paused,
    unassignedMs: unassigned,
  });
}

function approvalExpiry(text: string | undefined): number {
  if (text === undefined) return 30 * 60_000;
  const ms = parseDuration(text);
  if (ms === undefined || ms < 60_000) {
    throw new ConfigError(
      `Invalid approval expiry "${text}": use a duration of at least a minute, such as 30m or 2h.`,
    );
  }
  return ms;
}

function approvalStartWithin(text: string | undefined): number {
  if (text === undefined) return 5 * 60_000;
  const ms = parseDuration(text);
  if (ms === undefined || ms < 10_000) {
    throw new ConfigError(
      `Invalid approval start bound "${text}": use a duration of at least 10 s, such as 5m (how long an approved request may wait for a bot process to start it).`,
    );
  }
  return ms;
}

/** Connect's default `scheduled.rebalance.max.delay.ms` is 5 min: a dead worker's connectors wait that long. */
function approvalRebalanceWait(text: string | undefined): number {
  if (text === undefined) return 5 * 60_000;
  const ms = parseDuration(text);
  if (ms === undefined || ms < 1_000) {
    throw new ConfigError(
      `Invalid rebalance wait "${text}": use a duration of at least 1 s, such as 5m (how long an approved change waits out Connect's 409 while its group rebalances; match the workers' scheduled.rebalance.max.delay.ms).`,
    );
  }
  return ms;
}

function rolesFromEnvironment(vars: z.infer<typeof Environment>): RoleGrants {
  const variables = {
    viewer: "ROLE_VIEWERS",
    operator: "ROLE_OPERATORS",
    approver: "ROLE_APPROVERS",
    admin: "ROLE_ADMINS",
  } as const;
  const grants = { viewer: [], operator: [], approver: [], admin: [] } as Record<
    (typeof roles)[number],
    RoleGrant[]
  >;
  for (const role of roles) {
    const ids = (vars[variables[role]] ?? "")
      .split(",")
      .map((id) => id.trim())
      .filter(Boolean);
    const wrong = ids.find((id) => !slackPrincipal.safeParse(id).success);
    if (wrong !== undefined) {
      throw new ConfigError(
        `Invalid ${variables[role]}: "${wrong}" is not a Slack user id (U…, W…) or user-group id (S…). List ids, comma-separated.`,
      );
    }
    grants[role] = ids.length === 0 ? [] : [{ principals: ids }];
  }
  return grants;
}

function readConfigFile(path: string, read: ReadText): z.infer<typeof ConfigFile> {
  let document: unknown;
  try {
    document = parseYaml(read(path));
  } catch (error) {
    throw new ConfigError(`Cannot read CONFIG_FILE ${path}: ${(error as Error).message}`);
  }
  const parsed = ConfigFile.safeParse(document);
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid CONFIG_FILE ${path}:\n${z.prettifyError(parsed.error)}\n` +
        "Passwords never go in this file: set connect.passwordEnv to the name of a variable that holds one.",
    );
  }
  const names = new Set(parsed.data.clusters.map((cluster) => cluster.name));
  for (const [channel, cluster] of Object.entries(parsed.data.channels)) {
    if (!names.has(cluster))
      throw new ConfigError(
        `Invalid CONFIG_FILE ${path}: channels.${channel} names an unknown cluster "${cluster}".`,
      );
  }
  return parsed.data;
}

function clustersFromFile(
  file: z.infer<typeof ConfigFile>,
  env: NodeJS.ProcessEnv,
  read: ReadText,
): ClusterConfig[] {
  const clusters = file.clusters;
  const defaultName =
    clusters.find((cluster) => cluster.default)?.name ??
    (clusters.length === 1 ? clusters[0]?.name : undefined);
  return clusters.map((cluster) => {
    const secret = (field: string, name: string | undefined): string | undefined => {
      const value = name === undefined ? undefined : env[name];
      if (name !== undefined && (value === undefined || value === "")) {
        throw new ConfigError(
          `Cluster "${cluster.name}": ${field} names ${name}, but that variable is not set.`,
        );
      }
      return value;
    };
    const { passwordEnv, tokenEnv, ...connect } = cluster.connect;
    const where = `Cluster "${cluster.name}": `;
    const { brokers, securityProtocol, sasl, tls, workerConsumer } = cluster.kafka;
    return {
      name: cluster.name,
      isDefault: cluster.name === defaultName,
      connect: connectAccess(
        `${where}connect.`,
        {
          ...connect,
          password: secret("connect.passwordEnv", passwordEnv),
          token: secret("connect.tokenEnv", tokenEnv),
        },
        read,
      ),
      kafka: definedOnly({
        brokers,
        security: kafkaSecurity(
          `${where}kafka.`,
          {
            protocol: securityProtocol,
            mechanism: sasl?.mechanism,
            username: sasl?.username,
            password: secret("kafka.sasl.passwordEnv", sasl?.passwordEnv),
            tokenFile: sasl?.tokenFile,
            tokenCommand: sasl?.tokenCommand,
            caFile: tls?.caFile,
            certFile: tls?.certFile,
            keyFile: tls?.keyFile,
          },
          read,
        ),
        workerConsumer: definedOnly(workerConsumer),
      }),
      roles: cluster.roles,
      approvals: policyFromFile(cluster.approvals),
    };
  });
}

/** Each agent with its token, checked at start: a missing or short token, or an unknown cluster, stops the bot. */
function agentsFromFile(file: z.infer<typeof ConfigFile>, env: NodeJS.ProcessEnv): AgentConfig[] {
  const clusterNames = new Set(file.clusters.map((cluster) => cluster.name));
  const tokens = new Set<string>();
  return file.agents.map((agent) => {
    const where = `Agent "${agent.name}": `;
    const token = env[agent.tokenEnv];
    if (token === undefined || token === "")
      throw new ConfigError(`${where}tokenEnv names ${agent.tokenEnv}, but that variable is not set.`);
    if (token.length < 32)
      throw new ConfigError(
        `${where}the token in ${agent.tokenEnv} has ${token.length} characters; use at least 32 random ones (openssl rand -hex 32).`,
      );
    if (tokens.has(token)) throw new ConfigError(`${where}its token is another agent's; give each its own.`);
    tokens.add(token);
    const unknown = agent.roles.map((grant) => grant.cluster).find((name) => !clusterNames.has(name));
    if (unknown !== undefined)
      throw new ConfigError(
        `${where}roles names cluster "${unknown}", which is not configured (${[...clusterNames].join(", ")}).`,
      );
    const { tokenEnv, forPerson, roles, ...rest } = agent;
    return {
      ...rest,
      token,
      roles: roles.map((grant) => definedOnly(grant)),
      ...(forPerson === undefined ? {} : { forPerson }),
    };
  });
}

/** A cluster's `approvals:` as the approvals read it (every destructive command, one approver, when absent). */
function policyFromFile(approvals: z.infer<typeof ClusterFile>["approvals"]): ApprovalPolicy {
  if (approvals === undefined) return { required: new Set(destructiveCommands), approvers: 1 };
  const { required, approvers, autoApprove, remindAfter, escalateAfter, escalateTo } = approvals;
  return {
    required: new Set(required),
    approvers,
    autoApprove: autoApprove.map((rule) => definedOnly(rule)),
    ...(remindAfter === undefined ? {} : { remindAfterMs: remindAfter }),
    ...(escalateAfter === undefined || escalateTo === undefined
      ? {}
      : { escalateAfterMs: escalateAfter, escalateTo }),
  };
}

/** Reads a PEM file (a CA, a certificate or a key) at start, so a wrong path stops the bot with its name. */
function readPem(what: string, path: string, read: ReadText): string {
  try {
    return read(path);
  } catch (error) {
    throw new ConfigError(
      `Cannot read the ${what} file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
}

/** A client certificate goes with its key: one without the other is a mistake in the config. */
function clientCertificate(
  prefix: string,
  names: { readonly cert: string; readonly key: string },
  files: { readonly certFile?: string | undefined; readonly keyFile?: string | undefined },
  read: ReadText,
): { certificate?: string; key?: string } {
  if ((files.certFile === undefined) !== (files.keyFile === undefined)) {
    throw new ConfigError(
      `${prefix}${names.cert} and ${prefix}${names.key} go together: a client certificate needs its key.`,
    );
  }
  if (files.certFile === undefined || files.keyFile === undefined) return {};
  return {
    certificate: readPem("client certificate", files.certFile, read),
    key: readPem("client key", files.keyFile, read),
  };
}

/** The Connect REST API's address and credentials: basic auth or a bearer token, TLS with an optional client certificate. */
function connectAccess(
  prefix: string,
  access: {
    readonly url: string;
    readonly username?: string | undefined;
    readonly password?: string | undefined;
    readonly token?: string | undefined;
    readonly caFile?: string | undefined;
    readonly certFile?: string | undefined;
    readonly keyFile?: string | undefined;
    readonly timeoutMs: number;
  },
  read: ReadText,
): ClusterConfig["connect"] {
  const env = prefix === "CONNECT_";
  const name = (variable: string, field: string) => (env ? variable : field);
  if (access.token !== undefined && access.username !== undefined) {
    throw new ConfigError(
      `${prefix}${name("TOKEN", "tokenEnv")} and ${prefix}${name("USERNAME", "username")} are both set: use a bearer token or basic auth, not both.`,
    );
  }
  return definedOnly({
    url: access.url,
    username: access.username,
    password: access.password,
    token: access.token,
    caCertificate: access.caFile === undefined ? undefined : readPem("CA", access.caFile, read),
    ...clientCertificate(
      prefix,
      { cert: name("CERT_FILE", "certFile"), key: name("KEY_FILE", "keyFile") },
      access,
      read,
    ),
    timeoutMs: access.timeoutMs,
  });
}

/**
 * Kafka's security settings, checked together: SASL only with a SASL protocol and always with one, a user and
 * password for PLAIN and SCRAM, exactly one token source for OAUTHBEARER, TLS files only with an SSL protocol.
 * `prefix` is how the user wrote them (`KAFKA_…` variables or `Cluster "x": kafka.…` in the file).
 */
function kafkaSecurity(
  prefix: string,
  settings: {
    readonly protocol: SecurityProtocol;
    readonly mechanism: SaslMechanism | undefined;
    readonly username: string | undefined;
    readonly password: string | undefined;
    readonly tokenFile: string | undefined;
    readonly tokenCommand: string | undefined;
    readonly caFile: string | undefined;
    readonly certFile: string | undefined;
    readonly keyFile: string | undefined;
  },
  read: ReadText,
): KafkaSecurity | undefined {
  const env = prefix === "KAFKA_";
  const name = (variable: string, field: string) => `${prefix}${env ? variable : field}`;
  const { protocol, mechanism } = settings;
  const usesSasl = protocol === "SASL_PLAINTEXT" || protocol === "SASL_SSL";
  const usesTls = protocol === "SSL" || protocol === "SASL_SSL";
  const protocolName = name("SECURITY_PROTOCOL", "securityProtocol");
  const mechanismName = name("SASL_MECHANISM", "sasl.mechanism");
  if (usesSasl && mechanism === undefined) {
    throw new ConfigError(`${protocolName} is ${protocol}: set ${mechanismName} too.`);
  }
  if (!usesSasl && mechanism !== undefined) {
    throw new ConfigError(
      `${mechanismName} is set but ${protocolName} is ${protocol}: use SASL_SSL (or SASL_PLAINTEXT) for SASL.`,
    );
  }
  const tlsFiles = [settings.caFile, settings.certFile, settings.keyFile].some((file) => file !== undefined);
  if (!usesTls && tlsFiles) {
    throw new ConfigError(
      `TLS files are set but ${protocolName} is ${protocol}: use SSL or SASL_SSL to connect with TLS.`,
    );
  }
  if (protocol === "PLAINTEXT") return undefined;
  const tls = usesTls
    ? definedOnly({
        caFile: settings.caFile,
        ca: settings.caFile === undefined ? undefined : readPem("CA", settings.caFile, read),
        ...clientCertificate(
          prefix,
          { cert: env ? "CERT_FILE" : "tls.certFile", key: env ? "KEY_FILE" : "tls.keyFile" },
          settings,
          read,
        ),
      })
    : undefined;
  return definedOnly({
    protocol,
    sasl: usesSasl && mechanism !== undefined ? sasl(mechanism, name, settings) : undefined,
    tls,
  });
}

function sasl(
  mechanism: SaslMechanism,
  name: (variable: string, field: string) => string,
  settings: Parameters<typeof kafkaSecurity>[1],
): KafkaSasl {
  if (mechanism === "OAUTHBEARER") {
    const { tokenFile, tokenCommand } = settings;
    if (tokenFile !== undefined && tokenCommand === undefined)
      return { mechanism, token: { file: tokenFile } };
    if (tokenCommand !== undefined && tokenFile === undefined)
      return { mechanism, token: { command: tokenCommand } };
    throw new ConfigError(
      `OAUTHBEARER needs exactly one of ${name("OAUTH_TOKEN_FILE", "sasl.tokenFile")} and ${name("OAUTH_TOKEN_COMMAND", "sasl.tokenCommand")}.`,
    );
  }
  if (settings.username === undefined || settings.password === undefined) {
    throw new ConfigError(
      `${mechanism} needs ${name("SASL_USERNAME", "sasl.username")} and ${name("SASL_PASSWORD", "sasl.passwordEnv")}.`,
    );
  }
  return { mechanism, username: settings.username, password: settings.password };
}

/** REDIS_URL alone, or with REDIS_SENTINELS and REDIS_MASTER_NAME for a primary that Sentinel fails over. */
function redisConfig(vars: z.infer<typeof Environment>, read: ReadText): RedisConfig {
  const tls = vars.REDIS_URL.startsWith("rediss:");
  if (vars.REDIS_CA_FILE !== undefined && !tls) {
    throw new ConfigError("REDIS_CA_FILE is set but REDIS_URL is not rediss://: use rediss:// for TLS.");
  }
  if ((vars.REDIS_SENTINELS === undefined) !== (vars.REDIS_MASTER_NAME === undefined)) {
    throw new ConfigError(
      "REDIS_SENTINELS and REDIS_MASTER_NAME go together: the sentinels, and the name they monitor the primary under.",
    );
  }
  const sentinels = (vars.REDIS_SENTINELS ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^([^\s:]+):(\d+)$/.exec(entry);
      if (match === null) {
        throw new ConfigError(
          `Invalid REDIS_SENTINELS: "${entry}" is not host:port. Use a comma-separated list such as "s1:26379,s2:26379".`,
        );
      }
      return { host: match[1] ?? "", port: Number(match[2]) };
    });
  return definedOnly({
    url: vars.REDIS_URL,
    ca: vars.REDIS_CA_FILE === undefined ? undefined : readPem("CA", vars.REDIS_CA_FILE, read),
    sentinel:
      vars.REDIS_MASTER_NAME === undefined
        ? undefined
        : definedOnly({
            sentinels,
            masterName: vars.REDIS_MASTER_NAME,
            password: vars.REDIS_SENTINEL_PASSWORD,
          }),
  });
}

/** An empty variable (`FOO=` in a .env file) means "not set", as it does for most tools. */
function withoutEmptyValues(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== "",
    ),
  );
}

type DefinedOnly<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Drops undefined values, so optional properties are absent rather than undefined (exactOptionalPropertyTypes). */
function definedOnly<T extends object>(value: T): DefinedOnly<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as DefinedOnly<T>;
}
