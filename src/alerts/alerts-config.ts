import { z } from "zod";
import {
  ConfigError,
  definedOnly,
  duration,
  envName,
  fromVariable,
  type SectionContext,
  slackChannel,
} from "../core/config-schema.js";
import { longestAlertWindowMs, maxAlertSamples } from "./alert-rules.js";
import { type AlertThresholds, defaultThresholds, type ThresholdOverride } from "./alert-thresholds.js";

/** Alert thresholds as written in the file: counts of messages and minutes, windows as durations. */
const ThresholdsSection = z.strictObject({
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
const ReceiverSection = z.discriminatedUnion("type", [
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

/** The `alerts:` section of the config (ALERTS_CHANNEL and ALERT_POLL_INTERVAL in the environment). */
export const AlertsSection = z
  .strictObject({
    /** Where alerts go when no route matches. */
    channel: fromVariable("ALERTS_CHANNEL", slackChannel.optional()),
    /** How often each cluster is polled. @defaultValue 30s */
    pollInterval: fromVariable("ALERT_POLL_INTERVAL", duration("pollInterval", 1_000).default(30_000)),
    /** A firing alert nobody acknowledged is mentioned again in its thread this often. @defaultValue 4h */
    repeatInterval: duration("repeatInterval", 60_000).default(4 * 3_600_000),
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
    /** @defaultValue the rules' own (src/alerts/alert-thresholds.ts) */
    thresholds: ThresholdsSection.default({}),
    /** Per-connector thresholds by glob (`orders-*`); later entries win. */
    overrides: z.array(ThresholdsSection.extend({ connector: z.string().min(1) })).default([]),
    /**
     * Where alerts go besides Slack, by a name the routes use (docs/alerts.md, "Alert receivers"). Secrets (a PagerDuty
     * routing key, a webhook's HMAC secret) are named by the environment variable that holds them, never written
     * here.
     */
    receivers: z
      .record(
        z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "a receiver name: a-z, 0-9, - and _"),
        ReceiverSection,
      )
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
          channel: slackChannel.optional(),
          /** Names of `alerts.receivers` told of the alert, besides Slack. @defaultValue [] */
          receivers: z.array(z.string().min(1)).default([]),
        }),
      )
      .default([]),
  })
  .prefault({});

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

/** A receiver beyond Slack, its secret read from the environment (docs/alerts.md, "Alert receivers"). */
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

/** The `alerts:` section resolved (durations in ms); see {@link AlertsSection} for each setting's default. */
export interface AlertsConfig {
  readonly channel?: string;
  readonly pollIntervalMs: number;
  readonly repeatIntervalMs: number;
  /** See `alerts.summariseAbove`: a rule's new alerts in one poll beyond this are one summary message. */
  readonly summariseAbove: number;
  /** See `alerts.flapWindow` (ms): an alert back within this after resolving is the same one, flapping. */
  readonly flapWindowMs: number;
  readonly thresholds: AlertThresholds;
  readonly overrides: readonly ThresholdOverride[];
  readonly routes: readonly AlertRoute[];
  readonly receivers: readonly ReceiverConfig[];
}

/**
 * The section resolved. @throws ConfigError when the longest window needs more polls than the bot keeps samples,
 * a route names an unknown receiver, or a receiver's variable is not set.
 */
export function alertsConfig(section: z.output<typeof AlertsSection>, context: SectionContext): AlertsConfig {
  const config = {
    ...(section.channel === undefined ? {} : { channel: section.channel }),
    pollIntervalMs: section.pollInterval,
    repeatIntervalMs: section.repeatInterval,
    summariseAbove: section.summariseAbove,
    flapWindowMs: section.flapWindow,
    thresholds: { ...defaultThresholds, ...thresholdsOf(section.thresholds) },
    overrides: section.overrides.map(({ connector, ...thresholds }) => ({
      pattern: connector,
      thresholds: thresholdsOf(thresholds),
    })),
    routes: section.routes,
    receivers: receiversOf(section, context),
  };
  const samples = Math.ceil(longestAlertWindowMs(config) / config.pollIntervalMs);
  if (samples > maxAlertSamples) {
    throw new ConfigError(
      `Invalid alerts: the longest window needs ${samples} polls of ${config.pollIntervalMs / 1000} s, and the bot keeps ${maxAlertSamples} samples per connector. Shorten the window or poll less often.`,
    );
  }
  return config;
}

function receiversOf(section: z.output<typeof AlertsSection>, context: SectionContext): ReceiverConfig[] {
  const declared = section.receivers;
  section.routes.forEach((route, i) => {
    const unknown = route.receivers.find((name) => declared[name] === undefined);
    if (unknown !== undefined) {
      throw new ConfigError(
        `alerts.routes[${i}] names the receiver "${unknown}", which alerts.receivers does not declare (declared: ${Object.keys(declared).join(", ") || "none"}).`,
      );
    }
  });
  const secret = (name: string, field: string, variable: string): string => {
    const value = context.env[variable];
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
        resolveAfterMs: receiver.resolveAfter ?? section.flapWindow,
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

function thresholdsOf(section: z.output<typeof ThresholdsSection>): Partial<AlertThresholds> {
  const { sustain, stalled, fallingBehind, paused, unassigned, ...counts } = section;
  return definedOnly({
    ...counts,
    sustainMs: sustain,
    stalledMs: stalled,
    fallingBehindMs: fallingBehind,
    pausedMs: paused,
    unassignedMs: unassigned,
  });
}
