// needs: pure
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { alertReplies, alertSummary } from "../src/alerts/alert-replies.js";
import type { Alert } from "../src/alerts/alert-store.js";
import { renderText } from "../src/shell/render-text.js";
import { alertMessage } from "../src/slack/slack-alerts.js";

const firedAt = Date.UTC(2025, 0, 6, 9, 0);
const failed: Alert = {
  key: "prod/pg-sink/task-failed",
  cluster: "prod",
  connector: "pg-sink",
  rule: "task-failed",
  summary: "1 of 2 tasks FAILED (task 0)",
  details: ["task 0: org.apache.kafka.connect.errors.ConnectException: disk full"],
  value: 1,
  firedAt,
  announcedValue: 1,
  acknowledgedBy: { id: "U0OPER", name: "otto" },
};

describe("alert wording is built once, whatever shows it", () => {
  it("a firing alert says what, where, since when and who acknowledged it, with what can be done", () => {
    const message = alertReplies([failed], firedAt + 60_000);
    assert.equal(message.summary, "1 alert(s) firing: task failed: pg-sink on prod");
    const [only] = message.alerts;
    assert.ok(only);
    const text = renderText(only.reply);
    assert.match(text, /FIRING: task failed, pg-sink on prod: 1 of 2 tasks FAILED \(task 0\)/);
    assert.match(text, /disk full/);
    assert.match(text, /Firing since 09:00 UTC · acknowledged by otto\./);
    assert.deepEqual(
      only.actions.map((action) => action.label),
      ["Snooze 1h", "Snooze 4h", "Snooze 24h", "Restart failed tasks", "Offsets…"],
      "acknowledged already: no Acknowledge",
    );
  });

  it("Slack shows the same words, and the actions as buttons; a resolved alert offers none", () => {
    const firing = alertMessage([failed], firedAt + 60_000);
    assert.ok(JSON.stringify(firing.blocks).includes("FIRING: task failed, pg-sink on prod"));
    assert.deepEqual(
      firing.blocks.flatMap((block) =>
        block.type === "actions"
          ? block.elements.map((element) => "action_id" in element && element.action_id)
          : [],
      ),
      ["alert_snooze_1h", "alert_snooze_4h", "alert_snooze_24h", "alert_restart", "offsets-reset-open"],
    );
    const offsets = firing.blocks
      .flatMap((block) => (block.type === "actions" ? block.elements : []))
      .find((element) => "action_id" in element && element.action_id === "offsets-reset-open");
    assert.deepEqual(JSON.parse(offsets && "value" in offsets ? String(offsets.value) : "null"), [
      "prod",
      "pg-sink",
    ]);
    const resolved = alertReplies([{ ...failed, resolvedAt: firedAt + 120_000 }], firedAt + 180_000);
    assert.equal(resolved.summary, "Resolved: task failed: pg-sink on prod");
    assert.deepEqual(resolved.alerts[0]?.actions, []);
    assert.match(
      renderText(resolved.alerts[0]?.reply ?? assert.fail("no reply")),
      /Fired at 09:00 UTC, resolved at 09:02 UTC after 2 min\./,
    );
  });
});

describe("a storm's summary says how many fire, how many resolved, and how to act on one", () => {
  const storm = Array.from({ length: 100 }, (_, i) => ({
    ...failed,
    key: `prod/sink-${i}/task-failed`,
    connector: `sink-${i}`,
    acknowledgedBy: undefined,
    inSummary: true as const,
  })).map(({ acknowledgedBy, ...alert }) => alert);

  it("40 of 100 resolved: still FIRING with the count, the firing ones listed, the rest counted", () => {
    const partly = storm.map((alert, i) => (i < 40 ? { ...alert, resolvedAt: firedAt + 120_000 } : alert));
    const text = renderText(alertSummary(partly, firedAt + 180_000));
    assert.match(text, /FIRING: task failed on 60 of 100 connectors of prod \(40 resolved\)/);
    assert.match(text, /sink-40: 1 of 2 tasks FAILED/);
    assert.doesNotMatch(text, /sink-39:/, "a resolved one is not listed as firing");
    assert.match(text, /…and 30 more firing: `alerts` lists them\./);
    assert.match(text, /`alerts ack <connector>`/);
  });

  it("all resolved: RESOLVED with when, and nothing left to act on", () => {
    const text = renderText(
      alertSummary(
        storm.map((alert) => ({ ...alert, resolvedAt: firedAt + 300_000 })),
        firedAt + 360_000,
      ),
    );
    assert.match(text, /RESOLVED: task failed on 100 connectors of prod/);
    assert.match(text, /Started together at 09:00 UTC · all resolved by 09:05 UTC after 5 min\./);
    assert.doesNotMatch(text, /alerts ack/);
  });
});
