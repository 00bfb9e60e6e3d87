import type { RespondFn } from "@slack/bolt";
import type {
  ActionsBlock,
  Button,
  ContextBlock,
  DataTableBlock,
  KnownBlock,
  SectionBlock,
} from "@slack/web-api";
import { chartInWords } from "../core/chart-words.js";
import { cutText, splitText } from "../core/cut-text.js";
import { utcClock } from "../core/duration.js";
import { redactDeep } from "../core/redact.js";
import { type Reply, type ReplyAction, type ReplyPart, type ReplyTime, utcMoment } from "../core/reply.js";
import { alignColumns } from "../shell/render-text.js";
import {
  chartBlock,
  type DataVisualizationBlock,
  dataTableAbove,
  dataTableBlock,
  isNativeBlock,
  nativeLimits,
  type SlackBlock,
} from "./native-blocks.js";

/**
 * Slack's limits: 50 blocks a message, 3,000 characters a section, 150 a header, 10 fields of 2,000, 75 a button's
 * text.
 */
const maxBlocks = 50;
const maxSection = 3000;
const maxHeader = 150;
const maxFields = 10;
const maxField = 2000;
const maxButtonText = 75;

/**
 * Monospace characters a phone shows on one line of a code block: a wider table is written as a list instead, so
 * nobody scrolls sideways.
 */
const phoneWidth = 44;

/**
 * An answer through a response_url (Bolt's `respond`), redacted like every message the Web API client sends; one
 * Slack refuses for its native data blocks is sent again without them (see {@link withoutNativeBlocks}).
 */
export function redactingRespond(respond: RespondFn): RespondFn {
  return async (message) => {
    const redacted = redactDeep(message);
    const answer = await respond(redacted);
    if (typeof redacted === "string" || !("blocks" in redacted) || redacted.blocks === undefined)
      return answer;
    if (!refusedNativeBlocks(answer, redacted.blocks)) return answer;
    return respond({ ...redacted, blocks: withoutNativeBlocks(redacted.blocks) });
  };
}

/** A response_url answers `{ ok: false, error: "invalid_blocks" }` (or says it in plain text) for blocks it refuses. */
function refusedNativeBlocks(answer: unknown, blocks: readonly { type: string }[] | undefined): boolean {
  if (!(blocks ?? []).some(isNativeBlock)) return false;
  const data = (answer as { data?: unknown } | undefined)?.data;
  const said = typeof data === "string" ? data : JSON.stringify(data ?? "");
  if (!said.includes("invalid_blocks")) return false;
  warnNativeFallbackOnce();
  return true;
}

let warnedNativeFallback = false;

/**
 * Said once a process: Slack refused a native data block (a workspace or client without data tables and charts),
 * and the bot now sends such messages as text. Once, because every later message would say it again.
 */
export function warnNativeFallbackOnce(): void {
  if (warnedNativeFallback) return;
  warnedNativeFallback = true;
  process.emitWarning(
    "Slack refused a native data block (invalid_blocks): this workspace does not take data_table or data_visualization yet; such messages are sent again with their tables and charts as text.",
    { code: "SLACK_NATIVE_BLOCKS_REFUSED" },
  );
}

/**
 * The same blocks with every native data block (`data_table`, `data_visualization`) written as the text the bot
 * sends where it draws none: tables as a monospace table or a list, charts as a table of their moments. For a
 * workspace that refuses them (`invalid_blocks`).
 */
export function withoutNativeBlocks<B extends { readonly type: string }>(
  blocks: readonly (B | SlackBlock)[],
): (B | KnownBlock)[] {
  return blocks.flatMap((block): (B | KnownBlock)[] => {
    if (isChart(block)) return chartAsText(block);
    if (!isDataTable(block)) return [block];
    const [header = [], ...rows] = block.rows.map((row) =>
      row.map((cell) => ("text" in cell ? cell.text : "")),
    );
    return [context(escapeMrkdwn(block.caption)), ...tableAsText(header, rows)];
  });
}

function isChart(block: { readonly type: string }): block is DataVisualizationBlock {
  return block.type === "data_visualization";
}

function isDataTable(block: { readonly type: string }): block is DataTableBlock {
  return block.type === "data_table";
}

function chartAsText(block: DataVisualizationBlock): KnownBlock[] {
  const { series, axis_config: axis } = block.chart;
  const rows = axis.categories.map((category, i) => [
    category,
    ...series.map((s) => (s.data[i]?.value ?? 0).toLocaleString("en-US", { maximumFractionDigits: 1 })),
  ]);
  const unit = axis.y_label === undefined ? "" : ` (${axis.y_label})`;
  return [
    section(`*${escapeMrkdwn(block.title)}*${escapeMrkdwn(unit)}`),
    ...tableAsText(["time (UTC)", ...series.map((s) => s.name)], rows),
  ];
}

/** `&`, `<` and `>` are Slack's control characters: escaped, user text can never become a mention or a link. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Slack also refuses a message whose blocks carry too much text in all (`msg_blocks_too_long`): undocumented,
 * observed near 12,000–13,200 characters (slackapi/bolt-js#2509, #2867). This budget stays under it.
 */
const maxTotalText = 11_000;

/**
 * How a reply's button is written in Slack: its `action_id` (what the bot listens for) and `value` (at most 2,000
 * characters); undefined leaves the button out. Each feature keeps its own encoding, so buttons already posted
 * keep working.
 */
export type ButtonEncoding = (action: ReplyAction) => { actionId: string; value: string } | undefined;

/**
 * A reply as Block Kit; its buttons (encoded by `encodeButton`, else left out) come last and are never cut. Tables
 * of more than a handful of rows are data tables, charts are line charts (two at most, Slack's limit: the rest as
 * text); {@link withoutNativeBlocks} turns both into text for a workspace that refuses them.
 */
export function renderBlocks(reply: Reply, encodeButton?: ButtonEncoding): SlackBlock[] {
  const buttons = reply.parts.flatMap((part) =>
    part.kind === "actions" ? actionsBlock(part.actions, encodeButton) : [],
  );
  let charts = 0;
  const blocks = reply.parts.flatMap((part) => {
    if (part.kind === "actions") return [];
    if (part.kind !== "chart") return renderPart(part, reply.summary);
    const chart = chartBlock(part);
    if (chart === undefined) return [context(escapeMrkdwn(chartInWords(part, utcClock).join("\n")))];
    charts += 1;
    return charts <= nativeLimits.chartsPerMessage ? [chart] : chartAsText(chart);
  });
  const kept: SlackBlock[] = [];
  let used = 0;
  for (const block of blocks) {
    const size = textLength(block);
    if (kept.length === maxBlocks - 1 - buttons.length || used + size > maxTotalText) break;
    kept.push(block);
    used += size;
  }
  if (kept.length === blocks.length) return [...kept, ...buttons];
  return [
    ...kept,
    context(`Cut short: ${blocks.length - kept.length} more blocks did not fit in one Slack message.`),
    ...buttons,
  ];
}

function actionsBlock(
  actions: readonly ReplyAction[],
  encodeButton: ButtonEncoding | undefined,
): ActionsBlock[] {
  const elements = actions.flatMap((action): Button[] => {
    const encoded = encodeButton?.(action);
    if (encoded === undefined) return [];
    return [
      {
        type: "button",
        action_id: encoded.actionId,
        text: { type: "plain_text", text: truncate(action.label, maxButtonText) },
        value: encoded.value,
        ...(action.style === undefined ? {} : { style: action.style }),
      },
    ];
  });
  return elements.length === 0 ? [] : [{ type: "actions", elements }];
}

/** {@link renderBlocks} for surfaces that take no native data blocks (App Home): tables and charts as text. */
export function renderTextBlocks(reply: Reply, encodeButton?: ButtonEncoding): KnownBlock[] {
  return withoutNativeBlocks<KnownBlock>(renderBlocks(reply, encodeButton));
}

/** The characters of text a block carries, as Slack counts them towards a message's total. */
function textLength(block: SlackBlock): number {
  if (block.type === "data_visualization") return block.title.length;
  if (block.type === "data_table") {
    return block.rows.flat().reduce((sum, cell) => sum + ("text" in cell ? cell.text.length : 0), 0);
  }
  const texts: string[] = [];
  if ("text" in block && block.text !== undefined && typeof block.text === "object")
    texts.push(block.text.text);
  if ("fields" in block) texts.push(...(block.fields ?? []).map((field) => field.text));
  if (block.type === "context") {
    texts.push(...block.elements.map((element) => ("text" in element ? element.text : "")));
  }
  return texts.reduce((sum, text) => sum + text.length, 0);
}

/**
 * The notification text: Slack shows it where blocks cannot be shown (notifications, screen readers). A chart or
 * a data table says the same in words there.
 */
export function fallbackText(reply: Reply): string {
  const words = reply.parts.flatMap((part) => {
    if (part.kind === "chart") return chartInWords(part, utcClock);
    if (part.kind === "table" && part.rows.length > dataTableAbove)
      return [part.columns.join(" · "), ...part.rows.map((row) => row.filter(Boolean).join(" · "))];
    return [];
  });
  return truncate(escapeMrkdwn([reply.summary, ...words].join("\n")), maxSection);
}

/**
 * A moment in each reader's own time zone (Slack's date formatting: api.slack.com/reference/surfaces/formatting
 * #date-formatting), with the shell's UTC words where the client cannot.
 */
export function slackTime(moment: ReplyTime): string {
  const clock = moment.with === "seconds" ? "{time_secs}" : "{time}";
  return `<!date^${Math.floor(moment.at / 1000)}^{date_short_pretty} ${clock}|${utcMoment(moment)}>`;
}

/** Pieces of a timed line as mrkdwn: the words escaped, each moment in the reader's own time zone. */
export function slackTimed(pieces: readonly (string | ReplyTime)[]): string {
  return pieces.map((piece) => (typeof piece === "string" ? escapeMrkdwn(piece) : slackTime(piece))).join("");
}

function renderPart(part: Exclude<ReplyPart, { kind: "chart" }>, caption: string): SlackBlock[] {
  switch (part.kind) {
    case "actions":
      // Rendered apart by renderBlocks, so that a long message never loses its buttons.
      return [];
    case "timed": {
      const text = slackTimed(part.pieces);
      return part.as === "note" ? [context(text)] : [section(text)];
    }
    case "heading":
      return [{ type: "header", text: { type: "plain_text", text: truncate(part.text, maxHeader) } }];
    case "text":
      // Slack refuses a section without text.
      return splitText(escapeMrkdwn(part.text) || " ", maxSection).map(section);
    case "note":
      return [context(escapeMrkdwn(part.text))];
    case "code":
      return codeBlocks(part.text.split("\n"));
    case "fields": {
      const blocks: KnownBlock[] = [];
      for (let i = 0; i < part.fields.length; i += maxFields) {
        blocks.push({
          type: "section",
          fields: part.fields.slice(i, i + maxFields).map(([label, value]) => ({
            type: "mrkdwn",
            text: truncate(
              `*${escapeMrkdwn(label)}*\n${typeof value === "string" ? escapeMrkdwn(value) : slackTime(value)}`,
              maxField,
            ),
          })),
        });
      }
      return blocks;
    }
    case "table": {
      const native =
        part.rows.length > dataTableAbove ? dataTableBlock(caption, part.columns, part.rows) : undefined;
      const blocks: SlackBlock[] = native === undefined ? tableAsText(part.columns, part.rows) : [native];
      if (part.omitted !== undefined) {
        blocks.push(
          context(escapeMrkdwn(`…and ${part.omitted.count} more not shown: ${part.omitted.hint}.`)),
        );
      }
      return blocks;
    }
  }
}

/**
 * A table as text: monospace when it fits a phone's width, else a list (each row's first cell in bold, then
 * `column: value` for the others) that wraps instead of scrolling sideways.
 */
function tableAsText(columns: readonly string[], rows: readonly (readonly string[])[]): KnownBlock[] {
  const aligned = alignColumns([columns, ...rows]).split("\n");
  if (Math.max(...aligned.map((line) => [...line].length)) <= phoneWidth) return codeBlocks(aligned);
  const lines = rows.map((row) => {
    const [first = "", ...rest] = row;
    const others = rest.flatMap((cell, i) => (cell === "" ? [] : [`${columns[i + 1] ?? ""}: ${cell}`]));
    return `*${escapeMrkdwn(first)}*${others.length === 0 ? "" : `  ${escapeMrkdwn(others.join(" · "))}`}`;
  });
  return splitText(lines.join("\n"), maxSection).map(section);
}

/** Monospace sections, split between lines so that none exceeds a section's limit. */
function codeBlocks(lines: readonly string[]): KnownBlock[] {
  const budget = maxSection - 8;
  const blocks: KnownBlock[] = [];
  let current: string[] = [];
  let size = 0;
  for (const raw of lines) {
    const line = truncate(escapeMrkdwn(raw), budget);
    if (size + line.length + 1 > budget && current.length > 0) {
      blocks.push(section(`\`\`\`${current.join("\n")}\`\`\``));
      current = [];
      size = 0;
    }
    current.push(line);
    size += line.length + 1;
  }
  if (current.length > 0) blocks.push(section(`\`\`\`${current.join("\n")}\`\`\``));
  return blocks;
}

function section(text: string): SectionBlock {
  return { type: "section", text: { type: "mrkdwn", text } };
}

function context(text: string): ContextBlock {
  return { type: "context", elements: [{ type: "mrkdwn", text: truncate(text, maxSection) }] };
}

/** Cuts between whole characters, never inside an escape such as `&amp;`. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${cutText(text, max - 1).replace(/&[a-z]{0,3}$/, "")}…`;
}
