import { randomUUID } from "node:crypto";
import type { App as BoltApp } from "@slack/bolt";
import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import type { AdapterHost } from "../../adapter-host.js";
import type { CommandCall } from "../../core/dispatcher.js";
import type { Reply } from "../../core/reply.js";
import type { Role } from "../../core/roles.js";
import { timedOut, timeLimit } from "../../core/time-limit.js";
import { type ButtonEncoding, fallbackText, renderBlocks, renderTextBlocks } from "../block-kit.js";
import { firstDelivery } from "../button-clicks.js";

/*
 * What every command form (a modal that fills in a typed command, issue 25 §1: offsets reset, offsets set, config
 * set, create) shares: opening on the bare slash command or a button, the connector type-ahead among those the person
 * may change, the fail-closed scope check before the form goes on, the typed command run as the person, and the last
 * two views (the plan with its "Request", then the answer). Each form module keeps only its own fields.
 */

/** The connector list is read once per cluster for this long: type-ahead asks on every key. */
const connectorCacheMs = 30_000;
/** Slack shows at most 100 options (api.slack.com/reference/block-kit/block-elements#external_select). */
const maxOptions = 100;
/** Slack's limits on an option (api.slack.com/reference/block-kit/composition-objects#option). */
const maxOptionText = 75;
const maxOptionValue = 150;
/** How long a submission or type-ahead waits for roles or the connector list: Slack wants its answer within 3 s. */
export const scopeWaitMs = 2_000;
/** Slack's limit on a view's private_metadata (api.slack.com/reference/surfaces/views). */
export const maxMetadata = 3000;
/** Slack's limit on a modal's blocks (api.slack.com/reference/surfaces/views). */
export const maxViewBlocks = 100;

/** A chosen connector, as its option's value: the cluster it is on, and its name. */
export const Choice = z
  .string()
  .transform((text) => JSON.parse(text) as unknown)
  .pipe(z.tuple([z.string().min(1), z.string().min(1)]));

/** What the plan view keeps for "Request": the typed command's arguments, and where it was asked. */
export const PlanMetadata = z.object({
  cluster: z.string(),
  args: z.record(z.string(), z.union([z.string(), z.literal(true)])),
  channel: z.string().optional(),
});
export type PlanMetadata = z.infer<typeof PlanMetadata>;

/** The fields of an interaction a form reads. */
export const Interaction = z.object({
  user: z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() }),
  trigger_id: z.string().min(1).optional(),
});
type Person = z.infer<typeof Interaction>["user"];

/** One input's value, as Slack reports it in `view.state.values[block][action]`. */
export const InputValue = z.object({
  value: z.string().nullish(),
  selected_option: z.object({ value: z.string() }).nullish(),
  selected_date_time: z.number().nullish(),
});
/** A view's inputs: `view.state.values`, block_id → action_id → value. */
export type FormValues = Readonly<Record<string, Readonly<Record<string, z.infer<typeof InputValue>>>>>;

/** A `view_submission`'s fields a form reads. */
export const ViewSubmission = Interaction.extend({
  view: z.object({
    id: z.string(),
    private_metadata: z.string().optional(),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), InputValue)) }),
  }),
});
export type ViewSubmission = z.infer<typeof ViewSubmission>;

/**
 * The connector a view's type-ahead `actionId` (block `connector`) chose, with the submission it came in; or the
 * errors to show beside the connector field when none was chosen or Slack sent what the bot could not read.
 */
export function chosenConnector(
  body: unknown,
  actionId: string,
):
  | { readonly submitted: ViewSubmission; readonly cluster: string; readonly connector: string }
  | { readonly errors: Record<string, string> } {
  const submitted = ViewSubmission.safeParse(body);
  const chosen = Choice.safeParse(
    submitted.data?.view.state.values.connector?.[actionId]?.selected_option?.value,
  );
  if (!submitted.success || !chosen.success)
    return { errors: { connector: "Choose a connector from the list." } };
  const [cluster, connector] = chosen.data;
  return { submitted: submitted.data, cluster, connector };
}

/** A form opened from `channel`, with `connector` chosen already when a button named it. */
export interface Opening {
  readonly channel?: string;
  readonly connector?: readonly [cluster: string, name: string];
}

/** The channel a form was opened in, kept in its private_metadata. */
export const OpeningMetadata = z
  .string()
  .transform(safeJson)
  .pipe(z.object({ channel: z.string().optional() }));

/** `text` parsed as JSON, or `undefined` when it is not JSON. */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A connector as a type-ahead option's value (and an "Offsets…" button's): `[cluster, connector]` as JSON. */
export function connectorChoiceValue(chosen: {
  readonly cluster: string;
  readonly connector: string;
}): string {
  return JSON.stringify([chosen.cluster, chosen.connector]);
}

/** The option naming a connector; `undefined` when its value would exceed Slack's limit (the typed command takes it). */
export function connectorOption(
  cluster: string,
  name: string,
  showCluster: boolean,
): PlainTextOption | undefined {
  const value = connectorChoiceValue({ cluster, connector: name });
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

/** The connector input: an `external_select` whose options come from {@link handleConnectorSuggestions}. */
export function connectorInput(actionId: string, opening: Opening = {}): KnownBlock {
  const chosen = opening.connector === undefined ? undefined : connectorOption(...opening.connector, false);
  return {
    type: "input",
    block_id: "connector",
    label: { type: "plain_text", text: "Connector" },
    element: {
      type: "external_select",
      action_id: actionId,
      placeholder: { type: "plain_text", text: "Type part of its name" },
      min_query_length: 0,
      ...(chosen === undefined ? {} : { initial_option: chosen }),
    },
  };
}

/** The reason input every request carries. */
export const reasonInput: KnownBlock = {
  type: "input",
  block_id: "reason",
  label: { type: "plain_text", text: "Reason" },
  hint: { type: "plain_text", text: "Shown to the approver and kept in the audit." },
  element: { type: "plain_text_input", action_id: "reason", multiline: true, max_length: 500 },
};

/** A bare slash command that opens a form: who typed it, where, and the trigger `views.open` needs within 3 s. */
export interface BareCommand {
  readonly triggerId: string;
  readonly channelId: string;
  readonly userId: string;
}

/**
 * Opens a form when `/connect <command>` is typed with nothing after it (`command` matched whole, any case and
 * spacing); with arguments the command runs as typed. Slack's retry of the same command opens nothing twice.
 */
export function openOnBareCommand(
  bolt: BoltApp,
  host: AdapterHost,
  command: string,
  open: (typed: BareCommand) => Promise<void>,
): void {
  const bare = new RegExp(`^\\s*${command.split(" ").join("\\s+")}\\s*$`, "i");
  bolt.use(async (args) => {
    const slash = z
      .object({ text: z.string(), trigger_id: z.string(), channel_id: z.string(), user_id: z.string() })
      .safeParse(args.body);
    const ack = "ack" in args ? args.ack : undefined;
    if (!slash.success || !bare.test(slash.data.text) || ack === undefined) {
      await args.next();
      return;
    }
    await ack();
    if ((await firstDelivery(host, "command", slash.data.trigger_id)) !== true) return;
    await open({
      triggerId: slash.data.trigger_id,
      channelId: slash.data.channel_id,
      userId: slash.data.user_id,
    });
  });
}

/**
 * Opens a form with `open`: on the typed `/connect <command>` with no arguments ({@link openOnBareCommand}), and on
 * a click of the button `buttonId` whose value names a connector ({@link formButtonOf}), opened on that connector.
 * Slack gives 3 s from the command or click to `views.open`: the form opens with what is at hand.
 */
export function handleFormOpening(
  bolt: BoltApp,
  host: AdapterHost,
  form: { readonly command: string; readonly buttonId: string },
  open: (triggerId: string, opening: Opening) => Promise<void>,
): void {
  openOnBareCommand(bolt, host, form.command, (typed) => open(typed.triggerId, { channel: typed.channelId }));

  bolt.action({ action_id: form.buttonId }, async ({ ack, body }) => {
    await ack();
    const click = Interaction.extend({
      actions: z.array(z.object({ value: Choice })).length(1),
      channel: z.object({ id: z.string() }).optional(),
    }).safeParse(body);
    const chosen = click.data?.actions[0]?.value;
    if (!click.success || click.data.trigger_id === undefined || chosen === undefined) return;
    await open(click.data.trigger_id, {
      ...(click.data.channel === undefined ? {} : { channel: click.data.channel.id }),
      connector: chosen,
    });
  });
}

/**
 * A `command` naming only its connector (a reply's "Offsets…" action) as a button `buttonId` that opens the form on
 * that connector; any other action is not this encoding's.
 */
export function formButtonOf(command: string, buttonId: string): ButtonEncoding {
  return ({ call }) => {
    const { connector, ...rest } = call.args;
    if (call.command !== command || connector === undefined || call.cluster === undefined) return undefined;
    if (Object.keys(rest).length > 0) return undefined;
    return { actionId: buttonId, value: connectorChoiceValue({ cluster: call.cluster, connector }) };
  };
}

/**
 * Answers the type-ahead of `actionId` (`block_suggestion`) with the connectors whose names contain what was typed
 * and on which the person holds `role`. Fails closed: a cluster whose roles or list cannot be read in the time Slack
 * waits offers nothing.
 */
export function handleConnectorSuggestions(
  bolt: BoltApp,
  host: AdapterHost,
  actionId: string,
  role: Role | "anyone",
): void {
  const connectors = new ConnectorCache(host);
  bolt.options<"block_suggestion">({ action_id: actionId }, async ({ ack, body }) => {
    const asked = Interaction.extend({ value: z.string().default("") }).safeParse(body);
    if (!asked.success || role === "anyone") return ack({ options: [] });
    const query = asked.data.value.trim().toLowerCase();
    const options: PlainTextOption[] = [];
    for (const cluster of host.clusterNames) {
      const [scope, names] = await Promise.all([
        timeLimit(host.roles.scopeOf(asked.data.user.id, cluster), scopeWaitMs).catch(
          (): typeof timedOut => timedOut,
        ),
        timeLimit(connectors.names(cluster), scopeWaitMs),
      ]);
      if (scope === timedOut || names === timedOut) continue;
      for (const name of names) {
        if (!name.toLowerCase().includes(query) || !scope.check(name, role).inScope) continue;
        const option = connectorOption(cluster, name, host.clusterNames.length > 1);
        if (option !== undefined) options.push(option);
      }
    }
    await ack({ options: options.slice(0, maxOptions) });
  });
}

/**
 * Whether the person may ask `verb` of this connector (`role` on it; `verb` a phrase such as "reset the offsets
 * of"), checked before a form goes on, so a crafted submission of a connector the type-ahead never offered them is
 * refused: the refusal is keyed by `where.field` (the block it shows beside; `connector` unless said). Fails closed:
 * roles that cannot be read refuse. The dispatcher checks again when the request is filed.
 */
export async function outOfScope(
  host: AdapterHost,
  userId: string,
  where: { readonly cluster: string; readonly connector: string; readonly field?: string },
  role: Role | "anyone",
  verb: string,
): Promise<Record<string, string> | undefined> {
  const { cluster, connector, field = "connector" } = where;
  if (!host.clusterNames.includes(cluster)) return { [field]: `Cluster ${cluster} is not configured.` };
  const needed = role === "anyone" ? "viewer" : role;
  const unread = { [field]: "Your roles could not be read just now; try again in a minute." };
  try {
    // Slack waits 3 s for the answer to a submission: roles that take longer refuse (fail closed).
    const scope = await timeLimit(host.roles.scopeOf(userId, cluster, { needed, connector }), scopeWaitMs);
    if (scope === timedOut) return unread;
    const check = scope.check(connector, needed);
    return check.inScope ? undefined : { [field]: `Asking to ${verb} ${connector} ${check.reason}.` };
  } catch {
    return unread;
  }
}

/** Runs the typed command's call as the person, exactly as a typed line or a button is run. */
export function dispatchAs(
  host: AdapterHost,
  user: Person,
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
 * A command form's names: the command it fills in, the modal's title, its plan and answer views' callback ids, and
 * what the plan view says while the typed command's `--preview` computes the plan.
 */
export interface CommandForm {
  readonly command: string;
  /** At most 24 characters (Slack's limit on a modal's title). */
  readonly title: string;
  /** The plan view's callback_id: its submission is "Request". */
  readonly planId: string;
  readonly answerId: string;
  /** What the plan view says while the plan is computed. */
  readonly working: string;
}

/**
 * Shows the plan in a view already answered with `planView(form, metadata, "working")` (Slack waits 3 s for that
 * answer): dispatches the typed command with `--preview` as the person and updates the view with its answer.
 */
export async function showPlan(
  host: AdapterHost,
  client: WebClient,
  form: CommandForm,
  submission: { readonly user: Person; readonly viewId: string },
  metadata: PlanMetadata,
): Promise<void> {
  const preview = await dispatchAs(
    host,
    submission.user,
    { command: form.command, cluster: metadata.cluster, args: { ...metadata.args, preview: true } },
    metadata.channel,
  );
  await client.views.update({ view_id: submission.viewId, view: planView(form, metadata, preview) });
}

/**
 * "Request" on the plan view: dispatches the typed command's arguments the plan view kept, as the person, shows the
 * answer in the modal and, when the typed command's answer would go to the channel, posts it there too.
 */
export function handleRequest(bolt: BoltApp, host: AdapterHost, client: WebClient, form: CommandForm): void {
  bolt.view(form.planId, async ({ ack, body }) => {
    const submitted = ViewSubmission.safeParse(body);
    const metadata = PlanMetadata.safeParse(safeJson(submitted.data?.view.private_metadata ?? ""));
    if (!submitted.success || !metadata.success) {
      await ack({
        response_action: "update",
        view: answerView(form, "Slack sent a form the bot could not read; nothing was asked."),
      });
      return;
    }
    await ack({ response_action: "update", view: answerView(form, "Asking…") });
    const { cluster, args, channel } = metadata.data;
    const answer = await dispatchAs(
      host,
      submitted.data.user,
      { command: form.command, args, cluster },
      channel,
    );
    await client.views.update({ view_id: submitted.data.view.id, view: answerView(form, answer) });
    if (channel !== undefined && answer.visibility === "in_channel") {
      await client.chat
        .postMessage({ channel, text: fallbackText(answer), blocks: renderBlocks(answer) })
        .catch((error: unknown) =>
          host.log("warn", `${form.command} form: could not post the answer in ${channel}: ${String(error)}`),
        );
    }
  });
}

/**
 * The plan view: the plan, as the typed command's `--preview` answers it, with "Request" when there is one to ask
 * for; "working" while it is computed.
 */
export function planView(form: CommandForm, metadata: PlanMetadata, preview: Reply | "working"): ModalView {
  // A plan to ask for comes as code (`planPreview`); "nothing would change" comes as a table, with nothing to ask.
  const ready =
    preview !== "working" &&
    preview.outcome === "succeeded" &&
    preview.parts.some((part) => part.kind === "code");
  const blocks: KnownBlock[] =
    preview === "working"
      ? [{ type: "section", text: { type: "mrkdwn", text: form.working } }]
      : viewBlocks(preview);
  return {
    type: "modal",
    callback_id: form.planId,
    title: { type: "plain_text", text: form.title },
    ...(ready ? { submit: { type: "plain_text", text: "Request" } } : {}),
    close: { type: "plain_text", text: ready ? "Cancel" : "Close" },
    private_metadata: JSON.stringify(metadata),
    blocks,
  };
}

/** A view with only an answer: what the request's filing answered, or a line while it is filed. */
export function answerView(form: CommandForm, answer: Reply | string): ModalView {
  return {
    type: "modal",
    callback_id: form.answerId,
    title: { type: "plain_text", text: form.title },
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
  return (blocks.length === 0 ? [summary] : blocks).slice(0, maxViewBlocks);
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
