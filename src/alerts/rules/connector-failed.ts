import { traceHead } from "./figures.js";
import type { StateRule } from "./rule.js";

/** The connector itself is FAILED (its tasks are judged by task-failed). */
export const connectorFailed: StateRule = {
  name: "connector failed",
  severity: "critical",
  reads: "state",
  window: null,
  evaluate({ connector, newest }) {
    if (newest.state !== "FAILED") return undefined;
    return { summary: `connector ${connector} is FAILED`, details: traceHead(newest.trace), value: 1 };
  },
};
