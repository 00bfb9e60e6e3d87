import { formatDuration } from "../../core/duration.js";
import { figure, lagCount, lagDetails } from "./figures.js";
import type { LagReading, LagRule } from "./rule.js";
import { spanMs } from "./runs.js";

/** Lag rose on every sample across the window; resolves when it stops rising. */
export const fallingBehind: LagRule = {
  name: "falling behind",
  severity: "warning",
  reads: "lag",
  window: "fallingBehindMs",
  whileHalted: false,
  evaluate({ readings, windowMs, firing }) {
    const newest = readings.at(-1);
    const rising = risingRun(readings);
    const first = rising[0];
    if (newest === undefined || first === undefined) return undefined;
    const windowStart = newest.at - windowMs;
    // Two rises inside the window: at least 3 samples across it, counting the one at or before its start.
    const risesInWindow = rising.filter((reading) => reading.at > windowStart).length;
    const isFiring = firing ? rising.length >= 2 : first.at <= windowStart && risesInWindow >= 2;
    if (!isFiring) return undefined;
    return {
      summary: `lag rose on every sample for ${formatDuration(spanMs(rising))}: ${figure(first.lag)} → ${lagCount(newest)}`,
      details: lagDetails(newest),
      value: newest.lag,
    };
  },
};

/** The readings at the end whose lag rose on each one, led by the reading it rose from. */
function risingRun(readings: readonly LagReading[]): readonly LagReading[] {
  const base = readings.findLastIndex((reading, index) => {
    const previous = readings[index - 1];
    return previous === undefined || reading.lag <= previous.lag;
  });
  return readings.slice(Math.max(0, base));
}
