// needs: pure
import assert from "node:assert/strict";
import { test } from "node:test";
import { destructiveCommands } from "../../approvals/approval-entries.js";
import { Approvals } from "../../approvals/approvals.js";
import { MemoryApprovalQueue } from "../../approvals/memory-approval-queue.js";
import { MemoryApprovalStore } from "../../approvals/memory-approval-store.js";
import type { ExecutionConnect, SinkOffsetsReader } from "../../approvals/ports.js";
import { everyoneHolds } from "../../src/core/identity.js";
import type { ConnectorState, ConnectorStatus } from "../../src/core/ports.js";
import { MemoryAuditLog } from "./fakes.js";

/**
 * One connector as Connect would keep it: its state changes when it is stopped (a STOPPED connector has no tasks).
 * Any other call is unexpected.
 */
function oneConnector(name: string) {
  let state: ConnectorState = "RUNNING";
  const calls: string[] = [];
  const unexpected = (method: string) => async (): Promise<never> => {
    throw new Error(`unexpected call: ${method}`);
  };
  const status = async (): Promise<ConnectorStatus> => {
    calls.push("status");
    return {
      name,
      connector: { state, worker_id: "w1" },
      tasks: state === "STOPPED" ? [] : [{ id: 0, state, worker_id: "w1" }],
      type: "sink",
    };
  };
  const connect: ExecutionConnect = {
    status,
    offsets: async () => {
      calls.push("offsets");
      return { offsets: [] };
    },
    stop: async () => {
      calls.push("stop");
      state = "STOPPED";
    },
    listConnectors: unexpected("listConnectors"),
    info: unexpected("info"),
    config: unexpected("config"),
    passwordKeys: unexpected("passwordKeys"),
    resume: unexpected("resume"),
    pause: unexpected("pause"),
    restart: unexpected("restart"),
    createConnector: unexpected("createConnector"),
    deleteConnector: unexpected("deleteConnector"),
    patchConfig: unexpected("patchConfig"),
    putConfig: unexpected("putConfig"),
    hasFeature: unexpected("hasFeature"),
    requireFeature: unexpected("requireFeature"),
    alterOffsets: unexpected("alterOffsets"),
    resetOffsets: unexpected("resetOffsets"),
    connectorTopics: unexpected("connectorTopics"),
    resetConnectorTopics: unexpected("resetConnectorTopics"),
  };
  const lag: SinkOffsetsReader = {
    lag: unexpected("lag"),
    lagOfSinks: unexpected("lagOfSinks"),
    offsetsAt: unexpected("offsetsAt"),
  };
  return { connect, lag, calls, state: () => state };
}

test("a stop runs end to end on the in-memory store and queue: asked, approved, executed in saved steps, audited", async () => {
  const connector = oneConnector("orders-sink");
  const audit = new MemoryAuditLog();
  const approvals = new Approvals({
    store: new MemoryApprovalStore(),
    queue: new MemoryApprovalQueue(),
    audit,
    clusterFor: (cluster) =>
      cluster === "prod" ? { connect: connector.connect, lag: connector.lag } : undefined,
    policyFor: () => ({ required: new Set(destructiveCommands), approvers: 1 }),
    identities: { test: everyoneHolds("approver") },
  });
  await approvals.startWorker();
  try {
    const asked = await approvals.request({
      cluster: "prod",
      connector: "orders-sink",
      command: "stop",
      reason: "maintenance",
      requester: { id: "olga", name: "olga", source: "test" },
      operation: { kind: "stop" },
      planSummary: "orders-sink stops",
      requestId: "r-1",
    });
    assert.ok(asked.ok);
    assert.equal(asked.request.state, "pending");
    assert.equal(connector.calls.includes("stop"), false, "nothing runs before the approval");
    const approved = await approvals.decide(
      asked.request.id,
      { id: "ann", name: "ann", source: "test" },
      "approve",
    );
    assert.ok(approved.ok);
    const done = await approvals.awaitOutcome(asked.request.id, 10_000);
    assert.equal(done?.state, "succeeded", done?.outcome);
    assert.equal(connector.state(), "STOPPED");
    assert.deepEqual(
      audit.entries.map((entry) => [entry.actorId, entry.outcome, entry.detail]),
      [
        ["olga", "requested", undefined],
        ["ann", "approved", undefined],
        ["ann", "succeeded", "step snapshot done"],
        ["ann", "succeeded", "step stopped done"],
        ["ann", "succeeded", undefined],
      ],
    );
  } finally {
    await approvals.close({ drainMs: 1_000 });
  }
});
