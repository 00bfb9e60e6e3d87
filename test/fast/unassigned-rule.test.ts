// needs: pure
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type AlertRule, evaluateConnector, type Finding } from "../../src/alerts/alert-rules.js";
import { defaultThresholds } from "../../src/alerts/alert-thresholds.js";
import type { ConnectorSample } from "../../src/core/ports.js";

const minute = 60_000;
const start = Date.UTC(2025, 0, 6, 9, 0);
const dead = "worker-1:8083";
const live = "worker-2:8083";

type Part = Pick<ConnectorSample, "state" | "workerId" | "workerGone">;
const running = (workerId: string): Part => ({ state: "RUNNING", workerId });
const gone = (workerId: string, state: Part["state"] = "RUNNING"): Part => ({
  state,
  workerId,
  workerGone: true,
});
const unassignedFrom = (workerId: string): Part => ({ state: "UNASSIGNED", workerId });

/** A source connector at minute `m`: the connector and its tasks where given. */
function sample(m: number, connector: Part, ...tasks: Part[]): ConnectorSample {
  return {
    at: start + m * minute,
    type: "source",
    ...connector,
    tasks: tasks.map((task, id) => ({ id, ...task })),
    underApprovedOperation: false,
  };
}

/** One sample a minute from minute 0. */
function series(...samples: ((m: number) => ConnectorSample)[]): ConnectorSample[] {
  return samples.map((at, m) => at(m));
}

function found(history: readonly ConnectorSample[], firing: readonly AlertRule[] = []): Finding | undefined {
  return evaluateConnector("cdc-source", history, defaultThresholds, new Set(firing)).find(
    (finding) => finding.rule === "unassigned",
  );
}

const healthy = (m: number) => sample(m, running(live), running(live));
const taskOnDeadWorker = (m: number) => sample(m, running(live), gone(dead));
const taskUnassigned = (m: number) => sample(m, running(live), unassignedFrom(dead));

describe("unassigned: a connector or task no live worker runs", () => {
  it("a task shown RUNNING on a worker that does not answer fires once the 3 min grace has passed, naming it", () => {
    assert.equal(found(series(healthy, taskOnDeadWorker, taskOnDeadWorker, taskOnDeadWorker)), undefined);
    const finding = found(
      series(healthy, taskOnDeadWorker, taskOnDeadWorker, taskOnDeadWorker, taskOnDeadWorker),
    );
    assert.equal(
      finding?.summary,
      `not on a live worker for 3 min: task 0 on worker ${dead}, which does not answer`,
    );
    assert.deepEqual(finding?.details, [`task 0: shown running on ${dead}`]);
    assert.equal(finding?.value, 3);
  });

  it("UNASSIGNED for the grace fires naming the worker it was last on; a shorter rebalance does not", () => {
    assert.equal(found(series(healthy, taskUnassigned, taskUnassigned, healthy)), undefined);
    assert.equal(
      found(series(healthy, taskUnassigned, taskUnassigned, taskUnassigned, taskUnassigned))?.summary,
      `not on a live worker for 3 min: task 0 UNASSIGNED, last on worker ${dead}`,
    );
  });

  it("the dead worker's status turning UNASSIGNED keeps one run: the grace is not counted again", () => {
    const finding = found(
      series(healthy, taskOnDeadWorker, taskOnDeadWorker, taskUnassigned, taskUnassigned),
    );
    assert.match(
      finding?.summary ?? "",
      /^not on a live worker for 3 min: task 0 UNASSIGNED, last on worker/,
    );
  });

  it("an UNASSIGNED status naming no worker names the one the history last saw", () => {
    const noWorker = (m: number) => sample(m, running(live), unassignedFrom(""));
    const finding = found(
      series((m) => sample(m, running(live), running(dead)), noWorker, noWorker, noWorker, noWorker),
    );
    assert.equal(
      finding?.summary,
      `not on a live worker for 3 min: task 0 UNASSIGNED, last on worker ${dead}`,
    );
  });

  it("the connector and its tasks on one dead worker are one line for that worker; each part has its detail", () => {
    const allDead = (m: number) => sample(m, gone(dead), gone(dead, "PAUSED"), gone(dead));
    const finding = found(series(allDead, allDead, allDead, allDead));
    assert.equal(
      finding?.summary,
      `not on a live worker for 3 min: connector, task 0 and task 1 on worker ${dead}, which does not answer`,
    );
    assert.equal(finding?.details.length, 3);
  });

  it("a STOPPED or FAILED part on a gone worker is not this alert (nothing runs there by intent, or it failed)", () => {
    const stopped = (m: number) => sample(m, gone(dead, "STOPPED"));
    const failed = (m: number) => sample(m, running(live), gone(dead, "FAILED"));
    assert.equal(found(series(stopped, stopped, stopped, stopped, stopped)), undefined);
    assert.equal(found(series(failed, failed, failed, failed, failed)), undefined);
  });

  it("firing, it holds while any part is stranded and resolves once every part runs on a live worker", () => {
    const moving = (m: number) => sample(m, running(live), running(live), gone(dead));
    const firing: AlertRule[] = ["unassigned"];
    assert.ok(
      found(series(taskOnDeadWorker, taskOnDeadWorker, taskOnDeadWorker, taskOnDeadWorker, moving), firing),
    );
    assert.equal(
      found(series(taskOnDeadWorker, taskOnDeadWorker, taskOnDeadWorker, healthy), firing),
      undefined,
    );
  });

  it("the grace is the `unassigned` threshold", () => {
    const history = series(healthy, taskOnDeadWorker, taskOnDeadWorker);
    const thresholds = { ...defaultThresholds, unassignedMs: minute };
    assert.ok(
      evaluateConnector("cdc-source", history, thresholds, new Set()).some((f) => f.rule === "unassigned"),
    );
  });
});
