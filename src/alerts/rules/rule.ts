import type { ConnectorSample, PartitionSample } from "../../core/ports.js";
import type { AlertThresholds, WindowThreshold } from "../alert-thresholds.js";

/** What a rule found: one line, its details, and the figure it measured. */
export interface RuleFinding {
  /** one line for an alert message */
  readonly summary: string;
  /** e.g. trace lines, per-partition figures; may be empty */
  readonly details: readonly string[];
  /** numeric value the rule measured (total lag, failed task count, ...) for thread updates */
  readonly value: number;
}

/** A rule sees the thresholds without the windows: its own window comes as `windowMs`, so it cannot read another's. */
export type RuleThresholds = Omit<AlertThresholds, WindowThreshold>;

/** What every connector rule is told about one connector, at one poll. */
export interface RuleInput {
  readonly connector: string;
  /** Oldest first; the newest sample is "now". */
  readonly history: readonly ConnectorSample[];
  readonly newest: ConnectorSample;
  readonly thresholds: RuleThresholds;
  /** The length of the rule's window (ms), 0 for a rule with none. */
  readonly windowMs: number;
  /** The rule was firing after the previous evaluation: it resolves on its clear condition, not its fire one. */
  readonly firing: boolean;
}

/** A sample's offsets, worked out once for the rules that read lag. */
export interface LagReading {
  readonly at: number;
  readonly partitions: readonly PartitionSample[];
  readonly lag: number;
  /** Sum of committed offsets, a partition without a commit counting 0: it changes only when the sink commits. */
  readonly committed: number;
  readonly minutesBehind: number | undefined;
  readonly unreadTopics: readonly string[];
}

/**
 * How urgent a rule's alerts are, in PagerDuty's words (Events API v2 `payload.severity`), which the Alertmanager
 * label and the webhook's field carry too.
 */
export type Severity = "critical" | "error" | "warning" | "info";

interface RuleEntry {
  /** What people read in messages and listings ("lag high"). */
  readonly name: string;
  readonly severity: Severity;
  /**
   * The threshold giving how far back the rule looks, or null for a rule that reads only the newest sample. The
   * history kept per connector covers the longest window of the table (alert-rules.ts), so a declared window is
   * always covered.
   */
  readonly window: WindowThreshold | null;
}

/** Reads the connector's and its tasks' states. */
export interface StateRule extends RuleEntry {
  readonly reads: "state";
  evaluate(input: RuleInput): RuleFinding | undefined;
}

/**
 * Reads the sink's committed and log-start offsets as last read. When the newest sample has none (the lag read
 * failed), a firing rule stays with the last figures and none starts firing on stale ones.
 */
export interface OffsetsRule extends RuleEntry {
  readonly reads: "offsets";
  evaluate(input: RuleInput & { readonly partitions: readonly PartitionSample[] }): RuleFinding | undefined;
}

/**
 * Reads the lag over the samples since the connector was last unhealthy: inhibited while the connector or a task
 * has failed (the lag is a symptom, not the news), and held like an offsets rule when lag could not be read.
 */
export interface LagRule extends RuleEntry {
  readonly reads: "lag";
  /** Whether it applies to a paused or stopped sink, which reads nothing by intent. */
  readonly whileHalted: boolean;
  evaluate(input: RuleInput & { readonly readings: readonly LagReading[] }): RuleFinding | undefined;
}

/** Raised by the poller itself, not by evaluating a connector's samples: it has a name and no evaluation. */
export interface PollerRule {
  readonly name: string;
  readonly severity: Severity;
  readonly reads: "poller";
  readonly window: null;
}

export type AlertRuleSpec = StateRule | OffsetsRule | LagRule | PollerRule;
