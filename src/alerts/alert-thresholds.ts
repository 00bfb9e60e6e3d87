import { globMatches } from "../core/glob.js";

/**
 * The figures the alert rules compare against. A field ending in `Ms` is a window: how far back a rule looks.
 * Only a rule that names it as its window may read it (see rules/rule.ts), so the history kept covers it.
 */
export interface AlertThresholds {
  /** lag-high fires at total lag >= this ... */
  lagMessages: number;
  /** ... and resolves only when it falls under this (hysteresis; < lagMessages). */
  lagClearMessages: number;
  /** Fire lag-high also when the oldest unread message is at least this old. */
  lagMinutes?: number;
  /** Defaults to lagMinutes. */
  lagClearMinutes?: number;
  /** Lag must stay high this long before lag-high fires. */
  sustainMs: number;
  /** Lag > 0 and committed offsets unchanged for this long. */
  stalledMs: number;
  /** Lag grew on every sample over this window. */
  fallingBehindMs: number;
  /** PAUSED or STOPPED this long without an approved operation. */
  pausedMs: number;
  /**
   * The connector or a task UNASSIGNED, or shown running on a worker that does not answer, this long.
   * @defaultValue 3 min: a rebalance leaves parts UNASSIGNED for seconds, a worker that leaves its group hands
   * them over within seconds; a killed one keeps them for Connect's `scheduled.rebalance.max.delay.ms` (5 min).
   */
  unassignedMs: number;
}

/** The thresholds that are windows (ms a rule looks back over): the fields whose names end in `Ms`. */
export type WindowThreshold = {
  [K in keyof AlertThresholds]-?: K extends `${string}Ms` ? K : never;
}[keyof AlertThresholds];

const minuteMs = 60_000;

export const defaultThresholds: AlertThresholds = {
  lagMessages: 10_000,
  lagClearMessages: 5_000,
  sustainMs: 5 * minuteMs,
  // Connect sinks commit every 60 s, so the window must span several commits before "no progress" means stuck.
  stalledMs: 10 * minuteMs,
  fallingBehindMs: 10 * minuteMs,
  pausedMs: 15 * minuteMs,
  unassignedMs: 3 * minuteMs,
};

export interface ThresholdOverride {
  pattern: string;
  thresholds: Partial<AlertThresholds>;
}

/** The defaults with every override whose glob matches the connector applied in order, so later ones win. */
export function thresholdsFor(
  connector: string,
  defaults: AlertThresholds,
  overrides: readonly ThresholdOverride[],
): AlertThresholds {
  const merged: AlertThresholds = { ...defaults };
  for (const override of overrides) {
    if (globMatches(override.pattern, connector)) Object.assign(merged, override.thresholds);
  }
  // An override that lowers only lagMessages must not leave the clear level above it: lag-high would resolve
  // on the sample after it fired.
  return { ...merged, lagClearMessages: Math.min(merged.lagClearMessages, merged.lagMessages) };
}
