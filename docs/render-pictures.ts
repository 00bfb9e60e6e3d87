/**
 * The README's pictures and paste-ready Block Kit, from the code the bot sends (never a copy of it), for sample data:
 * App Home (`homeView`), an approval request (`approvalContent`), a lag alert with the chart its thread opens with
 * (`alertMessage`, `lagChartReply`, rendered by `renderBlocks`), the offsets reset modal (`offsetsResetForm`) and
 * `list` as a data table (the command's own reply, rendered by `commandAnswer`).
 *
 * `npx tsx docs/render-pictures.ts` writes docs/block-kit/*.json (paste one into Block Kit Builder,
 * app.slack.com/block-kit-builder) and docs/*.html, and screenshots each page to docs/*.png with headless Chromium
 * where it is installed. The HTML is a plain approximation of Slack's look, block by block; a `data_visualization`
 * line chart is drawn as SVG from the block's own series and categories.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KnownBlock } from "@slack/web-api";
import type { ApprovalRequest } from "../approvals/approval-request.js";
import { list } from "../commands/list.js";
import type { Alert } from "../src/alerts/alert-store.js";
import { lagChartReply } from "../src/alerts/lag-chart.js";
import type { CommandContext } from "../src/core/command-spec.js";
import type { ConnectorOverview, ConnectorSample } from "../src/core/ports.js";
import { homeView } from "../src/slack/app-home.js";
import { renderBlocks } from "../src/slack/block-kit.js";
import { offsetsResetForm } from "../src/slack/modals/offsets-reset-modal.js";
import type { SlackBlock } from "../src/slack/native-blocks.js";
import { commandAnswer } from "../src/slack/slack-adapter.js";
import { alertMessage } from "../src/slack/slack-alerts.js";
import { approvalContent } from "../src/slack/slack-approvals.js";

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

const approval = approvalContent(
  request({
    id: "prod-41-k3mx",
    connector: "orders-sink",
    command: "offsets reset",
    reason: "poison message at orders:0 offset 18,240",
    operation: { kind: "reset-offsets" },
    approversNeeded: 1,
    planSummary: [
      "orders-sink (sink) on prod: --to-offset 18250, as of 14:00:12 UTC (resolved again when it runs).",
      "topic   partition  current  new     change",
      "orders  0          18,240   18,250  skips 10",
      "orders  1          17,902   17,902  —",
      "It is STOPPED first, then the offsets change, then it is RUNNING again.",
    ].join("\n"),
  }),
);

const lagAlert: Alert = {
  key: "prod/orders-sink/lag-high",
  cluster: "prod",
  connector: "orders-sink",
  rule: "lag-high",
  summary: "lag 12,400 messages, 7 min behind (threshold 10,000 for 5 min)",
  details: [],
  value: 12_400,
  firedAt: now - 9 * 60_000,
  announcedValue: 12_400,
};
/** A sink falling behind over the 30 samples (15 min at 30 s polls) the alert history holds. */
const history: ConnectorSample[] = Array.from({ length: 30 }, (_, i) => {
  const at = now - (29 - i) * 30_000;
  const lag = Math.round(900 + 400 * i + 60 * Math.sin(i / 2) + (i > 20 ? 180 * (i - 20) : 0));
  return {
    at,
    state: "RUNNING",
    type: "sink",
    tasks: [{ id: 0, state: "RUNNING" }],
    underApprovedOperation: false,
    partitions: [
      {
        topic: "orders",
        partition: 0,
        committed: 100_000,
        logStart: 0,
        logEnd: 100_000 + lag,
        oldestUnreadAt: at - (lag / 12_400) * 7 * 60_000,
      },
    ],
  };
});
const chartReply = lagChartReply(lagAlert, history);
if (chartReply === undefined) throw new Error("the sample history draws no lag chart");
const alert = alertMessage([lagAlert], now);
const chartThread = { text: chartReply.summary, blocks: renderBlocks(chartReply) };

const modal = offsetsResetForm({ connector: ["prod", "orders-sink"] });

const states = [
  "RUNNING",
  "RUNNING",
  "RUNNING",
  "PAUSED",
  "RUNNING",
  "FAILED",
  "RUNNING",
  "STOPPED",
] as const;
const connectors: ConnectorOverview[] = Array.from({ length: 24 }, (_, i) => {
  const state = states[i % states.length] ?? "RUNNING";
  const names = ["orders", "payments", "invoices", "audit", "shipping", "refunds"];
  return {
    name: `${names[i % names.length]}-${i < 12 ? "sink" : "source"}${i % 12 >= 6 ? "-eu" : ""}`,
    type: i < 12 ? "sink" : "source",
    config: {},
    state,
    workerId: `connect-${(i % 3) + 1}:8083`,
    tasks: Array.from({ length: (i % 3) + 1 }, (_, id) => ({
      id,
      state: state === "FAILED" && id === 0 ? "FAILED" : state,
      worker_id: `connect-${((i + id) % 3) + 1}:8083`,
    })),
  };
});
// `list` reads only its cluster's connectors and the viewer's scope: the rest of a command's context is unused.
const listContext = {
  cluster: { name: "prod", isDefault: true, connect: { listConnectors: async () => connectors } },
  requestId: "docs",
  scopeOn: async () => ({ sees: () => true }),
} as unknown as CommandContext;
const listRun = list.prepare({});
if ("error" in listRun) throw new Error(listRun.error);
const listed = commandAnswer(await listRun.run(listContext));
const listBlocks = (listed as { blocks?: SlackBlock[] }).blocks ?? [];

const escapeHtml = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/**
 * Slack's mrkdwn, enough of it for these blocks: *bold*, `code`, ```preformatted```, line breaks, and a date
 * (`<!date^…|fallback>`), shown as its fallback (the picture's reader is in UTC). The text is already escaped as
 * Slack wants it (`&amp;`, `&lt;`, `&gt;`), which is HTML too.
 */
function mrkdwn(text: string): string {
  return text
    .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, '<span class="date">$1</span>')
    .replace(/```([\s\S]*?)```/g, "<pre>$1</pre>")
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*([^*\n]+)\*/g, "<b>$1</b>")
    .replace(/\n(?![^<]*<\/pre>)/g, "<br>");
}

type InputBlock = Extract<KnownBlock, { type: "input" }>;

/** An input's element as Slack draws it, empty or with its initial choice. */
function inputElement(element: InputBlock["element"]): string {
  const placeholder =
    "placeholder" in element && element.placeholder !== undefined ? element.placeholder.text : "";
  switch (element.type) {
    case "external_select":
    case "static_select": {
      const chosen = element.initial_option?.text.text;
      return `<div class="select${chosen === undefined ? " empty" : ""}">${escapeHtml(chosen ?? (placeholder || "Select an item"))}<span>⌄</span></div>`;
    }
    case "datetimepicker":
      return '<div class="pickers"><div class="select empty">Select a date</div><div class="select empty">Select time</div></div>';
    case "plain_text_input":
      return `<div class="text${element.multiline === true ? " multiline" : ""}">${escapeHtml(placeholder)}</div>`;
    default:
      return "";
  }
}

/** A `data_visualization` line chart as SVG: its series over its categories, y from 0, a legend, its axis titles. */
function lineChart(chart: Extract<SlackBlock, { type: "data_visualization" }>): string {
  const width = 700;
  const height = 260;
  const left = 64;
  const right = 16;
  const top = 16;
  const bottom = 52;
  const { categories } = chart.chart.axis_config;
  const values = chart.chart.series.flatMap((s) => s.data.map((d) => d.value));
  const step = niceStep(Math.max(1, ...values) / 4);
  const yMax = Math.max(step, Math.ceil(Math.max(...values) / step) * step);
  const x = (i: number) => left + (i * (width - left - right)) / Math.max(1, categories.length - 1);
  const y = (v: number) => top + (1 - v / yMax) * (height - top - bottom);
  const colours = ["#1264a3", "#e8912d", "#2bac76", "#e01e5a", "#8b50c8", "#616061"];
  const grid = Array.from({ length: Math.round(yMax / step) + 1 }, (_, k) => k * step)
    .map(
      (v) =>
        `<line x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}" stroke="#e8e8e8"/><text x="${left - 8}" y="${y(v) + 4}" text-anchor="end">${v.toLocaleString("en")}</text>`,
    )
    .join("");
  const labelEvery = Math.ceil(categories.length / 7);
  // Every few categories, and the last, at the chart's right edge; one too close to the last is left out.
  const last = categories.length - 1;
  const xLabels = categories
    .map((label, i) =>
      i === last || (i % labelEvery === 0 && last - i >= labelEvery)
        ? `<text x="${x(i)}" y="${height - bottom + 18}" text-anchor="${i === last ? "end" : "middle"}">${escapeHtml(label)}</text>`
        : "",
    )
    .join("");
  const lines = chart.chart.series
    .map((s, n) => {
      const colour = colours[n % colours.length];
      const points = s.data.map((d, i) => `${x(i).toFixed(1)},${y(d.value).toFixed(1)}`).join(" ");
      const dots = s.data
        .map(
          (d, i) =>
            `<circle cx="${x(i).toFixed(1)}" cy="${y(d.value).toFixed(1)}" r="2.5" fill="${colour}"/>`,
        )
        .join("");
      return `<polyline points="${points}" fill="none" stroke="${colour}" stroke-width="2"/>${dots}`;
    })
    .join("");
  const legend = chart.chart.series
    .map(
      (s, n) => `<span><i style="background:${colours[n % colours.length]}"></i>${escapeHtml(s.name)}</span>`,
    )
    .join("");
  const yTitle = chart.chart.axis_config.y_label ?? "";
  const xTitle = chart.chart.axis_config.x_label ?? "";
  return `<figure class="chart"><figcaption>${escapeHtml(chart.title)}</figcaption>
<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${grid}${xLabels}${lines}
<text x="${(left + width - right) / 2}" y="${height - 8}" text-anchor="middle" class="axis">${escapeHtml(xTitle)}</text>
<text x="14" y="${(top + height - bottom) / 2}" text-anchor="middle" class="axis" transform="rotate(-90 14 ${(top + height - bottom) / 2})">${escapeHtml(yTitle)}</text></svg>
<div class="legend">${legend}</div></figure>`;
}

/** 1, 2 or 5 times a power of ten, at least `rough`: round gridlines. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  return ([1, 2, 5, 10].find((m) => m * power >= rough) ?? 10) * power;
}

/** A `data_table`'s first page, as Slack shows it (sortable headers, then the pager). */
function dataTable(table: Extract<SlackBlock, { type: "data_table" }>): string {
  const [head = [], ...rows] = table.rows;
  const cell = (c: (typeof head)[number]) => escapeHtml("text" in c ? String(c.text) : "");
  const page = rows.slice(0, table.page_size ?? rows.length);
  const numeric = head.map((_, i) => rows.every((row) => row[i]?.type === "raw_number"));
  return `<div class="table"><p class="caption">${escapeHtml(table.caption ?? "")}</p><table>
<tr>${head.map((c) => `<th>${cell(c)} <span>⇅</span></th>`).join("")}</tr>
${page.map((row) => `<tr>${row.map((c, i) => `<td${numeric[i] ? ' class="num"' : ""}>${cell(c)}</td>`).join("")}</tr>`).join("\n")}
</table><p class="pager">1–${page.length} of ${rows.length} <span>‹ ›</span></p></div>`;
}

function block(b: SlackBlock): string {
  switch (b.type) {
    case "header":
      return `<h2>${escapeHtml(b.text.text)}</h2>`;
    case "divider":
      return "<hr>";
    case "context":
      return `<p class="context">${b.elements.map((e) => ("text" in e ? mrkdwn(e.text) : "")).join(" ")}</p>`;
    case "section":
      return b.fields === undefined
        ? `<div class="section">${mrkdwn(b.text?.text ?? "")}</div>`
        : `<div class="fields">${b.fields.map((f) => `<div>${mrkdwn(f.text)}</div>`).join("")}</div>`;
    case "actions":
      return `<div class="actions">${b.elements
        .map((e) =>
          "text" in e && e.type === "button"
            ? `<button type="button" class="${e.style ?? ""}">${escapeHtml(e.text.text)}</button>`
            : "",
        )
        .join("")}</div>`;
    case "input":
      return `<div class="input"><label>${escapeHtml(b.label.text)}${b.optional === true ? ' <span class="optional">(optional)</span>' : ""}</label>
${inputElement(b.element)}${b.hint === undefined ? "" : `<p class="hint">${escapeHtml(b.hint.text)}</p>`}</div>`;
    case "data_visualization":
      return lineChart(b);
    case "data_table":
      return dataTable(b);
    default:
      return "";
  }
}

const style = `<style>
body { font: 15px/1.46 "DejaVu Sans", Lato, sans-serif; color: #1d1c1d; margin: 0; background: #fff; }
.tabs { border-bottom: 1px solid #ddd; padding: 14px 28px 0; font-weight: bold; }
.tabs span { display: inline-block; padding-bottom: 8px; margin-right: 24px; color: #616061; }
.tabs span.on { color: #1d1c1d; border-bottom: 2px solid #1264a3; }
main { padding: 8px 28px 24px; width: 760px; }
h2 { font-size: 18px; margin: 16px 0 6px; }
p { margin: 6px 0; } .context { color: #616061; font-size: 13px; } .section { margin: 6px 0; }
hr { border: 0; border-top: 1px solid #ddd; margin: 14px 0; }
code { font: 12px "DejaVu Sans Mono", monospace; background: #f4f4f4; border: 1px solid #ddd; border-radius: 3px; padding: 1px 3px; color: #c01343; }
pre { font: 12px "DejaVu Sans Mono", monospace; background: #f8f8f8; border: 1px solid #ddd; border-radius: 4px; padding: 8px; white-space: pre-wrap; }
.date { color: #1264a3; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 24px; margin: 6px 0; }
.actions button { font: bold 13px "DejaVu Sans", sans-serif; border-radius: 4px; padding: 6px 14px; margin: 4px 8px 8px 0; border: 1px solid #bbb; background: #fff; }
.actions button.primary { background: #007a5a; border-color: #007a5a; color: #fff; }
.actions button.danger { color: #e01e5a; border-color: #e01e5a; }
.message { display: grid; grid-template-columns: 44px 1fr; gap: 0 10px; padding: 12px 20px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #1264a3; color: #fff; font-weight: bold; text-align: center; line-height: 36px; }
.who b { margin-right: 6px; } .who .app { font-size: 10px; background: #e8e8e8; color: #616061; padding: 1px 4px; border-radius: 2px; margin-right: 6px; }
.who .time { color: #616061; font-size: 12px; }
.thread { border-top: 1px solid #ddd; margin-top: 6px; padding-top: 4px; }
.thread-title { padding: 12px 20px 0; font-weight: bold; } .thread-title span { color: #616061; font-weight: normal; font-size: 13px; }
.chart { margin: 10px 0; border: 1px solid #ddd; border-radius: 8px; padding: 10px 12px; width: 700px; }
.chart figcaption { font-weight: bold; margin-bottom: 4px; } .chart svg text { font: 11px "DejaVu Sans", sans-serif; fill: #616061; }
.chart svg text.axis { font-size: 12px; fill: #1d1c1d; }
.legend { font-size: 12px; color: #616061; } .legend span { margin-right: 14px; } .legend i { display: inline-block; width: 12px; height: 3px; margin: 0 6px 3px 0; }
.table { border: 1px solid #ddd; border-radius: 8px; padding: 8px 12px; margin: 8px 0; }
.table table { border-collapse: collapse; width: 100%; font-size: 13px; } .table th { text-align: left; border-bottom: 1px solid #ddd; padding: 4px 8px; white-space: nowrap; }
.table th span { color: #bbb; font-weight: normal; } .table td { padding: 4px 8px; border-bottom: 1px solid #f2f2f2; } .table td.num { text-align: right; }
.table .caption { font-weight: bold; } .pager { text-align: right; color: #616061; font-size: 12px; } .pager span { margin-left: 12px; color: #1d1c1d; }
.modal-back { background: #5a5a5a; padding: 24px; }
.modal { background: #fff; border-radius: 8px; width: 520px; margin: 0 auto; box-shadow: 0 4px 16px rgba(0,0,0,.4); }
.modal header { font-size: 20px; font-weight: bold; padding: 18px 24px; border-bottom: 1px solid #ddd; }
.modal .blocks { padding: 4px 24px 8px; } .modal footer { border-top: 1px solid #ddd; padding: 14px 24px; text-align: right; }
.modal footer button { font: bold 14px "DejaVu Sans", sans-serif; border-radius: 4px; padding: 7px 16px; margin-left: 8px; border: 1px solid #bbb; background: #fff; }
.modal footer button.primary { background: #007a5a; border-color: #007a5a; color: #fff; }
.input { margin: 14px 0; } .input label { font-weight: bold; display: block; margin-bottom: 6px; } .optional { color: #616061; font-weight: normal; }
.select, .text { border: 1px solid #bbb; border-radius: 4px; padding: 7px 10px; } .select span { float: right; color: #616061; }
.empty, .text { color: #8a8a8a; } .multiline { height: 56px; } .pickers { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.hint { color: #616061; font-size: 13px; }
</style>`;

/** A message as the bot posts it: its avatar, name and time, then its blocks. */
function message(blocks: readonly SlackBlock[], at = "14:05"): string {
  return `<div class="message"><div class="avatar">co</div><div><div class="who"><b>connect-ops</b><span class="app">APP</span><span class="time">${at}</span></div>
${blocks.map(block).join("\n")}</div></div>`;
}

const pages: Record<string, { html: string; width: number; height: number }> = {
  "app-home": {
    html: `<div class="tabs"><span class="on">Home</span><span>Messages</span><span>About</span></div>
<main>${view.blocks.map(block).join("\n")}</main>`,
    width: 820,
    height: 820,
  },
  "approval-request": { html: message(approval.blocks), width: 820, height: 380 },
  "alert-with-chart": {
    html: `${message(alert.blocks)}<div class="thread"><p class="thread-title">Thread <span>#alerts</span></p>${message(chartThread.blocks)}</div>`,
    width: 820,
    height: 960,
  },
  "offsets-reset-modal": {
    html: `<div class="modal-back"><div class="modal"><header>${escapeHtml(modal.title.text)}</header>
<div class="blocks">${modal.blocks.map((b) => block(b as SlackBlock)).join("\n")}</div>
<footer><button type="button">${escapeHtml(modal.close?.text ?? "Cancel")}</button><button type="button" class="primary">${escapeHtml(modal.submit?.text ?? "Submit")}</button></footer></div></div>`,
    width: 620,
    height: 900,
  },
};

const dir = import.meta.dirname;
const blockKit = join(dir, "block-kit");
mkdirSync(blockKit, { recursive: true });
const json = (name: string, value: unknown) =>
  writeFileSync(join(blockKit, `${name}.json`), `${JSON.stringify(value, null, 2)}\n`);
json("offsets-reset-modal", modal);
// Block Kit Builder draws one message: the alert, then the first reply of its thread (the chart) below it.
json("alert-with-chart", { blocks: [...alert.blocks, { type: "divider" }, ...chartThread.blocks] });
json("list-data-table", { blocks: listBlocks });
console.log("wrote docs/block-kit/offsets-reset-modal.json, alert-with-chart.json, list-data-table.json");

for (const [name, page] of Object.entries(pages)) {
  const html = join(dir, `${name}.html`);
  writeFileSync(html, `<!doctype html><meta charset="utf-8">${style}\n${page.html}`);
  try {
    execFileSync(
      "chromium",
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        `--window-size=${page.width},${page.height}`,
        `--screenshot=${join(dir, `${name}.png`)}`,
        `file://${html}`,
      ],
      { stdio: "ignore" },
    );
    console.log(`wrote docs/${name}.html and docs/${name}.png`);
  } catch {
    console.log(`wrote docs/${name}.html (no headless chromium here for the PNG)`);
  }
}
