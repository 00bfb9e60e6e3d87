import { z } from "zod";
import { duration, slackChannel } from "../core/config-schema.js";

/** One trace rule as written in the file: a regular expression over the whole trace, its verdict and why. */
const TraceRuleSection = z.strictObject({
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
 * Work the bot does by itself (docs/automation.md): auto-restart per connector pattern, the trace
 * rules that decide it, log levels that revert, bulk actions and maintenance windows. Auto-restart is off until it
 * is configured; the rest have defaults.
 */
export const AutomationSection = z
  .strictObject({
    /** Where the stories of log level changes, bulk actions and windows are told; without it, the alerts channel. */
    channel: slackChannel.optional(),
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
    traceRules: z.array(TraceRuleSection).default([]),
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
    /** Following a change through (src/automation/follow-through.ts): how often, how long, how chatty. */
    followThrough: z
      .strictObject({
        /** How often the connector is looked at while a change is followed. @defaultValue 15s */
        lookEvery: duration("followThrough.lookEvery", 1_000).default(15_000),
        /** At most one progress line this often (and only when the count changed). @defaultValue 1m */
        progressEvery: duration("followThrough.progressEvery", 1_000).default(60_000),
        /** A restart with no lag to watch (a source) has held once RUNNING this long. @defaultValue 5m */
        steadyFor: duration("followThrough.steadyFor", 1_000).default(5 * 60_000),
        /** The watch ends after this however it stands, saying so. @defaultValue 30m */
        maxFor: duration("followThrough.maxFor", 1_000).default(30 * 60_000),
      })
      .default({ lookEvery: 15_000, progressEvery: 60_000, steadyFor: 5 * 60_000, maxFor: 30 * 60_000 }),
  })
  .prefault({});

/** The `automation` section, parsed (durations in ms); see {@link AutomationSection} for each setting's default. */
export type AutomationConfig = z.output<typeof AutomationSection>;
