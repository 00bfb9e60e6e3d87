import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { alertReplies } from "../src/alerts/alert-replies.js";
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
      ["Snooze 1h", "Snooze 4h", "Snooze 24h", "Restart failed tasks"],
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
      ["alert_snooze_1h", "alert_snooze_4h", "alert_snooze_24h", "alert_restart"],
    );
    const resolved = alertReplies([{ ...failed, resolvedAt: firedAt + 120_000 }]);
    assert.equal(resolved.summary, "Resolved: task failed: pg-sink on prod");
    assert.deepEqual(resolved.alerts[0]?.actions, []);
    assert.match(
      renderText(resolved.alerts[0]?.reply ?? assert.fail("no reply")),
      /Fired at 09:00 UTC, resolved at 09:02 UTC after 2 min\./,
    );
  });
});
