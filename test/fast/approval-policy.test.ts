// needs: pure
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { z } from "zod";
import { destructiveCommands } from "../../approvals/approval-entries.js";
import { type ApprovalJobs, ApprovalLifecycle, type NewRequest } from "../../approvals/approval-lifecycle.js";
import type { ApprovalPolicy } from "../../approvals/approval-policy.js";
import {
  ApprovalTransitionError,
  approvalTransitions,
  RequestStates,
} from "../../approvals/approval-transitions.js";
import { MemoryApprovalStore } from "../../approvals/memory-approval-store.js";
import { commands } from "../../commands/registry.js";
import { approvalEntriesOf, defineCommand, positional } from "../../src/core/command-spec.js";
import { everyoneHolds } from "../../src/core/identity.js";
import { reply } from "../../src/core/reply.js";
import { MemoryAuditLog } from "./fakes.js";

/** The queue as the lifecycle sees it, in memory: which jobs are due, which were promoted. */
class RecordedJobs implements ApprovalJobs {
  readonly added = new Map<string, number>();
  readonly promoted: string[] = [];
  async add(id: string, delayMs: number): Promise<void> {
    this.added.set(id, delayMs);
  }
  async promote(id: string): Promise<void> {
    this.promoted.push(id);
  }
  async remove(id: string): Promise<void> {
    this.added.delete(id);
  }
  async remind(): Promise<void> {}
}

function lifecycle(policy: ApprovalPolicy, entries: readonly string[]) {
  const store = new MemoryApprovalStore();
  const audit = new MemoryAuditLog();
  const approvals = new ApprovalLifecycle({
    store,
    jobs: new RecordedJobs(),
    audit,
    expiryMs: 30 * 60_000,
    policyFor: () => policy,
    approvalEntries: entries,
    now: () => Date.now(),
    identities: { test: everyoneHolds("approver") },
  });
  return { store, audit, approvals };
}

const asked = (command: string): NewRequest => ({
  cluster: "prod",
  connector: "orders-sink",
  command,
  reason: "test",
  requester: { id: "olga", name: "olga", source: "test" },
  operation: { kind: "stop" },
  planSummary: `${command} orders-sink`,
  requestId: "r-1",
});

/** A new state-changing command: `rename`, which files an approval request. */
const renameSpec = {
  name: "rename",
  summary: "Ask to rename a connector.",
  examples: ["rename orders-sink"],
  args: z.object({ connector: positional(z.string(), "the connector") }),
  role: "operator",
  risk: "destructive",
  run: async () => reply("asked"),
} as const;

describe("approval policy: read from the command specs, failing closed", () => {
  test("a command that files requests without declaring it waits for an approver, even where the cluster waives every declared one", async () => {
    const undeclared = defineCommand(renameSpec);
    const entries = approvalEntriesOf([...commands, undeclared]);
    assert.ok(!entries.includes("rename"), "the policy does not name it");
    const { approvals } = lifecycle({ required: new Set(), approvers: 1 }, entries);
    const rename = await approvals.request(asked("rename"));
    assert.ok(rename.ok);
    assert.equal(rename.request.state, "pending");
    assert.equal(rename.request.approversNeeded, 1);
    const stop = await approvals.request({ ...asked("stop"), connector: "payments-sink" });
    assert.ok(stop.ok);
    assert.equal(stop.request.state, "approved", "a declared command the cluster waives runs at once");
  });

  test("a new spec that declares it proposes is a policy entry: required unless a cluster waives it", async () => {
    const declared = defineCommand({ ...renameSpec, proposes: true });
    const entries = approvalEntriesOf([...commands, declared]);
    assert.ok(entries.includes("rename"));
    const waits = lifecycle({ required: new Set(entries), approvers: 1 }, entries);
    const pending = await waits.approvals.request(asked("rename"));
    assert.ok(pending.ok);
    assert.equal(pending.request.state, "pending");
    const waived = lifecycle({ required: new Set(), approvers: 1 }, entries);
    const approved = await waived.approvals.request(asked("rename"));
    assert.ok(approved.ok);
    assert.equal(approved.request.state, "approved");
  });

  test("the entries a cluster's policy may name are read from the registry: each proposing command, and bulk for the pattern commands", () => {
    const proposing = commands.filter((command) => command.proposes).map((command) => command.name);
    const bulk = commands
      .filter((command) => command.approvalEntry === "bulk")
      .map((command) => command.name);
    assert.deepEqual([...destructiveCommands].sort(), [...proposing, "bulk"].sort());
    assert.deepEqual(bulk.sort(), ["pause", "restart", "resume"]);
  });
});

describe("approval states: one transition table, one writer", () => {
  test("a move the table lacks fails with APPROVAL_INVALID_TRANSITION and changes nothing", async () => {
    const { store, approvals } = lifecycle(
      { required: new Set(destructiveCommands), approvers: 1 },
      destructiveCommands,
    );
    const asked1 = await approvals.request(asked("stop"));
    assert.ok(asked1.ok);
    const states = new RequestStates(store);
    await assert.rejects(
      states.move(asked1.request.id, { from: ["pending"], by: "requester" }, (r) => ({
        ...r,
        state: "approved",
      })),
      (error: unknown) =>
        error instanceof ApprovalTransitionError &&
        error.code === "APPROVAL_INVALID_TRANSITION" &&
        /from pending to approved by requester/.test(error.message),
    );
    assert.equal((await store.get(asked1.request.id))?.state, "pending");
  });

  test("a finished request never moves again: the table has no move out of an ended state", () => {
    const ended = ["succeeded", "failed", "denied", "expired", "cancelled"];
    assert.deepEqual(
      approvalTransitions.filter((row) => ended.includes(row.from)),
      [],
    );
  });

  test("a decision is audited as the table says: asked, then approved by the approver", async () => {
    const { audit, approvals } = lifecycle(
      { required: new Set(destructiveCommands), approvers: 1 },
      destructiveCommands,
    );
    const asked1 = await approvals.request(asked("stop"));
    assert.ok(asked1.ok);
    const decided = await approvals.decide(
      asked1.request.id,
      { id: "ann", name: "ann", source: "test" },
      "approve",
    );
    assert.ok(decided.ok);
    assert.equal(decided.request.state, "approved");
    assert.deepEqual(
      audit.entries.map((entry) => [entry.actorId, entry.outcome]),
      [
        ["olga", "requested"],
        ["ann", "approved"],
      ],
    );
  });
});
