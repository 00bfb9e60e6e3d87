import { randomUUID } from "node:crypto";
import type { App as BoltApp } from "@slack/bolt";
import type { KnownBlock, ModalView } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import { configSet } from "../../../commands/config-set.js";
import type { AdapterHost } from "../../adapter-host.js";
import { describeFailure } from "../../core/error-words.js";
import type { PluginConfigKey } from "../../core/ports/connect-vocabulary.js";
import type { Reply } from "../../core/reply.js";
import { timedOut, timeLimit } from "../../core/time-limit.js";
import { firstDelivery } from "../button-clicks.js";
import {
  answerConnectorSuggestions,
  answerView,
  Choice,
  dispatchAs,
  type FormValues,
  handleRequestStage,
  maxMetadata,
  maxViewBlocks,
  OpeningMetadata,
  outOfScope,
  type PlanMetadata,
  planView,
  type RequestStage,
  safeJson,
  ViewSubmission,
} from "./connector-form.js";

/** The command the form fills in: every check, the audit and the request are that command's own. */
const commandName = "config set";
const pickId = "config-set-pick";
const formId = "config-set-form";
const connectorAction = "config-set-connector";
const title = "Change a config";
const what = "change the config of";
/** A key's input: `settings.<key>`, so Connect's refusal of a key's value shows beside that key. */
const settingBlock = (key: string) => `settings.${key}`;
const newKeyBlock = "new-key";
const newValueBlock = "new-value";

/** The last two views: the diff and validation `config set … --preview` computes, then what "Request" filed. */
const stage: RequestStage = {
  command: commandName,
  title,
  planId: "config-set-plan",
  answerId: "config-set-answer",
  working: "Connect is validating the config as it would be…",
};

/**
 * Slack's limits on a plain-text input (api.slack.com/reference/block-kit/block-elements#input): its value (and
 * `initial_value`) at most 3,000 characters, a placeholder 150, a label and a hint 2,000; a block_id 255.
 */
const maxValue = 3000;
/** A placeholder's limit, kept for hints too: a hint is read on a phone. */
const maxShortText = 150;
const maxBlockId = 255;
/** The blocks besides the keys' own: the heading, the note on keys left out, another key and its value, reason. */
const otherBlocks = 5;
/** How long a submission waits for the preview before answering Slack (3 s): within it, refusals go beside fields. */
const previewWaitMs = 2_000;

/** Where the form was opened and which connector it changes, in its private_metadata. */
const FormMetadata = z
  .string()
  .transform(safeJson)
  .pipe(z.object({ cluster: z.string(), connector: z.string(), channel: z.string().optional() }));
type FormMetadata = z.output<typeof FormMetadata>;

/** The inputs as shown: Slack sends the view's blocks with a submission, each input with its `initial_value`. */
const ShownBlocks = z.object({
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

/**
 * The `config set` form (issue 25 §1): `/connect config set` with no arguments opens it. The connector is chosen by
 * type-ahead among those the person may change; then each key its plugin declares is offered with its current
 * value (secrets hidden as `config` hides them), and another key may be added; "Preview" shows the diff and
 * Connect's validation as `config set … --preview` computes them, a refused value beside its key; "Request"
 * dispatches the typed command's own arguments as the person. A value left as shown is not part of the change;
 * a value cleared removes its key (`--unset`).
 */
export function handleConfigSetModal(bolt: BoltApp, host: AdapterHost, client: WebClient): void {
  bolt.use(async (args) => {
    const slash = z
      .object({ command: z.string(), text: z.string(), trigger_id: z.string(), channel_id: z.string() })
      .safeParse(args.body);
    const ack = "ack" in args ? args.ack : undefined;
    if (!slash.success || !/^\s*config\s+set\s*$/i.test(slash.data.text) || ack === undefined) {
      await args.next();
      return;
    }
    // Only the typed command without arguments opens the form; with them it runs as typed.
    await ack();
    if ((await firstDelivery(host, "command", slash.data.trigger_id)) !== true) return;
    await client.views.open({ trigger_id: slash.data.trigger_id, view: pickView(slash.data.channel_id) });
  });

  answerConnectorSuggestions(bolt, host, connectorAction, configSet.role);

  bolt.view(pickId, async ({ ack, body }) => {
    const submitted = ViewSubmission.safeParse(body);
    const chosen = Choice.safeParse(
      submitted.data?.view.state.values.connector?.[connectorAction]?.selected_option?.value,
    );
    if (!submitted.success || !chosen.success)
      return ack({ response_action: "errors", errors: { connector: "Choose a connector from the list." } });
    const [cluster, connector] = chosen.data;
    const refused = await outOfScope(host, submitted.data.user.id, {
      cluster,
      connector,
      role: configSet.role,
      what,
    });
    if (refused !== undefined) return ack({ response_action: "errors", errors: refused });
    const channel = OpeningMetadata.safeParse(submitted.data.view.private_metadata ?? "").data?.channel;
    const metadata: FormMetadata = { cluster, connector, ...(channel === undefined ? {} : { channel }) };
    // Open at once with what is at hand; the keys follow when Connect has answered.
    await ack({ response_action: "update", view: answerView(stage, `Reading the config of ${connector}…`) });
    const requestId = randomUUID();
    const view = await host.connectorSettings(cluster, connector, requestId).then(
      (settings) => settingsForm(metadata, settings.shown, settings.definition),
      (error: unknown) => answerView(stage, describeFailure(error, requestId).summary),
    );
    await client.views.update({ view_id: submitted.data.view.id, view });
  });

  bolt.view(formId, async ({ ack, body }) => {
    const submitted = ViewSubmission.safeParse(body);
    const opened = FormMetadata.safeParse(submitted.data?.view.private_metadata ?? "");
    const shown = ShownBlocks.safeParse(body);
    if (!submitted.success || !opened.success || !shown.success)
      return ack({
        response_action: "errors",
        errors: { reason: "Slack sent a form the bot could not read." },
      });
    const { cluster, connector, channel } = opened.data;
    const form = readForm(connector, submitted.data.view.state.values, shown.data.view.blocks);
    if (form.errors !== undefined) return ack({ response_action: "errors", errors: form.errors });
    const refused = await outOfScope(host, submitted.data.user.id, {
      cluster,
      connector,
      role: configSet.role,
      what,
    });
    if (refused !== undefined)
      return ack({ response_action: "errors", errors: { reason: refused.connector ?? "" } });
    const metadata: PlanMetadata = {
      cluster,
      args: form.args,
      ...(channel === undefined ? {} : { channel }),
    };
    if (JSON.stringify(metadata).length > maxMetadata)
      return ack({
        response_action: "errors",
        errors: { reason: "Too much for one form: change fewer keys here, or type `config set`." },
      });
    const previewing = dispatchAs(
      host,
      submitted.data.user,
      { command: commandName, args: { ...form.args, preview: true }, cluster },
      channel,
    );
    const early = await timeLimit(previewing, previewWaitMs);
    if (early !== timedOut) {
      const errors = besideFields(early, form.fields);
      if (errors !== undefined) return ack({ response_action: "errors", errors });
      return ack({ response_action: "update", view: planView(stage, metadata, early) });
    }
    await ack({ response_action: "update", view: planView(stage, metadata, "working") });
    await client.views.update({
      view_id: submitted.data.view.id,
      view: planView(stage, metadata, await previewing),
    });
  });

  handleRequestStage(bolt, host, client, stage);
}

/** The first view: the connector, by type-ahead. */
export function pickView(channel?: string): ModalView {
  return {
    type: "modal",
    callback_id: pickId,
    title: { type: "plain_text", text: title },
    submit: { type: "plain_text", text: "Next" },
    close: { type: "plain_text", text: "Cancel" },
    private_metadata: JSON.stringify(channel === undefined ? {} : { channel }),
    blocks: [
      {
        type: "input",
        block_id: "connector",
        label: { type: "plain_text", text: "Connector" },
        element: {
          type: "external_select",
          action_id: connectorAction,
          placeholder: { type: "plain_text", text: "Type part of its name" },
          min_query_length: 0,
        },
      },
    ],
  };
}

/**
 * The keys to offer, in order: those set now, then the plugin's required ones, then the rest of its definition;
 * `name` is left out (a connector's name is not changed by its config). When they do not all fit in a view, only
 * the set and required ones are offered (the free key/value field takes any other), and `cut` says so.
 */
export function offeredKeys(
  shown: Readonly<Record<string, string>>,
  definition: readonly PluginConfigKey[],
): { readonly keys: readonly string[]; readonly cut: boolean; readonly tooLong: readonly string[] } {
  const fits = (key: string) => settingBlock(key).length <= maxBlockId;
  const tooLong = Object.keys(shown).filter((key) => (shown[key] ?? "").length > maxValue || !fits(key));
  const editable = (key: string) => key !== "name" && fits(key) && !tooLong.includes(key);
  const set = Object.keys(shown)
    .filter(editable)
    .sort((a, b) => a.localeCompare(b));
  const required = definition.filter((key) => key.required).map((key) => key.name);
  const all = [...new Set([...set, ...required, ...definition.map((key) => key.name)])].filter(editable);
  const room = maxViewBlocks - otherBlocks;
  if (all.length <= room) return { keys: all, cut: false, tooLong };
  return { keys: [...new Set([...set, ...required])].filter(editable).slice(0, room), cut: true, tooLong };
}

/** The second view: each offered key with its current value, another key, and the reason. */
function settingsForm(
  metadata: FormMetadata,
  shown: Readonly<Record<string, string>>,
  definition: readonly PluginConfigKey[],
): ModalView {
  const defined = new Map(definition.map((key) => [key.name, key]));
  const { keys, cut, tooLong } = offeredKeys(shown, definition);
  const notes = [
    "A value left as shown is not changed; a value cleared removes its key. Secrets show hidden: give a config-provider reference to change one.",
    ...(cut
      ? [
          `${definition.length} keys are defined, more than a form holds: offered are those set now and the required ones; name any other below.`,
        ]
      : []),
    ...(tooLong.length === 0
      ? []
      : [`Too long to edit here (type \`config set\` to change them): ${tooLong.join(", ")}.`]),
  ];
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: { type: "mrkdwn", text: `*${metadata.connector}* on ${metadata.cluster}` },
    },
    { type: "context", elements: [{ type: "mrkdwn", text: notes.join("\n").slice(0, maxValue) }] },
    ...keys.map((key): KnownBlock => {
      const definitionOf = defined.get(key);
      const current = shown[key];
      const defaultValue = definitionOf?.default_value ?? "";
      const hint = firstLine(definitionOf?.documentation ?? "");
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
    {
      type: "input",
      block_id: "reason",
      label: { type: "plain_text", text: "Reason" },
      hint: { type: "plain_text", text: "Shown to the approver and kept in the audit." },
      element: { type: "plain_text_input", action_id: "reason", multiline: true, max_length: 500 },
    },
  ];
  return {
    type: "modal",
    callback_id: formId,
    title: { type: "plain_text", text: title },
    submit: { type: "plain_text", text: "Preview" },
    close: { type: "plain_text", text: "Cancel" },
    private_metadata: JSON.stringify(metadata),
    blocks,
  };
}

/**
 * The typed command's arguments from the form, or what is wrong beside each field (block_id → words): a key whose
 * value differs from the one shown is set, one cleared is removed. `fields` maps each key changed to its block.
 * The words are the command's own schema's, so the form refuses exactly what the typed command refuses.
 */
function readForm(
  connector: string,
  values: FormValues,
  blocks: readonly {
    readonly block_id?: string | undefined;
    readonly element?: { readonly initial_value?: string | undefined } | undefined;
  }[],
):
  | { args: Record<string, string>; fields: ReadonlyMap<string, string>; errors?: undefined }
  | { errors: Record<string, string> } {
  const set: [key: string, value: string][] = [];
  const unset: string[] = [];
  const fields = new Map<string, string>();
  const errors: Record<string, string> = {};
  // Only the blocks the bot drew count: a key's field is known by its block, as shown.
  for (const block of blocks) {
    const id = block.block_id ?? "";
    if (!id.startsWith(settingBlock(""))) continue;
    const key = id.slice(settingBlock("").length);
    const before = block.element?.initial_value;
    const value = values[id]?.value?.value ?? "";
    if (value === (before ?? "")) continue;
    fields.set(key, id);
    if (value === "") unset.push(key);
    else set.push([key, value]);
  }
  const newKey = values[newKeyBlock]?.[newKeyBlock]?.value?.trim() ?? "";
  const newValue = values[newValueBlock]?.[newValueBlock]?.value ?? "";
  if (newKey !== "" || newValue !== "") {
    if (newKey === "") errors[newKeyBlock] = "Name the key this value is for.";
    else if (newValue === "") errors[newValueBlock] = `Give ${newKey} a value.`;
    else if (fields.has(newKey) || blocks.some((b) => b.block_id === settingBlock(newKey)))
      errors[newKeyBlock] = `${newKey} has its own field above: change it there.`;
    else {
      set.push([newKey, newValue]);
      fields.set(newKey, newValueBlock);
    }
  }
  // `config set` takes key=value words: a value with spaces cannot be typed, so the form does not take one either.
  for (const [key, value] of set) {
    if (/\s/.test(value))
      errors[fields.get(key) ?? newValueBlock] = "`config set` takes values without spaces.";
  }
  if (Object.keys(errors).length > 0) return { errors };
  const args: Record<string, string> = {
    connector,
    reason: values.reason?.reason?.value ?? "",
    ...(set.length === 0 ? {} : { settings: set.map(([key, value]) => `${key}=${value}`).join(" ") }),
    ...(unset.length === 0 ? {} : { unset: unset.join(",") }),
  };
  const parsed = configSet.args.safeParse(args);
  if (parsed.success) return { args, fields };
  for (const issue of parsed.error.issues) {
    const named = String(issue.path[0] ?? "");
    // A refusal of what changes (nothing at all, or a bad word) goes beside the free key: the form has no one field.
    const field = named === "reason" ? "reason" : newKeyBlock;
    errors[field] ??= issue.message;
  }
  return { errors };
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

/** A key's documentation, its first line cut to fit a hint. */
function firstLine(documentation: string): string {
  return cutShort(documentation.trim().split("\n")[0] ?? "");
}

function cutShort(text: string): string {
  return text.length > maxShortText ? `${text.slice(0, maxShortText - 1)}…` : text;
}
