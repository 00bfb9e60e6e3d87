// needs: pure
/**
 * Slack's Block Kit, pinned by golden files: representative replies are rendered as the bot sends them and compared
 * with the JSON under test/golden/, so any change to what people see in Slack shows up as a diff in review.
 *
 * After a deliberate change to the rendering or the wording, rewrite the files and read the diff before committing:
 *   UPDATE_GOLDEN=1 npm test -- block-kit-golden
 * (Paste a file's `blocks` into Block Kit Builder to see it drawn.)
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { ApprovalRequest } from "../../approvals/approval-request.js";
import type { Alert } from "../../src/alerts/alert-store.js";
import { describeFailure } from "../../src/core/error-words.js";
import { errorReply, reply } from "../../src/core/reply.js";
import { commandAnswer } from "../../src/slack/slack-adapter.js";
import { alertMessage } from "../../src/slack/slack-alerts.js";
import { approvalContent } from "../../src/slack/slack-approvals.js";

const goldenDir = join(import.meta.dirname, "..", "golden");
const updating = process.env.UPDATE_GOLDEN === "1";

/** Compares `rendered` with test/golden/<name>.json, or (UPDATE_GOLDEN=1) writes it there. */
function assertGolden(name: string, rendered: unknown): void {
  const path = join(goldenDir, `${name}.json`);
  const text = `${JSON.stringify(rendered, null, 2)}\n`;
  if (updating) {
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(path, text);
    return;
  }
  let golden: string;
  try {
    golden = readFileSync(path, "utf8");
  } catch {
    assert.fail(`${path} is missing: run UPDATE_GOLDEN=1 npm test -- block-kit-golden and commit it`);
  }
  assert.deepEqual(JSON.parse(text), JSON.parse(golden), `${name}: the Block Kit differs from ${path}`);
}

const createdAt = Date.UTC(2026, 10, 29, 11, 50);

const pendingStop: ApprovalRequest = {
  id: "prod-17-k3mx",
  cluster: "prod",
  connector: "orders-sink",
  command: "stop",
  reason: "maintenance of the database <tonight> & tomorrow",
  requester: { id: "U0OTTO", name: "otto", source: "slack" },
  operation: { kind: "stop" },
  planSummary: "orders-sink is RUNNING with 3 task(s); it stops, keeping its offsets.",
  state: "pending",
  createdAt: new Date(createdAt).toISOString(),
  expiresAt: new Date(createdAt + 30 * 60_000).toISOString(),
  approversNeeded: 2,
  approvedBy: [{ id: "U0ANNA", name: "anna" }],
  requestId: "golden-1",
  channelId: "C0OPS",
};

const failedTask: Alert = {
  key: "prod/pg-sink/task-failed",
  cluster: "prod",
  connector: "pg-sink",
  rule: "task-failed",
  summary: "1 of 2 tasks FAILED (task 0)",
  details: ["task 0: org.apache.kafka.connect.errors.ConnectException: disk full & <no retry>"],
  value: 1,
  firedAt: createdAt,
  announcedValue: 1,
};

describe("Slack's Block Kit matches the golden files", () => {
  test("an approval request waiting for a second approver, with Approve and Deny", () => {
    assertGolden("approval-request", approvalContent(pendingStop));
  });

  test("a firing alert with its Snooze, Acknowledge, Restart and Offsets… buttons", () => {
    assertGolden("alert-firing", alertMessage([failedTask], createdAt + 5 * 60_000));
  });

  test("a long list: 150 connectors as a native data table (Slack shows 100 of them), with what was left out and how to page", () => {
    const rows = Array.from({ length: 150 }, (_, i) => [
      `orders-sink-${String(i).padStart(3, "0")}`,
      i % 7 === 0 ? "FAILED" : "RUNNING",
      `${(i * 37) % 1000}`,
    ]);
    const list = reply("150 of 412 connectors on prod", [
      { kind: "heading", text: "Connectors on prod" },
      {
        kind: "table",
        columns: ["connector", "state", "lag"],
        rows,
        omitted: {
          count: 262,
          hint: "narrow it with a pattern (`list orders-*`)",
          cursor: "orders-sink-149",
        },
      },
    ]);
    assertGolden("long-list", commandAnswer(list));
  });

  test("an error: Connect did not answer, in words, for the person who typed the command", () => {
    const words = describeFailure(
      {
        code: "CONNECT_UNAVAILABLE",
        cluster: "prod",
        url: "http://connect.prod:8083",
        operation: "GET /connectors/orders-sink/status",
        reason: "connect ECONNREFUSED",
        attempts: 3,
        waitedMs: 8000,
      },
      "golden-request-id",
    );
    assertGolden("error", commandAnswer(errorReply("failed", words.summary)));
  });
});
