// needs: pure
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type FollowLook,
  type FollowStep,
  type FollowWatch,
  followStep,
  restartSettleMs,
} from "../../src/automation/follow-verdict.js";

const times = { progressEveryMs: 60_000, steadyForMs: 5 * 60_000, maxForMs: 30 * 60_000 };
const doneAt = Date.parse("2026-12-01T03:00:00Z");
const reset: FollowWatch = {
  id: "prod-7-abcd",
  cluster: "prod",
  connector: "orders-sink",
  change: "offsets reset",
  restart: false,
  requester: { id: "U0ASKER" },
  doneAt,
  seenUp: false,
};
const restart: FollowWatch = { ...reset, id: "restart-r1", change: "restart", restart: true };
const look = (afterMs: number, rest: Partial<FollowLook> = {}): FollowLook => ({
  at: doneAt + afterMs,
  state: "RUNNING",
  failed: [],
  sink: false,
  left: undefined,
  ...rest,
});
const said = (step: FollowStep) => step.say?.summary;

/** Feeds the looks one after the other, as the jobs do; returns every line said and whether the last one ended it. */
function follow(watch: FollowWatch, looks: readonly FollowLook[]): { lines: string[]; ended: boolean } {
  const lines: string[] = [];
  let current = watch;
  for (const each of looks) {
    const step = followStep(current, each, times);
    if (step.say !== undefined) lines.push(step.say.summary);
    if (step.next === "end") return { lines, ended: true };
    current = step.watch;
  }
  return { lines, ended: false };
}

describe("following a change through: what each look says", () => {
  test("a replay: records left at once, then at most one line a minute with the rate and time to go, then caught up", () => {
    const { lines, ended } = follow(reset, [
      look(0, { left: 12_000 }),
      look(15_000, { left: 10_500 }),
      look(60_000, { left: 6_000 }),
      look(75_000, { left: 6_000 }),
      look(135_000, { left: 6_000 }),
      look(252_000, { left: 0 }),
    ]);
    assert.deepEqual(lines, [
      "orders-sink: 12,000 records left to read.",
      "orders-sink: 6,000 records left to read, 100 records/s, about 1 min to go.",
      "orders-sink caught up in 4 min 12 s after the offsets reset: nothing left to read.",
    ]);
    assert.ok(ended);
  });

  test("a replay that stalls says so, once, and the watch ends by itself at maxFor", () => {
    const { lines, ended } = follow(reset, [
      look(0, { left: 500 }),
      look(60_000, { left: 500 }),
      look(120_000, { left: 400 }),
      look(180_000, { left: 400 }),
      look(30 * 60_000, { left: 400 }),
    ]);
    assert.deepEqual(lines, [
      "orders-sink: 500 records left to read.",
      "orders-sink: 400 records left to read, 2 records/s, about 4 min to go.",
      "Stopped watching orders-sink after 30 min: 400 records still left to read.",
    ]);
    assert.ok(ended);
  });

  test("a restart failing again: judged once Connect acted on it, with the trace's head, credentials hidden", () => {
    const trace =
      "org.apache.kafka.connect.errors.ConnectException: login failed for jdbc:postgresql://app:hunter2@db/orders\n\tat Foo.bar(Foo.java:1)";
    const failed = { failed: [{ part: "task 0", trace }] } as const;
    // The FAILED of before the restart, seen at once: not judged yet.
    assert.equal(followStep(restart, look(1_000, failed), times).next, "look");
    const step = followStep(restart, look(restartSettleMs + 15_000, failed), times);
    assert.equal(step.next, "end");
    assert.equal(said(step), "orders-sink failed again 20 s after restart (task 0).");
    const code = step.say?.parts.find((part) => part.kind === "code");
    assert.ok(code?.kind === "code");
    assert.match(code.text, /ConnectException: login failed/);
    assert.doesNotMatch(code.text, /hunter2/);
    assert.equal(step.say?.outcome, "failed");
    // Seen out of FAILED once, a failure right after is judged at once.
    const up = followStep(restart, look(500, { state: "RUNNING" }), times);
    assert.ok(up.next === "look");
    assert.equal(followStep(up.watch, look(1_500, failed), times).next, "end");
  });

  test("a restart of a source that holds ends after steadyFor; a deleted or halted connector ends the watch", () => {
    const { lines } = follow(restart, [look(15_000), look(60_000), look(5 * 60_000)]);
    assert.deepEqual(lines, ["orders-sink is still RUNNING 5 min after restart: it held."]);
    // A sink whose lag cannot be read never shows it caught up: no "held" at steadyFor, only maxFor ends it.
    assert.equal(followStep(reset, look(5 * 60_000, { sink: true }), times).next, "look");
    assert.match(
      said(followStep(reset, look(30 * 60_000, { sink: true }), times)) ?? "",
      /^Stopped watching orders-sink after 30 min: it is RUNNING\.$/,
    );
    // A restarted sink with nothing to read is not "caught up" at once: it has to hold.
    assert.equal(followStep(restart, look(15_000, { left: 0 }), times).next, "look");
    assert.equal(
      said(followStep(reset, look(15_000, { state: undefined }), times)),
      "orders-sink was deleted 15 s after the offsets reset: stopped watching it.",
    );
    assert.match(
      said(followStep(reset, look(15_000, { state: "STOPPED", left: 300 }), times)) ?? "",
      /is STOPPED 15 s after the offsets reset: nothing replays until it is resumed/,
    );
  });
});
