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
import { fallbackText, renderBlocks, renderTextBlocks } from "../block-kit.js";
import { firstDelivery } from "../button-clicks.js";

/**
 * What every command form shares (issue 25 §1): the connector chosen by type-ahead among those the person may
 * change, the fail-closed role check before a form goes on, the typed command run as the person, and the last two
 * views (the plan with its "Request", then the answer). Each form module keeps only its own fields.
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
/** Slack's limit on a view's blocks (api.slack.com/reference/surfaces/views). */
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

/** The fields of an interaction the forms read. */
export const Interaction = z.object({
  user: z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() }),
  trigger_id: z.string().min(1).optional(),
});

/** One input's value, as Slack reports it in `view.state.values[block][action]`. */
export const InputValue = z.object({
  value: z.string().nullish(),
  selected_option: z.object({ value: z.string() }).nullish(),
  selected_date_time: z.number().nullish(),
});
export type FormValues = Readonly<Record<string, Readonly<Record<string, z.infer<typeof InputValue>>>>>;

export const ViewSubmission = Interaction.extend({
  view: z.object({
    id: z.string(),
    private_metadata: z.string().optional(),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), InputValue)) }),
  }),
});

/** The channel a form was opened in, kept in its private_metadata. */
export const OpeningMetadata = z
  .string()
  .transform(safeJson)
  .pipe(z.object({ channel: z.string().optional() }));

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

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

/** A connector as a type-ahead option's value (and a button's): `[cluster, connector]` as JSON. */
export function connectorValue(chosen: { readonly cluster: string; readonly connector: string }): string {
  return JSON.stringify([chosen.cluster, chosen.connector]);
}

/** A connector as a type-ahead option; undefined when its name is too long for Slack's option value. */
export function connectorOption(
  cluster: string,
  name: string,
  showCluster: boolean,
): PlainTextOption | undefined {
  const value = connectorValue({ cluster, connector: name });
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
 * Answers the type-ahead of `actionId` (`block_suggestion`) with the connectors whose names hold what was typed and
 * on which the person holds `role`. Fails closed: a cluster whose roles or connectors cannot be read in the time
 * Slack waits offers nothing.
 */
export function answerConnectorSuggestions(
  bolt: BoltApp,
  host: AdapterHost,
  actionId: string,
  role: Role | "anyone",
): void {
  const connectors = new ConnectorCache(host);
  bolt.options<"block_suggestion">({ action_id: actionId }, async ({ ack, body }) => {
    const asked = Interaction.extend({ value: z.string().default("") }).safeParse(body);
    if (!asked.success) return ack({ options: [] });
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
}

/**
 * Whether the person may `what` (a verb phrase: "reset the offsets of") connector `connector`, holding `role` on
 * it: checked before a form goes on, so a crafted submission of a connector the type-ahead never offered them is
 * refused beside the `connector` field. Fails closed: roles that cannot be read refuse. The dispatcher checks
 * again when the request is filed.
 */
export async function outOfScope(
  host: AdapterHost,
  userId: string,
  target: {
    readonly cluster: string;
    readonly connector: string;
    readonly role: Role | "anyone";
    readonly what: string;
  },
): Promise<Record<string, string> | undefined> {
  const { cluster, connector, role, what } = target;
  if (!host.clusterNames.includes(cluster)) return { connector: `Cluster ${cluster} is not configured.` };
  const needed = role === "anyone" ? "viewer" : role;
  const unread = { connector: "Your roles could not be read just now; try again in a minute." };
  try {
    // Slack waits 3 s for the answer to a submission: roles that take longer refuse (fail closed).
    const scope = await timeLimit(host.roles.scopeOf(userId, cluster, { needed, connector }), scopeWaitMs);
    if (scope === timedOut) return unread;
    const check = scope.check(connector, needed);
    return check.inScope ? undefined : { connector: `Asking to ${what} ${connector} ${check.reason}.` };
  } catch {
    return unread;
  }
}

/** Runs the typed command's call as the person, exactly as a typed line or a button is run. */
export function dispatchAs(
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

/** A reply as a view's blocks: a refusal has no parts, only its summary, which a message carries as its text. */
export function viewBlocks(answer: Reply): KnownBlock[] {
  const blocks = renderTextBlocks(answer);
  const summary: KnownBlock = { type: "section", text: { type: "mrkdwn", text: fallbackText(answer) } };
  return (blocks.length === 0 ? [summary] : blocks).slice(0, maxViewBlocks);
}

/** The reason every form asks for, as the typed commands' `--reason`. */
export const reasonBlock: KnownBlock = {
  type: "input",
  block_id: "reason",
  label: { type: "plain_text", text: "Reason" },
  hint: { type: "plain_text", text: "Shown to the approver and kept in the audit." },
  element: { type: "plain_text_input", action_id: "reason", multiline: true, max_length: 500 },
};

/** A form's last two views: their title, callback ids and the command "Request" runs. */
export interface RequestStage {
  readonly command: string;
  /** The modal's title (at most 24 characters). */
  readonly title: string;
  /** The plan view's callback_id: its submission is "Request". */
  readonly planId: string;
  readonly answerId: string;
  /** What the plan view says while the plan is computed. */
  readonly working: string;
}

/**
 * The plan view: the plan, as the typed command's `--preview` answers it, with "Request" when there is one to ask
 * for; "working" while it is computed.
 */
export function planView(stage: RequestStage, metadata: PlanMetadata, preview: Reply | "working"): ModalView {
  // A plan to ask for comes as code (`planPreview`); "nothing would change" comes without, with nothing to ask.
  const ready =
    preview !== "working" &&
    preview.outcome === "succeeded" &&
    preview.parts.some((part) => part.kind === "code");
  return {
    type: "modal",
    callback_id: stage.planId,
    title: { type: "plain_text", text: stage.title },
    ...(ready ? { submit: { type: "plain_text", text: "Request" } } : {}),
    close: { type: "plain_text", text: ready ? "Cancel" : "Close" },
    private_metadata: JSON.stringify(metadata),
    blocks:
      preview === "working"
        ? [{ type: "section", text: { type: "mrkdwn", text: stage.working } }]
        : viewBlocks(preview),
  };
}

/** The last view: what the request's filing answered, or a line while it is filed. */
export function answerView(stage: RequestStage, answer: Reply | string): ModalView {
  return {
    type: "modal",
    callback_id: stage.answerId,
    title: { type: "plain_text", text: stage.title },
    close: { type: "plain_text", text: "Close" },
    blocks:
      typeof answer === "string"
        ? [{ type: "section", text: { type: "plain_text", text: answer } }]
        : viewBlocks(answer),
  };
}

/**
 * "Request" on the plan view: dispatches the typed command's arguments kept in the view as the person, shows the
 * answer in the modal, and posts it where the typed command's answer goes (in the channel, so the team sees it).
 */
export function handleRequestStage(
  bolt: BoltApp,
  host: AdapterHost,
  client: WebClient,
  stage: RequestStage,
): void {
  bolt.view(stage.planId, async ({ ack, body }) => {
    const submitted = ViewSubmission.safeParse(body);
    const metadata = PlanMetadata.safeParse(safeJson(submitted.data?.view.private_metadata ?? ""));
    if (!submitted.success || !metadata.success) {
      await ack({
        response_action: "update",
        view: answerView(stage, "Slack sent a form the bot could not read; nothing was asked."),
      });
      return;
    }
    await ack({ response_action: "update", view: answerView(stage, "Asking…") });
    const { cluster, args, channel } = metadata.data;
    const answer = await dispatchAs(
      host,
      submitted.data.user,
      { command: stage.command, args, cluster },
      channel,
    );
    await client.views.update({ view_id: submitted.data.view.id, view: answerView(stage, answer) });
    if (channel !== undefined && answer.visibility === "in_channel") {
      await client.chat
        .postMessage({ channel, text: fallbackText(answer), blocks: renderBlocks(answer) })
        .catch((error: unknown) =>
          host.log(
            "warn",
            `${stage.command} form: could not post the answer in ${channel}: ${String(error)}`,
          ),
        );
    }
  });
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
