import { formatDuration } from "../../core/duration.js";
import type { ConnectorSample, Placement } from "../../core/ports.js";
import type { StateRule } from "./rule.js";
import { spanMs, trailingRun } from "./runs.js";

const minuteMs = 60_000;

/** A connector or task that no live worker runs: UNASSIGNED, or shown running on a worker that is gone. */
interface Stranded {
  /** "connector", "task 0" */
  readonly part: string;
  readonly unassigned: boolean;
  /** The worker it is on, or was last on; undefined when no sample names one. */
  readonly worker: string | undefined;
}

/**
 * The connector or a task UNASSIGNED, or RUNNING, PAUSED or RESTARTING on a worker that does not answer, in every
 * sample of the window; names the worker each was last on. Resolves once every part runs on a live worker again.
 *
 * Both halves are needed (measured on Kafka 4.4): a worker that leaves its group hands its work over within
 * seconds, and a stuck rebalance leaves it UNASSIGNED; but a killed worker (SIGKILL, a lost host) writes no status,
 * so its connectors and tasks stay RUNNING on it until the group's session timeout and then
 * `scheduled.rebalance.max.delay.ms` (5 min by default, KIP-415) have passed. The worker's address is probed each
 * poll (collect-samples.ts) to see through that.
 */
export const unassigned: StateRule = {
  name: "unassigned",
  severity: "error",
  reads: "state",
  window: "unassignedMs",
  evaluate({ history, newest, windowMs, firing }) {
    // Which worker a part was last on matters for the newest sample only: the run needs no history to name it.
    const run = trailingRun(history, (sample) => strandedParts(sample, []).length > 0);
    const isFiring = firing ? run.length > 0 : spanMs(run) >= windowMs;
    const stranded = strandedParts(newest, history);
    if (!isFiring || stranded.length === 0) return undefined;
    const forMs = spanMs(run);
    const groups = [
      ...byWorker(stranded.filter((part) => !part.unassigned)).map(
        ([worker, parts]) => `${parts} on worker ${worker}, which does not answer`,
      ),
      ...byWorker(stranded.filter((part) => part.unassigned)).map(
        ([worker, parts]) => `${parts} UNASSIGNED, last on worker ${worker}`,
      ),
    ];
    return {
      summary: `not on a live worker for ${formatDuration(forMs)}: ${groups.join("; ")}`,
      details: stranded.map(
        (part) =>
          `${part.part}: ${part.unassigned ? "UNASSIGNED, last on" : "shown running on"} ${part.worker ?? "an unknown worker"}`,
      ),
      value: Math.round(forMs / minuteMs),
    };
  },
};

/** Connect's states that a worker holds: on a gone worker, these are stale. */
const held = new Set<ConnectorSample["state"]>(["RUNNING", "PAUSED", "RESTARTING"]);

function strandedParts(sample: ConnectorSample, history: readonly ConnectorSample[]): Stranded[] {
  const parts: { part: string; state: ConnectorSample["state"]; placement: Placement; id?: number }[] = [
    { part: "connector", state: sample.state, placement: sample },
    ...sample.tasks.map((task) => ({
      part: `task ${task.id}`,
      state: task.state,
      placement: task,
      id: task.id,
    })),
  ];
  return parts.flatMap(({ part, state, placement, id }): Stranded[] => {
    if (state === "UNASSIGNED") {
      return [{ part, unassigned: true, worker: placement.workerId || lastWorker(history, id) }];
    }
    if (held.has(state) && placement.workerGone === true) {
      return [{ part, unassigned: false, worker: placement.workerId }];
    }
    return [];
  });
}

/**
 * The worker a part was last seen on, for an UNASSIGNED status that names none: Connect writes the worker that
 * let it go, but a status written by no worker (a new connector's first) has an empty `worker_id`.
 */
function lastWorker(history: readonly ConnectorSample[], taskId: number | undefined): string | undefined {
  for (const sample of history.toReversed()) {
    const placement = taskId === undefined ? sample : sample.tasks.find((task) => task.id === taskId);
    if (placement?.workerId) return placement.workerId;
  }
  return undefined;
}

/** `[worker, "connector and task 0"]` per worker, in the order first met. */
function byWorker(parts: readonly Stranded[]): [string, string][] {
  const grouped = new Map<string, string[]>();
  for (const part of parts) {
    const worker = part.worker ?? "unknown";
    grouped.set(worker, [...(grouped.get(worker) ?? []), part.part]);
  }
  return [...grouped].map(([worker, names]) => [worker, listed(names)]);
}

/** "connector", "connector and task 0", "task 0, task 1 and task 2". */
function listed(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}
