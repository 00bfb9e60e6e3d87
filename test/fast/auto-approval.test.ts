// needs: pure
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AutoApprovalRule } from "../../approvals/approval-policy.js";
import { ruleVerdict } from "../../approvals/auto-approval.js";
import type { OffsetMove } from "../../approvals/request-record.js";

const replays: AutoApprovalRule = {
  name: "small-replays",
  commands: ["offsets reset"],
  connectors: ["orders-*"],
  maxReplay: 10,
};
const devStops: AutoApprovalRule = { name: "dev-stops", commands: ["stop"], connectors: ["dev-*"] };
const moves = (replay: number, skip = 0): OffsetMove[] => [
  { partition: "orders:0", before: 20, after: 20 - replay, replay, skip: 0 },
  { partition: "orders:1", before: 5, after: 5 + skip, replay: 0, skip },
];
const reset = { command: "offsets reset", connector: "orders-sink" };

test("a rule approves up to its bound and not one record past it", () => {
  assert.deepEqual(ruleVerdict([replays], reset, moves(10)), { approves: true, rule: "small-replays" });
  assert.deepEqual(ruleVerdict([replays], reset, moves(11)), {
    approves: false,
    why: "rule small-replays does not approve it: it replays 11 records, more than the 10 the rule allows",
  });
});

test("a replay bound with no skip bound allows no skipped record; a stated skip bound allows that many", () => {
  assert.deepEqual(ruleVerdict([replays], reset, moves(0, 1)), {
    approves: false,
    why: "rule small-replays does not approve it: it skips 1 records, more than the 0 the rule allows",
  });
  assert.deepEqual(ruleVerdict([{ ...replays, maxSkip: 5 }], reset, moves(0, 5)), {
    approves: true,
    rule: "small-replays",
  });
});

test("rules fail closed: a bound with nothing to count approves nothing; other commands and connectors are not theirs", () => {
  assert.deepEqual(ruleVerdict([replays], reset, undefined), {
    approves: false,
    why: "rule small-replays does not approve it: the records it would replay or skip cannot be counted",
  });
  assert.deepEqual(ruleVerdict([replays], { ...reset, connector: "payments-sink" }, moves(1)), {
    approves: false,
  });
  assert.deepEqual(ruleVerdict([replays], { ...reset, command: "offsets set" }, moves(1)), {
    approves: false,
  });
  assert.deepEqual(ruleVerdict([devStops], { command: "stop", connector: "dev-orders" }, undefined), {
    approves: true,
    rule: "dev-stops",
  });
  assert.deepEqual(ruleVerdict([devStops], { command: "delete", connector: "dev-orders" }, undefined), {
    approves: false,
  });
});
