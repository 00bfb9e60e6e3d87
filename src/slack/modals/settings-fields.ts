import type { ViewResponseAction } from "@slack/bolt";
import type { KnownBlock } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import type { PluginConfigKey } from "../../core/ports/connect-vocabulary.js";
import type { Reply } from "../../core/reply.js";
import { timedOut, timeLimit } from "../../core/time-limit.js";
import {
  type CommandForm,
  type FormValues,
  maxViewBlocks,
  type PlanMetadata,
  planView,
} from "./command-form.js";

/**
 * The fields of a connector config in a form (`config set`, `create`): one input per key of the plugin's config
 * definition (`GET /connector-plugins/{class}/config`, KIP-769), another key with its value, and Connect's refusal of
 * a value (`PUT …/config/validate`, as the typed command's `--preview` reports it) beside its key.
 */

/** A key's input: `settings.<key>`, so Connect's refusal of a key's value shows beside that key. */
const settingBlock = (key: string) => `settings.${key}`;
export const newKeyBlock = "new-key";
const newValueBlock = "new-value";

/**
 * Slack's limits on a plain-text input (api.slack.com/reference/block-kit/block-elements#input): its value (and
 * `initial_value`) at most 3,000 characters, a placeholder 150; a block_id 255.
 */
const maxValue = 3000;
/** A placeholder's limit, kept for hints too: a hint is read on a phone. */
const maxShortText = 150;
const maxBlockId = 255;
/** Blocks a form keeps for itself besides the keys: a heading, a note, another key and its value, and three more. */
const otherBlocks = 7;
/** How long a submission waits for the preview before answering Slack (3 s): within it, refusals go beside fields. */
const previewWaitMs = 2_000;

/** The inputs as shown: Slack sends the view's blocks with a submission, each input with its `initial_value`. */
export const ShownBlocks = z.object({
  view: z.object({
    blocks: z
      .array(
        z.object({
          block_id: z.string().optional(),
          element: z.object({ initial_value: z.string().optional() }).optional(),
        }),
      )
      .default([]),
  }),
});
type Shown = z.output<typeof ShownBlocks>["view"]["blocks"];

/** Keys a form never offers: the connector's name and plugin are not changed by a key's field. */
const notOffered = new Set(["name"]);

/**
 * The keys to offer, in order: those set now, then the plugin's required ones, then the rest of its definition.
 * When they do not all fit in a view (100 blocks), only the set and required ones are offered (the free key/value
 * field takes any other), and `cut` says so; `tooLong` are set keys whose value or name Slack's input cannot hold.
 */
export function offeredKeys(
  shown: Readonly<Record<string, string>>,
  definition: readonly PluginConfigKey[],
  leftOut: readonly string[] = [],
): { readonly keys: readonly string[]; readonly cut: boolean; readonly tooLong: readonly string[] } {
  const fits = (key: string) => settingBlock(key).length <= maxBlockId;
  const tooLong = Object.keys(shown).filter((key) => (shown[key] ?? "").length > maxValue || !fits(key));
  const editable = (key: string) =>
    !notOffered.has(key) && !leftOut.includes(key) && fits(key) && !tooLong.includes(key);
  const set = Object.keys(shown).sort((a, b) => a.localeCompare(b));
  const required = definition.filter((key) => key.required).map((key) => key.name);
  const all = [...new Set([...set, ...required, ...definition.map((key) => key.name)])].filter(editable);
  const room = maxViewBlocks - otherBlocks;
  if (all.length <= room) return { keys: all, cut: false, tooLong };
  return { keys: [...new Set([...set, ...required])].filter(editable).slice(0, room), cut: true, tooLong };
}

/**
 * The blocks of the keys: a note on how the fields read (and what was left out), one input per offered key with
 * its value as shown (`shown`, secrets hidden) and its default as placeholder, then another key and its value.
 */
export function settingsBlocks(
  shown: Readonly<Record<string, string>>,
  definition: readonly PluginConfigKey[],
  options: { readonly note: string; readonly leftOut?: readonly string[] },
): KnownBlock[] {
  const defined = new Map(definition.map((key) => [key.name, key]));
  const { keys, cut, tooLong } = offeredKeys(shown, definition, options.leftOut);
  const notes = [
    options.note,
    ...(cut
      ? [
          `${definition.length} keys are defined, more than a form holds: offered are those set now and the required ones; name any other below.`,
        ]
      : []),
    ...(tooLong.length === 0
      ? []
      : [`Too long to edit here (type the command to change them): ${tooLong.join(", ")}.`]),
  ];
  return [
    { type: "context", elements: [{ type: "plain_text", text: notes.join("\n").slice(0, maxValue) }] },
    ...keys.map((key): KnownBlock => {
      const definitionOf = defined.get(key);
      const current = shown[key];
      const defaultValue = definitionOf?.default_value ?? "";
      const hint = cutShort((definitionOf?.documentation ?? "").trim().split("\n")[0] ?? "");
      return {
        type: "input",
        block_id: settingBlock(key),
        optional: true,
        label: { type: "plain_text", text: definitionOf?.required === true ? `${key} (required)` : key },
        ...(hint === "" ? {} : { hint: { type: "plain_text", text: hint } }),
        element: {
          type: "plain_text_input",
          action_id: "value",
          max_length: maxValue,
          ...(current === undefined ? {} : { initial_value: current }),
          ...(defaultValue === ""
            ? {}
            : { placeholder: { type: "plain_text", text: cutShort(`default: ${defaultValue}`) } }),
        },
      };
    }),
    {
      type: "input",
      block_id: newKeyBlock,
      optional: true,
      label: { type: "plain_text", text: "Another key" },
      element: {
        type: "plain_text_input",
        action_id: newKeyBlock,
        max_length: maxBlockId,
        placeholder: { type: "plain_text", text: "transforms.mask.type" },
      },
    },
    {
      type: "input",
      block_id: newValueBlock,
      optional: true,
      label: { type: "plain_text", text: "Its value" },
      element: { type: "plain_text_input", action_id: newValueBlock, max_length: maxValue },
    },
  ];
}

/** What the person changed in the keys' fields, and the field of each key (for Connect's refusals). */
export interface SettingsRead {
  readonly set: readonly (readonly [key: string, value: string])[];
  readonly unset: readonly string[];
  /** Each key of the form → the block_id its refusal shows beside. */
  readonly fields: ReadonlyMap<string, string>;
}

/**
 * The keys' fields as changed: a value that differs from the one shown is set, one cleared is removed; another
 * key with its value is set. Only the blocks the bot drew count. Refuses (block_id → words) what the typed
 * command could not take: a value with spaces (its `key=value` words cannot hold one), a key named twice.
 */
export function readSettings(
  values: FormValues,
  blocks: Shown,
): { readonly read: SettingsRead } | { readonly errors: Record<string, string> } {
  const set: [string, string][] = [];
  const unset: string[] = [];
  const fields = new Map<string, string>();
  const errors: Record<string, string> = {};
  for (const block of blocks) {
    const id = block.block_id ?? "";
    if (!id.startsWith(settingBlock(""))) continue;
    const key = id.slice(settingBlock("").length);
    const before = block.element?.initial_value ?? "";
    const value = values[id]?.value?.value ?? "";
    // Connect may refuse a key left as it was (a required one left empty): its words go beside it too.
    fields.set(key, id);
    if (value === before) continue;
    if (value === "") unset.push(key);
    else set.push([key, value]);
  }
  const newKey = values[newKeyBlock]?.[newKeyBlock]?.value?.trim() ?? "";
  const newValue = values[newValueBlock]?.[newValueBlock]?.value ?? "";
  if (newKey !== "" || newValue !== "") {
    if (newKey === "") errors[newKeyBlock] = "Name the key this value is for.";
    else if (newValue === "") errors[newValueBlock] = `Give ${newKey} a value.`;
    else if (blocks.some((block) => block.block_id === settingBlock(newKey)) || notOffered.has(newKey))
      errors[newKeyBlock] =
        `${newKey} is not set here: ${notOffered.has(newKey) ? "the form names it" : "it has its own field above"}.`;
    else {
      set.push([newKey, newValue]);
      fields.set(newKey, newValueBlock);
    }
  }
  for (const [key, value] of set) {
    if (/\s/.test(value))
      errors[fields.get(key) ?? newValueBlock] = "The command takes values without spaces (key=value words).";
  }
  return Object.keys(errors).length > 0 ? { errors } : { read: { set, unset, fields } };
}

/** Settings as the typed command's `key=value …` words. */
export function settingWords(set: SettingsRead["set"]): string {
  return set.map(([key, value]) => `${key}=${value}`).join(" ");
}

/**
 * Answers a form's submission with the typed command's `--preview`: Connect's refusal of values beside their keys
 * (`response_action: "errors"`) when it comes within the time Slack waits, else the plan view, updated
 * (`views.update`) when a slow preview arrives.
 */
export async function answerWithPreview(
  ack: (response: ViewResponseAction) => Promise<void>,
  client: WebClient,
  target: {
    readonly viewId: string;
    readonly form: CommandForm;
    readonly metadata: PlanMetadata;
    readonly fields: ReadonlyMap<string, string>;
  },
  previewing: Promise<Reply>,
): Promise<void> {
  const { viewId, form, metadata, fields } = target;
  const early = await timeLimit(previewing, previewWaitMs);
  if (early !== timedOut) {
    const errors = besideFields(early, fields);
    if (errors !== undefined) return ack({ response_action: "errors", errors });
    return ack({ response_action: "update", view: planView(form, metadata, early) });
  }
  await ack({ response_action: "update", view: planView(form, metadata, "working") });
  await client.views.update({ view_id: viewId, view: planView(form, metadata, await previewing) });
}

/**
 * Connect's refusal of values (`validate`'s table of key and words), each beside the field of its key; undefined
 * when the preview is not such a refusal, or names no key of the form (then it shows as the plan view's answer).
 */
function besideFields(
  preview: Reply,
  fields: ReadonlyMap<string, string>,
): Record<string, string> | undefined {
  if (preview.outcome === "succeeded") return undefined;
  const errors: Record<string, string> = {};
  for (const part of preview.parts) {
    if (part.kind !== "table" || part.columns[0] !== "key") continue;
    for (const [key = "", words = ""] of part.rows) {
      const field = fields.get(key);
      if (field !== undefined)
        errors[field] = errors[field] === undefined ? words : `${errors[field]} ${words}`;
    }
  }
  return Object.keys(errors).length === 0 ? undefined : errors;
}

function cutShort(text: string): string {
  return text.length > maxShortText ? `${text.slice(0, maxShortText - 1)}…` : text;
}
