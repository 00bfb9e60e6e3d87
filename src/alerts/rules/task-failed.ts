import { count, traceHead } from "./figures.js";
import type { StateRule } from "./rule.js";

/** One or more tasks FAILED, with the head of each one's trace. */
export const taskFailed: StateRule = {
  name: "task failed",
  severity: "critical",
  reads: "state",
  window: null,
  evaluate({ newest }) {
    const failed = newest.tasks.filter((task) => task.state === "FAILED");
    if (failed.length === 0) return undefined;
    const names = failed.map((task) => `task ${task.id}`).join(", ");
    return {
      summary: `${failed.length} of ${count(newest.tasks.length, "task")} FAILED (${names})`,
      details: failed.flatMap((task) => traceHead(task.trace).map((line) => `task ${task.id}: ${line}`)),
      value: failed.length,
    };
  },
};
