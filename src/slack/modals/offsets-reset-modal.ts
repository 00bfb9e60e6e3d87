import type { App as BoltApp } from "@slack/bolt";
import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import { offsetResetTargets, offsetsReset } from "../../../commands/offsets-reset.js";
import type { AdapterHost } from "../../adapter-host.js";
import type { CommandCall } from "../../core/dispatcher.js";
import type { ButtonEncoding } from "../block-kit.js";
import {
  Choice,
  type CommandForm,
  connectorChoiceValue,
  connectorInput,
  type FormValues,
  formButtonOf,
  handleConnectorSuggestions,
  handleFormOpening,
  handleRequest,
  maxMetadata,
  type Opening,
  OpeningMetadata,
  outOfScope,
  type PlanMetadata,
  planView,
  reasonInput,
  showPlan,
  ViewSubmission,
} from "./command-form.js";

/** The command the form fills in: every check, the audit and the request are that command's own. */
const form: CommandForm = {
  command: "offsets reset",
  title: "Reset offsets",
  planId: "offsets-reset-plan",
  answerId: "offsets-reset-answer",
  working: "Computing the plan from the connector's offsets…",
};
const formId = "offsets-reset-form";
const connectorAction = "offsets-reset-connector";
/** The "Offsets…" button's action id; its value is `[cluster, connector]` as JSON. */
export const offsetsFormButton = "offsets-reset-open";

/** What the person picks, in words; each value is the command's flag for it. */
const targetWords: Readonly<Record<(typeof offsetResetTargets)[number], string>> = {
  "to-earliest": "Earliest (replay all retained)",
  "to-latest": "Latest (skip everything unread)",
  "to-datetime": "At a date and time",
  "by-duration": "A duration ago",
  "shift-by": "Shift by N messages",
  "to-offset": "A specific offset",
  all: "Remove every offset",
};

/** Fields of the form besides the target, each an input block whose block_id is the command's argument name. */
const textFields = [
  { name: "by-duration", label: "Duration ago (for “a duration ago”)", placeholder: "1h, 30m, 2d" },
  { name: "shift-by", label: "Messages to shift by (negative replays)", placeholder: "-500" },
  { name: "to-offset", label: "Offset (for “a specific offset”)", placeholder: "1200" },
  { name: "topic", label: "Only this topic (and partitions)", placeholder: "orders or orders:0,1" },
] as const;

/** The typed command's call a filled-in form makes: its arguments as words would give them, on a named cluster. */
interface FormCall extends CommandCall {
  readonly cluster: string;
  readonly args: Readonly<Record<string, string | true>>;
}

/**
 * The `offsets reset` form (issue 25 §1): `/connect offsets reset` with no arguments, or an "Offsets…" button,
 * opens it; the connector is chosen by type-ahead among those the person may ask to reset; "Preview" shows the
 * plan the typed command's `--preview` computes; "Request" dispatches the typed command's own arguments as the
 * person, so roles, the audit and the request are exactly the typed command's. Slack's 3 s for `views.open` and
 * for answering a submission are kept by answering at once and updating the view (`views.update`) as the plan
 * arrives.
 */
export function handleOffsetsResetModal(bolt: BoltApp, host: AdapterHost, client: WebClient): void {
  handleFormOpening(
    bolt,
    host,
    { command: form.command, buttonId: offsetsFormButton },
    (triggerId, opening) => openForm(client, triggerId, opening),
  );

  handleConnectorSuggestions(bolt, host, connectorAction, offsetsReset.role);

  bolt.view(formId, async ({ ack, body }) => {
    const submitted = ViewSubmission.safeParse(body);
    if (!submitted.success)
      return ack({
        response_action: "errors",
        errors: { connector: "Slack sent a form the bot could not read." },
      });
    const read = readForm(submitted.data.view.state.values);
    if (read.errors !== undefined) return ack({ response_action: "errors", errors: read.errors });
    const { call } = read;
    const refused = await outOfScope(
      host,
      submitted.data.user.id,
      { cluster: call.cluster, connector: String(call.args.connector) },
      offsetsReset.role,
      "reset",
    );
    if (refused !== undefined) return ack({ response_action: "errors", errors: refused });
    const opened = OpeningMetadata.safeParse(submitted.data.view.private_metadata ?? "");
    const metadata: PlanMetadata = {
      cluster: call.cluster,
      args: call.args,
      ...(opened.data?.channel === undefined ? {} : { channel: opened.data.channel }),
    };
    if (JSON.stringify(metadata).length > maxMetadata)
      return ack({
        response_action: "errors",
        errors: { reason: "Too long for the form: shorten the reason." },
      });
    await ack({ response_action: "update", view: planView(form, metadata, "working") });
    await showPlan(
      host,
      client,
      form,
      { user: submitted.data.user, viewId: submitted.data.view.id },
      metadata,
    );
  });

  handleRequest(bolt, host, client, form);
}

async function openForm(client: WebClient, triggerId: string, opening: Opening): Promise<void> {
  await client.views.open({ trigger_id: triggerId, view: offsetsResetForm(opening) });
}

/** "Offsets…" (`offsetsFormAction`: an `offsets reset` naming only its connector) as a button opening this form. */
export const offsetsFormButtonOf: ButtonEncoding = formButtonOf(form.command, offsetsFormButton);

/** The "Offsets…" button's value: the connector the form opens on, as a type-ahead option names it. */
export const offsetsFormValue = connectorChoiceValue;

/**
 * The form (a `modal` view): every input's block_id is the command's argument it fills, so the command's own
 * refusal of an argument shows beside its field.
 */
export function offsetsResetForm(opening: Opening = {}): ModalView {
  const targetOptions: PlainTextOption[] = offsetResetTargets.map((target) => ({
    text: { type: "plain_text", text: targetWords[target] },
    value: target,
  }));
  const latest = targetOptions.find((option) => option.value === "to-latest");
  const blocks: KnownBlock[] = [
    connectorInput(connectorAction, opening),
    {
      type: "input",
      block_id: "target",
      label: { type: "plain_text", text: "Move the offsets to" },
      element: {
        type: "static_select",
        action_id: "target",
        options: targetOptions,
        ...(latest === undefined ? {} : { initial_option: latest }),
      },
    },
    {
      type: "input",
      block_id: "to-datetime",
      optional: true,
      label: { type: "plain_text", text: "Date and time (for “at a date and time”)" },
      element: { type: "datetimepicker", action_id: "to-datetime" },
    },
    ...textFields.map(
      (field): KnownBlock => ({
        type: "input",
        block_id: field.name,
        optional: true,
        label: { type: "plain_text", text: field.label },
        element: {
          type: "plain_text_input",
          action_id: field.name,
          placeholder: { type: "plain_text", text: field.placeholder },
        },
      }),
    ),
    reasonInput,
  ];
  return {
    type: "modal",
    callback_id: formId,
    title: { type: "plain_text", text: "Reset offsets" },
    submit: { type: "plain_text", text: "Preview" },
    close: { type: "plain_text", text: "Cancel" },
    private_metadata: JSON.stringify(opening.channel === undefined ? {} : { channel: opening.channel }),
    blocks,
  };
}

/**
 * The typed command's arguments from the form's inputs, or what is wrong beside each field (block_id → words).
 * The words are the command's own schema's: the form refuses exactly what the typed command refuses.
 */
function readForm(
  values: FormValues,
): { call: FormCall; errors?: undefined } | { call?: undefined; errors: Record<string, string> } {
  const input = (block: string) => values[block]?.[block === "connector" ? connectorAction : block];
  const chosen = Choice.safeParse(input("connector")?.selected_option?.value);
  if (!chosen.success) return { errors: { connector: "Choose a connector from the list." } };
  const [cluster, connector] = chosen.data;
  const target = input("target")?.selected_option?.value ?? "";
  if (!(offsetResetTargets as readonly string[]).includes(target))
    return { errors: { target: "Choose where to move the offsets." } };
  const args: Record<string, string | true> = { connector, reason: input("reason")?.value ?? "" };
  const datetime = input("to-datetime")?.selected_date_time;
  if (target === "to-datetime") {
    if (
      typeof datetime !== "number" ||
      !Number.isInteger(datetime) ||
      Number.isNaN(new Date(datetime * 1000).getTime())
    )
      return { errors: { "to-datetime": "Pick the date and time to move the offsets to." } };
    args["to-datetime"] = new Date(datetime * 1000).toISOString();
  } else if (target === "by-duration" || target === "shift-by" || target === "to-offset") {
    const value = input(target)?.value?.trim();
    if (value === undefined || value === "")
      return { errors: { [target]: "Fill this in for the target chosen." } };
    args[target] = value;
  } else args[target] = true;
  const topic = input("topic")?.value?.trim();
  if (topic !== undefined && topic !== "") args.topic = topic;
  const errors = schemaErrors(args);
  return errors === undefined ? { call: { command: form.command, args, cluster } } : { errors };
}

/** The command's own refusal of the arguments, each issue beside the field it names (else beside the target). */
function schemaErrors(args: Record<string, string | true>): Record<string, string> | undefined {
  const parsed = offsetsReset.args.safeParse(args);
  if (parsed.success) return undefined;
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? "target");
    errors[field] ??= issue.message;
  }
  return errors;
}
