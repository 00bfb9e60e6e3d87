import { formatDuration } from "../../core/duration.js";
import type { StateRule } from "./rule.js";
import { isHalted, spanMs, trailingRun } from "./runs.js";

const minuteMs = 60_000;

/** PAUSED or STOPPED for the whole window with no approved operation to explain it; resolves when it runs. */
export const unexpectedPause: StateRule = {
  name: "unexpectedly halted",
  severity: "warning",
  reads: "state",
  window: "pausedMs",
  evaluate({ history, windowMs, firing }) {
    const unexplained = trailingRun(history, (sample) => isHalted(sample) && !sample.underApprovedOperation);
    const isFiring = firing ? unexplained.length > 0 : spanMs(unexplained) >= windowMs;
    const newest = unexplained.at(-1);
    if (!isFiring || newest === undefined) return undefined;
    // Measured from the halt itself, which may predate an approved operation that has since finished.
    const haltedMs = spanMs(trailingRun(history, isHalted));
    return {
      summary: `${newest.state === "PAUSED" ? "paused" : "stopped"} for ${formatDuration(haltedMs)}`,
      details: [],
      value: Math.round(haltedMs / minuteMs),
    };
  },
};
