import { randomUUID } from "node:crypto";
import type { App as BoltApp } from "@slack/bolt";
import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import { offsetResetTargets, offsetsReset } from "../../../commands/offsets-reset.js";
import type { AdapterHost } from "../../adapter-host.js";
import type { CommandCall } from "../../core/dispatcher.js";
import type { Reply } from "../../core/reply.js";
import { timedOut, timeLimit } from "../../core/time-limit.js";
import { type ButtonEncoding, fallbackText, renderBlocks, renderTextBlocks } from "../block-kit.js";
import { firstDelivery } from "../button-clicks.js";

/** The command the form fills in: every check, the audit and the request are that command's own. */
const commandName = "offsets reset";
const formId = "offsets-reset-form";
const planId = "offsets-reset-plan";
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

/** The connector list is read once per cluster for this long: type-ahead asks on every key. */
const connectorCacheMs = 30_000;
/** Slack shows at most 100 options (api.slack.com/reference/block-kit/block-elements#external_select). */
const maxOptions = 100;
/** Slack's limits on an option (api.slack.com/reference/block-kit/composition-objects#option). */
const maxOptionText = 75;
const maxOptionValue = 150;
/** How long a submission or type-ahead waits for roles or the connector list: Slack wants its answer within 3 s. */
const scopeWaitMs = 2_000;
/** Slack's limit on a view's private_metadata (api.slack.com/reference/surfaces/views). */
const maxMetadata = 3000;

/** A chosen connector, as its option's value: the cluster it is on, and its name. */
const Choice = z
  .string()
  .transform((text) => JSON.parse(text) as unknown)
  .pipe(z.tuple([z.string().min(1), z.string().min(1)]));

/** What the plan view keeps for "Request": the typed command's arguments, and where it was asked. */
const PlanMetadata = z.object({
  cluster: z.string(),
  args: z.record(z.string(), z.union([z.string(), z.literal(true)])),
  channel: z.string().optional(),
});
type PlanMetadata = z.infer<typeof PlanMetadata>;

/** The fields of an interaction the form reads. */
const Interaction = z.object({
  user: z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() }),
  trigger_id: z.string().min(1).optional(),
});

/** The typed command's call a filled-in form makes: its arguments as words would give them, on a named cluster. */
interface FormCall extends CommandCall {
  readonly cluster: string;
  readonly args: Readonly<Record<string, string | true>>;
}

/** One input's value, as Slack reports it in `view.state.values[block][action]`. */
const InputValue = z.object({
  value: z.string().nullish(),
  selected_option: z.object({ value: z.string() }).nullish(),
  selected_date_time: z.number().nullish(),
});
const ViewSubmission = Interaction.extend({
  view: z.object({
    id: z.string(),
    private_metadata: z.string().optional(),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), InputValue)) }),
  }),
});

/** A form opened from `channel`, with `connector` chosen already when a button named it. */
interface Opening {
  readonly channel?: string;
  readonly connector?: readonly [cluster: string, name: string];
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
  const connectors = new ConnectorCache(host);

  bolt.use(async (args) => {
    const slash = z
      .object({ command: z.string(), text: z.string(), trigger_id: z.string(), channel_id: z.string() })
      .safeParse(args.body);
    const ack = "ack" in args ? args.ack : undefined;
    if (!slash.success || !/^\s*offsets\s+reset\s*$/i.test(slash.data.text) || ack === undefined) {
      await args.next();
      return;
    }
    // Only the typed command without arguments opens the form; with them it runs as typed.
    await ack();
    if ((await firstDelivery(host, "command", slash.data.trigger_id)) !== true) return;
    await openForm(client, slash.data.trigger_id, { channel: slash.data.channel_id });
  });

  bolt.action({ action_id: offsetsFormButton }, async ({ ack, body }) => {
    await ack();
    const click = Interaction.extend({
      actions: z.array(z.object({ value: Choice })).length(1),
      channel: z.object({ id: z.string() }).optional(),
    }).safeParse(body);
    const chosen = click.data?.actions[0]?.value;
    if (!click.success || click.data.trigger_id === undefined || chosen === undefined) return;
    await openForm(client, click.data.trigger_id, {
      ...(click.data.channel === undefined ? {} : { channel: click.data.channel.id }),
      connector: chosen,
    });
  });

  bolt.options<"block_suggestion">({ action_id: connectorAction }, async ({ ack, body }) => {
    const asked = Interaction.extend({ value: z.string().default("") }).safeParse(body);
    if (!asked.success) return ack({ options: [] });
    const { role } = offsetsReset;
    const query = asked.data.value.trim().toLowerCase();
    const options: PlainTextOption[] = [];
    for (const cluster of host.clusterNames) {
      // Fail closed: a person whose roles cannot be read (in the time Slack waits) is offered nothing there.
      const [scope, names] = await Promise.all([
        timeLimit(host.roles.scopeOf(asked.data.user.id, cluster), scopeWaitMs).catch(
          (): typeof timedOut => timedOut,
        ),
        timeLimit(connectors.names(cluster), scopeWaitMs),
      ]);
      if (scope === timedOut || names === timedOut || role === "anyone") continue;
      for (const name of names) {
        if (!name.toLowerCase().includes(query) || !scope.check(name, role).inScope) continue;
        const option = connectorOption(cluster, name, host.clusterNames.length > 1);
        if (option !== undefined) options.push(option);
      }
    }
    await ack({ options: options.slice(0, maxOptions) });
  });

  bolt.view(formId, async ({ ack, body }) => {
    const submitted = ViewSubmission.safeParse(body);
    if (!submitted.success)
      return ack({
        response_action: "errors",
        errors: { connector: "Slack sent a form the bot could not read." },
      });
    const form = readForm(submitted.data.view.state.values);
    if (form.errors !== undefined) return ack({ response_action: "errors", errors: form.errors });
    const { call } = form;
    const refused = await outOfScope(host, submitted.data.user.id, call);
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
    await ack({ response_action: "update", view: planView(metadata, "working") });
    const preview = await dispatch(
      host,
      submitted.data.user,
      {
        ...call,
        args: { ...call.args, preview: true },
      },
      metadata.channel,
    );
    await client.views.update({ view_id: submitted.data.view.id, view: planView(metadata, preview) });
  });

  bolt.view(planId, async ({ ack, body }) => {
    const submitted = ViewSubmission.safeParse(body);
    const metadata = PlanMetadata.safeParse(safeJson(submitted.data?.view.private_metadata ?? ""));
    if (!submitted.success || !metadata.success) {
      await ack({
        response_action: "update",
        view: answerView("Slack sent a form the bot could not read; nothing was asked."),
      });
      return;
    }
    await ack({ response_action: "update", view: answerView("Asking…") });
    const { cluster, args, channel } = metadata.data;
    const answer = await dispatch(
      host,
      submitted.data.user,
      { command: commandName, args, cluster },
      channel,
    );
    await client.views.update({ view_id: submitted.data.view.id, view: answerView(answer) });
    // Where the typed command's answer goes (in the channel, so the team sees the request), the form's goes too.
    if (channel !== undefined && answer.visibility === "in_channel") {
      await client.chat
        .postMessage({ channel, text: fallbackText(answer), blocks: renderBlocks(answer) })
        .catch((error: unknown) =>
          host.log("warn", `offsets form: could not post the answer in ${channel}: ${String(error)}`),
        );
    }
  });
}

/** The channel a form was opened in, kept in its private_metadata. */
const OpeningMetadata = z
  .string()
  .transform(safeJson)
  .pipe(z.object({ channel: z.string().optional() }));

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function openForm(client: WebClient, triggerId: string, opening: Opening): Promise<void> {
  await client.views.open({ trigger_id: triggerId, view: offsetsResetForm(opening) });
}

/**
 * "Offsets…" (`offsetsFormAction`: an `offsets reset` naming only its connector) as a button that opens the form on
 * that connector; any other action is not this encoding's.
 */
export const offsetsFormButtonOf: ButtonEncoding = ({ call }) => {
  const { connector, ...rest } = call.args;
  if (call.command !== commandName || connector === undefined || call.cluster === undefined) return undefined;
  if (Object.keys(rest).length > 0) return undefined;
  return { actionId: offsetsFormButton, value: offsetsFormValue({ cluster: call.cluster, connector }) };
};

/** The "Offsets…" button's value: the connector the form opens on, as a type-ahead option names it. */
export function offsetsFormValue(chosen: { readonly cluster: string; readonly connector: string }): string {
  return JSON.stringify([chosen.cluster, chosen.connector]);
}

function connectorOption(cluster: string, name: string, showCluster: boolean): PlainTextOption | undefined {
  const value = offsetsFormValue({ cluster, connector: name });
  // A name too long for Slack's option value cannot be offered; the typed command still takes it.
  if (value.length > maxOptionValue) return undefined;
  const label = showCluster ? `${name} (${cluster})` : name;
  return {
    text: {
      type: "plain_text",
      text: label.length > maxOptionText ? `${label.slice(0, maxOptionText - 1)}…` : label,
    },
    value,
  };
}

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
  const chosen = opening.connector === undefined ? undefined : connectorOption(...opening.connector, false);
  const blocks: KnownBlock[] = [
    {
      type: "input",
      block_id: "connector",
      label: { type: "plain_text", text: "Connector" },
      element: {
        type: "external_select",
        action_id: connectorAction,
        placeholder: { type: "plain_text", text: "Type part of its name" },
        min_query_length: 0,
        ...(chosen === undefined ? {} : { initial_option: chosen }),
      },
    },
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
  values: Readonly<Record<string, Readonly<Record<string, z.infer<typeof InputValue>>>>>,
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
  return errors === undefined ? { call: { command: commandName, args, cluster } } : { errors };
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

/**
 * Whether the person may ask to reset this connector, checked before the form goes on, so a crafted submission of
 * a connector the type-ahead never offered them is refused beside the field. Fails closed: roles that cannot be
 * read refuse. The dispatcher checks again when the request is filed.
 */
async function outOfScope(
  host: AdapterHost,
  userId: string,
  call: FormCall,
): Promise<Record<string, string> | undefined> {
  const connector = String(call.args.connector);
  const cluster = call.cluster;
  if (cluster === undefined || !host.clusterNames.includes(cluster))
    return { connector: `Cluster ${call.cluster} is not configured.` };
  const role = offsetsReset.role;
  const needed = role === "anyone" ? "viewer" : role;
  const unread = { connector: "Your roles could not be read just now; try again in a minute." };
  try {
    // Slack waits 3 s for the answer to a submission: roles that take longer refuse (fail closed).
    const scope = await timeLimit(host.roles.scopeOf(userId, cluster, { needed, connector }), scopeWaitMs);
    if (scope === timedOut) return unread;
    const check = scope.check(connector, needed);
    return check.inScope ? undefined : { connector: `Asking to reset ${connector} ${check.reason}.` };
  } catch {
    return unread;
  }
}

/** Runs the typed command's call as the person, exactly as a typed line or a button is run. */
function dispatch(
  host: AdapterHost,
  user: z.infer<typeof Interaction>["user"],
  call: CommandCall,
  channel: string | undefined,
): Promise<Reply> {
  return host.dispatch({
    actor: { id: user.id, name: user.username ?? user.name ?? user.id, source: "slack" },
    call,
    ...(channel === undefined ? {} : { channelId: channel }),
    requestId: randomUUID(),
  });
}

/**
 * The second view: the plan, as `offsets reset … --preview` answers it, with "Request" when there is one to ask
 * for; "working" while it is computed.
 */
function planView(metadata: PlanMetadata, preview: Reply | "working"): ModalView {
  // A plan to ask for comes as code (`planPreview`); "nothing would change" comes as a table, with nothing to ask.
  const ready =
    preview !== "working" &&
    preview.outcome === "succeeded" &&
    preview.parts.some((part) => part.kind === "code");
  const blocks: KnownBlock[] =
    preview === "working"
      ? [
          {
            type: "section",
            text: { type: "mrkdwn", text: "Computing the plan from the connector's offsets…" },
          },
        ]
      : viewBlocks(preview);
  return {
    type: "modal",
    callback_id: planId,
    title: { type: "plain_text", text: "Reset offsets" },
    ...(ready ? { submit: { type: "plain_text", text: "Request" } } : {}),
    close: { type: "plain_text", text: ready ? "Cancel" : "Close" },
    private_metadata: JSON.stringify(metadata),
    blocks,
  };
}

/** The last view: what the request's filing answered, or a line while it is filed. */
function answerView(answer: Reply | string): ModalView {
  return {
    type: "modal",
    callback_id: "offsets-reset-answer",
    title: { type: "plain_text", text: "Reset offsets" },
    close: { type: "plain_text", text: "Close" },
    blocks:
      typeof answer === "string"
        ? [{ type: "section", text: { type: "plain_text", text: answer } }]
        : viewBlocks(answer),
  };
}

/** A reply as a view's blocks: a refusal has no parts, only its summary, which a message carries as its text. */
function viewBlocks(answer: Reply): KnownBlock[] {
  const blocks = renderTextBlocks(answer);
  const summary: KnownBlock = { type: "section", text: { type: "mrkdwn", text: fallbackText(answer) } };
  return (blocks.length === 0 ? [summary] : blocks).slice(0, 100);
}

/** The connector names of each cluster, read at most every {@link connectorCacheMs}, one read at a time. */
class ConnectorCache {
  readonly #read = new Map<string, { at: number; names: Promise<readonly string[]> }>();

  constructor(private readonly host: AdapterHost) {}

  names(cluster: string): Promise<readonly string[]> {
    const cached = this.#read.get(cluster);
    if (cached !== undefined && Date.now() - cached.at < connectorCacheMs) return cached.names;
    const names = this.host.connectorNames(cluster, randomUUID()).catch(() => [] as readonly string[]);
    this.#read.set(cluster, { at: Date.now(), names });
    return names;
  }
}
