// needs: pure
/**
 * Moments in replies: Slack shows each with its date formatting (`<!date^…>`, so every reader sees their own time
 * zone, with UTC as the fallback text), the shell writes them in UTC. Each place that names a moment is checked in
 * both renderings, from the real reply builders and the real renderers.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ApprovalRequest } from "../../approvals/approval-request.js";
import { approvalMessage, outcomeReply, reminderWords } from "../../approvals/approval-words.js";
import { windowKind } from "../../approvals/kinds/window.js";
import { alertReplies } from "../../src/alerts/alert-replies.js";
import type { Alert } from "../../src/alerts/alert-store.js";
import type { LevelChange, MaintenanceWindow } from "../../src/core/ports.js";
import { inUtc, type Reply, reply } from "../../src/core/reply.js";
import { renderText } from "../../src/shell/render-text.js";
import { homeView } from "../../src/slack/app-home.js";
import { renderBlocks, slackTimed } from "../../src/slack/block-kit.js";
import { actor, fakeBot } from "./fakes.js";

/** What Slack is sent for `at`: its date formatting, the UTC words as the fallback. */
function slackDate(at: number, utcWords: string, clock = "{time}"): string {
  return `<!date^${at / 1000}^{date_short_pretty} ${clock}|${utcWords}>`;
}

/** Every text of the Block Kit Slack is sent for `said`. */
function slackText(said: Reply): string {
  return JSON.stringify(renderBlocks(said));
}

const now = Date.parse("2026-11-29T12:00:00Z");
const otto = actor("otto");

/** A stop request, asked at 11:50 and expiring at 12:20, in whatever state a test puts it. */
function stopRequest(changes: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    id: "prod-17-k3mx",
    cluster: "prod",
    connector: "orders-sink",
    command: "stop",
    reason: "database maintenance",
    requester: { id: "U0OTTO", name: "otto", source: "slack" },
    operation: { kind: "stop" },
    planSummary: "orders-sink stops, keeping its offsets.",
    state: "pending",
    createdAt: "2026-11-29T11:50:00.000Z",
    expiresAt: "2026-11-29T12:20:00.000Z",
    approversNeeded: 1,
    approvedBy: [],
    requestId: "moments-2",
    ...changes,
  };
}

describe("moments: in each reader's own zone in Slack, in UTC in the shell", () => {
  test("an approval request's Expires: the day and time", () => {
    const expires = Date.parse("2026-11-29T12:20:00Z");
    const request = stopRequest({ expiresAt: new Date(expires).toISOString() });
    const message = approvalMessage(request);
    assert.match(renderText(message), /^Expires: 2026-11-29 12:20 UTC$/m);
    assert.ok(slackText(message).includes(slackDate(expires, "2026-11-29 12:20 UTC")), slackText(message));
  });

  test("an approved window's from and until", () => {
    const from = Date.parse("2026-11-30T00:30:00Z");
    const until = Date.parse("2026-11-30T01:00:00Z");
    const parts = windowKind.outcomeParts(undefined as never, {
      kind: "window",
      window: "w1-abcd",
      action: "stop",
      connectors: ["orders"],
      from: new Date(from).toISOString(),
      until: new Date(until).toISOString(),
    });
    const outcome = reply("window", parts);
    assert.match(renderText(outcome), /^from: 2026-11-30 00:30 UTC\nuntil: 2026-11-30 01:00 UTC$/m);
    const slack = slackText(outcome);
    assert.ok(slack.includes(slackDate(from, "2026-11-30 00:30 UTC")), slack);
    assert.ok(slack.includes(slackDate(until, "2026-11-30 01:00 UTC")), slack);
  });

  test("a scheduled window's answer: both ends, typed in UTC", async () => {
    const bot = fakeBot({
      connect: {
        status: async (name) => ({
          name,
          connector: { state: "RUNNING", worker_id: "w:8083" },
          tasks: [],
          type: "sink",
        }),
      },
      windows: {
        newId: async () => "w1-abcd",
        schedule: async (window: Omit<MaintenanceWindow, "state">) => ({ ...window, state: "scheduled" }),
      },
    });
    const { reply: answer, text } = await bot.run(
      otto,
      'pause orders --from 00:30 --until 01:00 --reason "db migration"',
    );
    assert.equal(answer.outcome, "succeeded", text);
    assert.match(
      text,
      /from 2026-11-30 00:30 UTC until 2026-11-30 01:00 UTC \(typed times are read as UTC\)/,
    );
    assert.match(answer.summary, /from 2026-11-30 00:30 UTC until 2026-11-30 01:00 UTC/);
    const slack = slackText(answer);
    assert.ok(
      slack.includes(`from ${slackDate(Date.parse("2026-11-30T00:30:00Z"), "2026-11-30 00:30 UTC")}`),
      slack,
    );
    assert.ok(
      slack.includes(`until ${slackDate(Date.parse("2026-11-30T01:00:00Z"), "2026-11-30 01:00 UTC")}`),
      slack,
    );
  });

  test("loggers set: when the level goes back", async () => {
    const until = now + 30 * 60_000;
    const bot = fakeBot({
      logLevels: {
        set: async (input): Promise<LevelChange> => ({
          id: "log-7",
          cluster: input.cluster,
          logger: input.logger,
          level: input.level,
          worker: "http://connect-1:8083",
          before: { "http://connect-1:8083": "INFO" },
          scope: input.scope,
          until,
          reason: input.reason,
          by: { id: input.by.id, name: input.by.name },
          state: "open",
        }),
      },
    });
    const { reply: answer, text } = await bot.run(
      otto,
      'loggers set org.apache.kafka.connect DEBUG --for 30m --reason "slow commits"',
    );
    assert.equal(answer.outcome, "succeeded", text);
    assert.match(text, /it goes back to INFO at 12:30 UTC \(log-7\)\./);
    assert.match(answer.summary, /it goes back to INFO at 12:30 UTC \(log-7\)\./);
    const slack = slackText(answer);
    assert.ok(slack.includes(`goes back to INFO at ${slackDate(until, "12:30 UTC")} (log-7).`), slack);
  });

  test("whoami: since when a user group could not be read", async () => {
    const since = Date.parse("2026-11-29T11:42:00Z");
    const bot = fakeBot(
      {},
      {
        identity: {
          roleOf: async () => "viewer",
          unreadableGroups: () => [{ id: "S0ORDERS", reason: "fatal_error", gone: false, since }],
        },
      },
    );
    const { reply: answer, text } = await bot.run(otto, "whoami");
    assert.match(text, /User group S0ORDERS could not be read \(fatal_error, since 11:42 UTC\)/);
    const slack = slackText(answer);
    assert.ok(slack.includes(`(fatal_error, since ${slackDate(since, "11:42 UTC")})`), slack);
  });

  test("a flapping alert: fired N times since its first start", () => {
    const firedAt = Date.parse("2026-11-29T09:00:00Z");
    const lastFiredAt = Date.parse("2026-11-29T11:10:00Z");
    const alert: Alert = {
      key: "prod/pg-sink/task-failed",
      cluster: "prod",
      connector: "pg-sink",
      rule: "task-failed",
      summary: "1 of 2 tasks FAILED (task 0)",
      details: [],
      value: 1,
      firedAt,
      lastFiredAt,
      flaps: 2,
      announcedValue: 1,
    };
    const [firing] = alertReplies([alert], now).alerts;
    assert.ok(firing !== undefined);
    assert.match(
      renderText(firing.reply),
      /Firing again since 11:10 UTC, flapping: fired 3 times since 09:00 UTC\./,
    );
    const slack = slackText(firing.reply);
    assert.ok(slack.includes(`flapping: fired 3 times since ${slackDate(firedAt, "09:00 UTC")}.`), slack);

    const [resolved] = alertReplies([{ ...alert, resolvedAt: now }], now).alerts;
    assert.ok(resolved !== undefined);
    assert.match(
      renderText(resolved.reply),
      /Flapping: fired 3 times since 09:00 UTC; resolved again at 12:00 UTC\./,
    );
    assert.ok(
      slackText(resolved.reply).includes(
        `Flapping: fired 3 times since ${slackDate(firedAt, "09:00 UTC")}; resolved`,
      ),
    );
  });

  test("App Home: when it was drawn", () => {
    const view = homeView({
      userId: "U0OTTO",
      waitingForYou: [],
      yourOpenRequests: [],
      alerts: [],
      roles: [],
      now,
    });
    const text = JSON.stringify(view.blocks);
    assert.ok(text.includes(`updated ${slackDate(now, "12:00 UTC")}.`), text);
  });

  test("an approval request's state line: when it was decided, set back, withdrawn by a rule, or expired", () => {
    const decidedAt = "2026-11-29T11:55:09.000Z";
    const vera = { id: "U0VERA", name: "vera", source: "slack" as const };
    const cases: [ApprovalRequest, string, RegExp, string][] = [
      [
        stopRequest({ state: "executing", decidedAt, approvedBy: [vera] }),
        decidedAt,
        /\(Approved by vera at 11:55:09 UTC; running\.\)/,
        "Approved by vera at ",
      ],
      [
        stopRequest({ state: "denied", decidedAt, decidedBy: vera, decisionNote: "not tonight" }),
        decidedAt,
        /\(Denied by vera at 11:55:09 UTC: not tonight\.\)/,
        "Denied by vera at ",
      ],
      [
        stopRequest({ state: "expired" }),
        "2026-11-29T12:20:00.000Z",
        /\(Expired at 12:20 UTC: nobody decided in time\./,
        "Expired at ",
      ],
      [
        stopRequest({
          ruleWithdrawn: {
            rule: "small-stops",
            why: "the connector is shared.",
            at: "2026-11-29T11:58:07.000Z",
          },
        }),
        "2026-11-29T11:58:07.000Z",
        /\(Approved by rule small-stops, then back to waiting at 11:58:07 UTC: the connector is shared\. /,
        "then back to waiting at ",
      ],
      [
        stopRequest({
          setBacks: [
            { at: "2026-11-29T11:59:01.000Z", dropped: [{ person: vera, why: "no longer an approver" }] },
          ],
        }),
        "2026-11-29T11:59:01.000Z",
        /\(Back to waiting at 11:59:01 UTC, when the change was about to run: vera's approval no longer counts/,
        "Back to waiting at ",
      ],
    ];
    for (const [request, iso, shell, before] of cases) {
      const message = approvalMessage(request);
      assert.match(renderText(message), shell);
      const at = Date.parse(iso);
      const utcWords = shell.source.match(/\d\d:\d\d(:\d\d)? UTC/)?.[0] ?? assert.fail(shell.source);
      const clock = utcWords.length > 9 ? "{time_secs}" : "{time}";
      const slack = slackText(message);
      assert.ok(slack.includes(`${before}${slackDate(at, utcWords, clock)}`), slack);
    }
  });

  test("a reminder, an escalation and a nudge: when the request expires", () => {
    const expires = Date.parse("2026-11-29T12:20:00Z");
    for (const kind of ["reminder", "escalation", "nudge"] as const) {
      const words = reminderWords(stopRequest(), { kind, approvers: [], waitedMs: 10 * 60_000 });
      assert.match(inUtc(words), /; it expires at 12:20 UTC\. No approver is configured/);
      const slack = slackTimed(words);
      assert.ok(slack.includes(`; it expires at ${slackDate(expires, "12:20 UTC")}. No approver`), slack);
    }
  });

  test("a bulk preview: until when its Confirm holds", async () => {
    const listed = (name: string) => ({
      name,
      type: "sink" as const,
      config: {},
      state: "RUNNING" as const,
      workerId: "w1:8083",
      tasks: [{ id: 0, state: "RUNNING" as const, worker_id: "w1:8083" }],
    });
    const bot = fakeBot({
      connect: { listConnectors: async () => [listed("orders-a"), listed("orders-b")] },
      bulkPreviews: { save: async () => undefined },
    });
    const { reply: answer, text } = await bot.run(otto, 'pause "orders-*"');
    assert.equal(answer.outcome, "succeeded", text);
    assert.match(text, /not on a connector that matches later; good until 12:15 UTC \(digest [0-9a-f]+\)\./);
    const slack = slackText(answer);
    assert.ok(slack.includes(`good until ${slackDate(now + 15 * 60_000, "12:15 UTC")} (digest `), slack);
  });

  test("a source's offsets set: since when they moved, in its state line and its done message", () => {
    const partition = { filename: "/data/orders.txt" };
    const done = stopRequest({
      command: "offsets set",
      operation: { kind: "alter-offsets", offsets: [{ partition, offset: { position: 19 } }] },
      state: "succeeded",
      decidedAt: "2026-11-29T11:52:00.000Z",
      finishedAt: "2026-11-29T11:53:00.000Z",
      approvedBy: [{ id: "U0VERA", name: "vera", source: "slack" }],
      previewOffsets: [{ partition, offset: { position: 14 } }],
      snapshot: [{ partition, offset: { position: 17 } }],
      resolved: { offsets: [{ partition, offset: { position: 19 } }] },
    });
    const preview = Date.parse(done.createdAt);
    const slackWords = `had moved since the preview at ${slackDate(preview, "11:50:00 UTC", "{time_secs}")}: `;
    for (const said of [approvalMessage(done), outcomeReply(done)]) {
      assert.match(
        renderText(said),
        /had moved since the preview at 11:50:00 UTC: \{"filename":"\/data\/orders\.txt"\}/,
      );
      assert.ok(slackText(said).includes(slackWords), slackText(said));
    }
    assert.match(outcomeReply(done).summary, /had moved since the preview at 11:50:00 UTC: /);
  });

  test("a sink's offsets reset: what the preview said, and when", () => {
    const move = { partition: "orders:0", before: 40, after: 10, replay: 30, skip: 0 };
    const done = stopRequest({
      command: "offsets reset",
      operation: { kind: "sink-offsets", target: { kind: "shift", by: -30 } },
      state: "succeeded",
      decidedAt: "2026-11-29T11:52:00.000Z",
      finishedAt: "2026-11-29T11:53:00.000Z",
      approvedBy: [{ id: "U0VERA", name: "vera", source: "slack" }],
      preview: [move],
      resolved: { offsets: null, moves: [move] },
    });
    const slackWords = `(the preview at ${slackDate(Date.parse(done.createdAt), "11:50:00 UTC", "{time_secs}")} said 30 and 0).`;
    for (const said of [approvalMessage(done), outcomeReply(done)]) {
      assert.match(
        renderText(said),
        /Replayed 30, skipped 0 over 1 partition\(s\) \(the preview at 11:50:00 UTC said 30 and 0\)\. The offsets had not moved/,
      );
      assert.ok(slackText(said).includes(slackWords), slackText(said));
    }
  });
});
