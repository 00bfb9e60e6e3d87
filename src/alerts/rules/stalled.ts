import { formatDuration } from "../../core/duration.js";
import { lagCount, lagDetails } from "./figures.js";
import type { LagRule } from "./rule.js";
import { spanMs, trailingRun } from "./runs.js";

/**
 * Lag in every sample of the window and committed offsets unchanged across it; resolves when they move. An idle
 * topic with nothing to read is healthy.
 */
export const stalled: LagRule = {
  name: "stalled",
  severity: "error",
  reads: "lag",
  window: "stalledMs",
  whileHalted: false,
  evaluate({ readings, windowMs, firing }) {
    const newest = readings.at(-1);
    if (newest === undefined || newest.lag === 0) return undefined;
    const stuck = trailingRun(
      readings,
      (reading) => reading.lag > 0 && reading.committed === newest.committed,
    );
    const previous = readings.at(-2);
    const hasMoved = previous !== undefined && previous.committed !== newest.committed;
    const isFiring = firing ? !hasMoved : spanMs(stuck) >= windowMs;
    if (!isFiring) return undefined;
    return {
      summary: `no progress for ${formatDuration(spanMs(stuck))}: committed offsets unchanged, lag ${lagCount(newest)}`,
      details: lagDetails(newest),
      value: newest.lag,
    };
  },
};
