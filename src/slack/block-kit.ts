import type { RespondFn } from "@slack/bolt";
import type { ActionsBlock, Button, ContextBlock, KnownBlock, SectionBlock } from "@slack/web-api";
import { cutText, splitText } from "../core/cut-text.js";
import { redactDeep } from "../core/redact.js";
import type { Reply, ReplyAction, ReplyPart } from "../core/reply.js";
import { alignColumns } from "../shell/render-text.js";

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

/** An answer through a response_url (Bolt's `respond`), redacted like every message the Web API client sends. */
export function redactingRespond(respond: RespondFn): RespondFn {
  return (message) => respond(redactDeep(message));
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

/** A reply as Block Kit; its buttons (encoded by `encodeButton`, else left out) come last and are never cut. */
export function renderBlocks(reply: Reply, encodeButton?: ButtonEncoding): KnownBlock[] {
  const buttons = reply.parts.flatMap((part) =>
    part.kind === "actions" ? actionsBlock(part.actions, encodeButton) : [],
  );
  const blocks = reply.parts.flatMap((part) => (part.kind === "actions" ? [] : renderPart(part)));
  const kept: KnownBlock[] = [];
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

/** The characters of text a block carries, as Slack counts them towards a message's total. */
function textLength(block: KnownBlock): number {
  const texts: string[] = [];
  if ("text" in block && block.text !== undefined && typeof block.text === "object")
    texts.push(block.text.text);
  if ("fields" in block) texts.push(...(block.fields ?? []).map((field) => field.text));
  if (block.type === "context") {
    texts.push(...block.elements.map((element) => ("text" in element ? element.text : "")));
  }
  return texts.reduce((sum, text) => sum + text.length, 0);
}

/** The notification text: Slack shows it where blocks cannot be shown. */
export function fallbackText(reply: Reply): string {
  return truncate(escapeMrkdwn(reply.summary), maxSection);
}

function renderPart(part: ReplyPart): KnownBlock[] {
  switch (part.kind) {
    case "actions":
      // Rendered apart by renderBlocks, so that a long message never loses its buttons.
      return [];
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
            text: truncate(`*${escapeMrkdwn(label)}*\n${escapeMrkdwn(value)}`, maxField),
          })),
        });
      }
      return blocks;
    }
    case "table": {
      const blocks = codeBlocks(alignColumns([part.columns, ...part.rows]).split("\n"));
      if (part.omitted !== undefined) {
        blocks.push(
          context(escapeMrkdwn(`…and ${part.omitted.count} more not shown: ${part.omitted.hint}.`)),
        );
      }
      return blocks;
    }
  }
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
