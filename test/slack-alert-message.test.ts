import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Alert } from "../src/alerts/alert-store.js";
import { alertMessage } from "../src/slack/slack-alerts.js";

const alert = (i: number, connector = `sink-${i}`): Alert => ({
  key: `prod/${connector}/task-failed`,
  cluster: "prod",
  connector,
  rule: "task-failed",
  summary: "3 of 3 tasks FAILED (task 0, task 1, task 2)",
  details: Array.from({ length: 15 }, (_, line) => `task ${line % 3}: ${"x".repeat(600)}`),
  value: 3,
  firedAt: 1_764_000_000_000,
  announcedValue: 3,
});

/** Characters of text across a message's blocks, as Slack totals them for msg_blocks_too_long. */
function blockText(blocks: readonly object[]): number {
  return (
    JSON.stringify(blocks)
      .match(/"text":"(?:[^"\\]|\\.)*"/g)
      ?.reduce((sum, text) => sum + text.length - 9, 0) ?? 0
  );
}

describe("alert messages stay inside Slack's limits", () => {
  it("a full group of failed sinks with long traces fits: blocks, text, unique block ids", () => {
    const { blocks, text } = alertMessage(Array.from({ length: 5 }, (_, i) => alert(i)));
    assert.ok(blocks.length <= 50, `${blocks.length} blocks`);
    assert.ok(blockText(blocks) < 12_000, `${blockText(blocks)} characters of block text`);
    assert.ok(text.length <= 3_000);
    const ids = blocks.flatMap((block) => ("block_id" in block && block.block_id ? [block.block_id] : []));
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.every((id) => id.length <= 255));
  });

  it("connector names too long for a block id still give distinct ids", () => {
    const long = "c".repeat(300);
    const { blocks } = alertMessage([alert(0, `${long}-a`), alert(1, `${long}-b`)]);
    const ids = blocks.flatMap((block) => ("block_id" in block && block.block_id ? [block.block_id] : []));
    assert.equal(new Set(ids).size, 2);
  });
});
