// needs: pure
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { summaryThread, threadReplies } from "../src/alerts/alert-replies.js";
import type { Alert } from "../src/alerts/alert-store.js";
import { renderBlocks } from "../src/slack/block-kit.js";
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

describe("a storm's summary and its thread stay inside Slack's limits at any size", () => {
  /** Slack's documented limits (50 blocks, 3,000 characters a section) and the ~12,000 of text it takes in all. */
  const assertFits = (blocks: readonly object[], what: string) => {
    assert.ok(blocks.length <= 50, `${what}: ${blocks.length} blocks`);
    assert.ok(blockText(blocks) <= 12_000, `${what}: ${blockText(blocks)} characters of block text`);
    for (const block of blocks) {
      const text = (block as { text?: { text?: string } }).text?.text ?? "";
      assert.ok(text.length <= 3_000, `${what}: a section of ${text.length} characters`);
    }
    assert.ok(!JSON.stringify(blocks).includes("Cut short"), `${what}: nothing cut`);
  };

  for (const size of [100, 1_000]) {
    it(`${size} failed sinks with 300-character names and long traces: one summary without buttons, every connector in the thread`, () => {
      const storm = Array.from({ length: size }, (_, i) => ({
        ...alert(i, `${"c".repeat(290)}-${String(i).padStart(5, "0")}`),
        summary: `3 of 3 tasks FAILED ${"(task 0, task 1, task 2) ".repeat(10)}`,
        inSummary: true as const,
      }));
      const { blocks, text } = alertMessage(storm);
      assertFits(blocks, "the summary");
      assert.ok(text.length <= 3_000);
      assert.match(
        JSON.stringify(blocks),
        new RegExp(`FIRING: task failed on ${size.toLocaleString("en-US")} connectors of prod`),
      );
      assert.ok(!blocks.some((block) => block.type === "actions"), "no buttons");
      const thread = summaryThread(storm);
      const rendered = thread.map((reply) => renderBlocks(reply));
      for (const [i, replyBlocks] of rendered.entries()) assertFits(replyBlocks, `thread reply ${i + 1}`);
      const all = JSON.stringify(rendered);
      for (const each of storm)
        assert.ok(all.includes(each.connector), `${each.connector.slice(-5)} in the thread`);
    });
  }

  it("a round's thread lines, however many, are replies that each fit", () => {
    const lines = Array.from({ length: 40 }, (_, i) => `${"n".repeat(590)} and 900 more: line ${i}`);
    const replies = threadReplies(lines);
    assert.ok(replies.length < lines.length, `${replies.length} replies for ${lines.length} lines`);
    for (const [i, reply] of replies.entries()) assertFits(renderBlocks(reply), `reply ${i + 1}`);
  });
});
