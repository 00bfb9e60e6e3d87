/**
 * Renders the App Home tab's Block Kit (from `homeView`, the code the bot publishes) for a sample person to
 * docs/app-home.html, and to docs/app-home.png when headless Chromium is installed:
 * `npx tsx docs/render-app-home.ts`. The HTML is a plain approximation of Slack's look, block by block.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KnownBlock } from "@slack/web-api";
import type { ApprovalRequest } from "../approvals/approval-request.js";
import { homeView } from "../src/slack/app-home.js";

const now = Date.parse("2026-11-29T14:05:00Z");
const minutes = (n: number) => new Date(now + n * 60_000).toISOString();

function request(fields: Partial<ApprovalRequest> & Pick<ApprovalRequest, "id" | "connector" | "command">) {
  return {
    cluster: "prod",
    reason: "",
    requester: { id: "U0OTTO", name: "otto" },
    operation: { kind: "stop" },
    planSummary: "",
    state: "pending",
    createdAt: minutes(-5),
    expiresAt: minutes(25),
    approversNeeded: 1,
    approvedBy: [],
    requestId: "sample",
    ...fields,
  } satisfies ApprovalRequest;
}

const view = homeView({
  userId: "U0ANNA",
  now,
  waitingForYou: [
    request({
      id: "prod-41",
      connector: "orders-sink",
      command: "offsets reset",
      reason: "poison message at 10:02",
      operation: { kind: "reset-offsets" },
      planSummary: "orders:0  18,240 → 18,250  (skips 10)\norders:1  17,902 → 17,902",
    }),
    request({
      id: "prod-42",
      connector: "payments-sink",
      command: "stop",
      reason: "database migration",
      requester: { id: "U0PRIYA", name: "priya" },
      approversNeeded: 2,
      planSummary: "payments-sink RUNNING → STOPPED (offsets kept)",
      expiresAt: minutes(12),
    }),
  ],
  yourOpenRequests: [
    request({
      id: "prod-40",
      connector: "invoices-sink",
      command: "offsets set",
      reason: "replay yesterday's invoices",
      requester: { id: "U0ANNA", name: "anna" },
      state: "executing",
      step: "stopped",
      operation: { kind: "alter-offsets", offsets: [] },
      planSummary: "invoices:0  9,120 → 4,000  (replays 5,120)",
    }),
  ],
  alerts: [
    {
      key: "prod/orders-sink/lag-high",
      cluster: "prod",
      connector: "orders-sink",
      rule: "lag-high",
      summary: "lag 12,400 messages, 7 min behind",
      details: [],
      value: 12_400,
      firedAt: now - 9 * 60_000,
      announcedValue: 12_400,
    },
    {
      key: "staging/audit-sink/task-failed",
      cluster: "staging",
      connector: "audit-sink",
      rule: "task-failed",
      summary: "task 0 FAILED: org.apache.kafka.connect.errors.DataException",
      details: [],
      value: 1,
      firedAt: now - 42 * 60_000,
      announcedValue: 1,
    },
  ],
  roles: [
    { cluster: "prod", held: [{ role: "approver", connectors: ["payments-*"] }, { role: "viewer" }] },
    { cluster: "staging", held: [{ role: "viewer" }] },
    { cluster: "lab", held: [] },
  ],
});

/** Slack's mrkdwn, enough of it for these blocks: *bold*, `code`, ```preformatted```, line breaks. */
function mrkdwn(text: string): string {
  return text
    .replace(/```([\s\S]*?)```/g, "<pre>$1</pre>")
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*([^*\n]+)\*/g, "<b>$1</b>")
    .replace(/\n/g, "<br>");
}

function block(b: KnownBlock): string {
  switch (b.type) {
    case "header":
      return `<h2>${b.text.text}</h2>`;
    case "divider":
      return "<hr>";
    case "context":
      return `<p class="context">${b.elements.map((e) => ("text" in e ? mrkdwn(e.text) : "")).join(" ")}</p>`;
    case "section":
      return b.fields === undefined
        ? `<p>${mrkdwn(b.text?.text ?? "")}</p>`
        : `<div class="fields">${b.fields.map((f) => `<div>${mrkdwn(f.text)}</div>`).join("")}</div>`;
    case "actions":
      return `<div class="actions">${b.elements
        .map((e) =>
          "text" in e && e.type === "button"
            ? `<button type="button" class="${e.style ?? ""}">${e.text.text}</button>`
            : "",
        )
        .join("")}</div>`;
    default:
      return "";
  }
}

const html = `<!doctype html><meta charset="utf-8"><style>
body { font: 15px/1.46 "DejaVu Sans", Lato, sans-serif; color: #1d1c1d; margin: 0; background: #fff; }
.tabs { border-bottom: 1px solid #ddd; padding: 14px 28px 0; font-weight: bold; }
.tabs span { display: inline-block; padding-bottom: 8px; margin-right: 24px; color: #616061; }
.tabs span.on { color: #1d1c1d; border-bottom: 2px solid #1264a3; }
main { padding: 8px 28px 24px; width: 760px; }
h2 { font-size: 18px; margin: 16px 0 6px; }
p { margin: 6px 0; } .context { color: #616061; font-size: 13px; }
hr { border: 0; border-top: 1px solid #ddd; margin: 14px 0; }
code { font: 12px "DejaVu Sans Mono", monospace; background: #f4f4f4; border: 1px solid #ddd; border-radius: 3px; padding: 1px 3px; color: #c01343; }
pre { font: 12px "DejaVu Sans Mono", monospace; background: #f8f8f8; border: 1px solid #ddd; border-radius: 4px; padding: 8px; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 24px; margin: 6px 0; }
.actions button { font: bold 13px "DejaVu Sans", sans-serif; border-radius: 4px; padding: 6px 14px; margin: 4px 8px 8px 0; border: 1px solid #bbb; background: #fff; }
.actions button.primary { background: #007a5a; border-color: #007a5a; color: #fff; }
.actions button.danger { color: #e01e5a; border-color: #e01e5a; }
</style>
<div class="tabs"><span class="on">Home</span><span>Messages</span><span>About</span></div>
<main>${view.blocks.map(block).join("\n")}</main>`;

const dir = import.meta.dirname;
writeFileSync(join(dir, "app-home.html"), html);
try {
  execFileSync(
    "chromium",
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--hide-scrollbars",
      "--window-size=820,820",
      `--screenshot=${join(dir, "app-home.png")}`,
      `file://${join(dir, "app-home.html")}`,
    ],
    { stdio: "ignore" },
  );
  console.log("wrote docs/app-home.html and docs/app-home.png");
} catch {
  console.log("wrote docs/app-home.html (no headless chromium here for the PNG)");
}
