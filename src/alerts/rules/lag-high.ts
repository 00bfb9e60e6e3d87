import { formatDuration } from "../../core/duration.js";
import { lagCount, lagDetails } from "./figures.js";
import type { LagReading, LagRule, RuleThresholds } from "./rule.js";
import { spanMs, trailingRun } from "./runs.js";

const minuteMs = 60_000;

/**
 * Lag at or over lagMessages (or older than lagMinutes) for the whole sustain window; resolves only under the
 * clear levels (hysteresis). A halted sink counts: the lag it builds up is what the team must hear about.
 */
export const lagHigh: LagRule = {
  name: "lag high",
  severity: "warning",
  reads: "lag",
  window: "sustainMs",
  whileHalted: true,
  evaluate({ readings, thresholds, windowMs, firing }) {
    const newest = readings.at(-1);
    if (newest === undefined) return undefined;
    const isFiring = firing
      ? !lagHasCleared(newest, thresholds)
      : spanMs(trailingRun(readings, (reading) => lagIsHigh(reading, thresholds))) >= windowMs;
    if (!isFiring) return undefined;
    const behind =
      newest.minutesBehind === undefined ? "" : `, ${formatDuration(newest.minutesBehind * minuteMs)} behind`;
    return {
      summary: `lag ${lagCount(newest)}${behind}`,
      details: lagDetails(newest),
      value: newest.lag,
    };
  },
};

function lagIsHigh(reading: LagReading, thresholds: RuleThresholds): boolean {
  const { lagMinutes } = thresholds;
  const isOld =
    lagMinutes !== undefined && reading.minutesBehind !== undefined && reading.minutesBehind >= lagMinutes;
  return reading.lag >= thresholds.lagMessages || isOld;
}

function lagHasCleared(reading: LagReading, thresholds: RuleThresholds): boolean {
  const { lagMinutes, lagClearMinutes = lagMinutes } = thresholds;
  const isRecent =
    lagClearMinutes === undefined ||
    reading.minutesBehind === undefined ||
    reading.minutesBehind < lagClearMinutes;
  return reading.lag < thresholds.lagClearMessages && isRecent;
}
