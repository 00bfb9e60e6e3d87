import { randomUUID } from "node:crypto";
import type { App as BoltApp } from "@slack/bolt";
import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import { create } from "../../../commands/create.js";
import type { AdapterHost } from "../../adapter-host.js";
import { describeFailure } from "../../core/error-words.js";
import type { PluginConfigKey } from "../../core/ports/connect-vocabulary.js";
import { hasRole } from "../../core/roles.js";
import { timedOut, timeLimit } from "../../core/time-limit.js";
import { escapeMrkdwn } from "../block-kit.js";
import {
  answerView,
  Choice,
  type CommandForm,
  dispatchAs,
  handleRequest,
  maxMetadata,
  OpeningMetadata,
  openOnBareCommand,
  outOfScope,
  type PlanMetadata,
  reasonInput,
  safeJson,
  scopeWaitMs,
  ViewSubmission,
} from "./command-form.js";
import {
  answerWithPreview,
  newKeyBlock,
  readSettings,
  ShownBlocks,
  settingsBlocks,
  settingWords,
} from "./settings-fields.js";

const pickId = "create-pick";
const formId = "create-form";
const pluginAction = "create-plugin";
const title = "Create a connector";
/** The states a connector is created in, each with the typed command's flag (none: RUNNING). */
const states = { RUNNING: undefined, PAUSED: "paused", STOPPED: "stopped" } as const;
type State = keyof typeof states;

/**
 * The command the form fills in (every check, the audit and the request are that command's own), and its last two
 * views: the plan `create … --preview` computes, then what "Request" filed.
 */
const form: CommandForm = {
  command: "create",
  title,
  planId: "create-plan",
  answerId: "create-answer",
  working: "Connect is validating the config…",
};

/** What the keys form keeps: where it was opened, the cluster, the new connector's name and its plugin. */
const FormMetadata = z
  .string()
  .transform(safeJson)
  .pipe(
    z.object({ cluster: z.string(), name: z.string(), plugin: z.string(), channel: z.string().optional() }),
  );
type FormMetadata = z.output<typeof FormMetadata>;

/**
 * The `create` form (issue 25 §1): `/connect create` with no arguments opens it. The plugin is chosen among those
 * installed on the clusters where the person may create connectors, with the new connector's name; then each key
 * of the plugin's config definition is offered (required ones first) with another key; "Preview" shows what
 * `create … --preview` computes (every setting, secrets hidden, and Connect's validation), a refused value beside its
 * key; "Request" dispatches the typed command's own arguments as the person.
 */
export function handleCreateModal(bolt: BoltApp, host: AdapterHost, client: WebClient): void {
  openOnBareCommand(bolt, host, form.command, async (typed) => {
    // Slack gives 3 s from the command to views.open: open first, then list the plugins.
    const opened = await client.views.open({
      trigger_id: typed.triggerId,
      view: answerView(form, "Reading the installed connector plugins…"),
    });
    const viewId = opened.view?.id;
    if (viewId === undefined) return;
    const options = await pluginOptions(host, typed.userId);
    await client.views.update({ view_id: viewId, view: pickView(options, typed.channelId) });
  });

  /** Whether the person may create this connector: the refusal beside `field`, or undefined. */
  const mayCreate = (userId: string, where: Parameters<typeof outOfScope>[2]) =>
    outOfScope(host, userId, where, create.role, "create");

  bolt.view(pickId, async ({ ack, body }) => {
    const submitted = ViewSubmission.safeParse(body);
    const values = submitted.data?.view.state.values;
    const chosen = Choice.safeParse(values?.plugin?.[pluginAction]?.selected_option?.value);
    if (!submitted.success || !chosen.success)
      return ack({ response_action: "errors", errors: { plugin: "Choose a plugin from the list." } });
    const [cluster, plugin] = chosen.data;
    const name = values?.name?.name?.value?.trim() ?? "";
    const named = create.args.safeParse({ name, settings: `connector.class=${plugin}`, reason: "-" });
    const wrongName = named.error?.issues.find((issue) => issue.path[0] === "name");
    if (wrongName !== undefined)
      return ack({ response_action: "errors", errors: { name: wrongName.message } });
    const refused = await mayCreate(submitted.data.user.id, { cluster, connector: name, field: "name" });
    if (refused !== undefined) return ack({ response_action: "errors", errors: refused });
    const channel = OpeningMetadata.safeParse(submitted.data.view.private_metadata ?? "").data?.channel;
    const metadata: FormMetadata = { cluster, name, plugin, ...(channel === undefined ? {} : { channel }) };
    await ack({ response_action: "update", view: answerView(form, `Reading the keys of ${plugin}…`) });
    const requestId = randomUUID();
    const view = await host.pluginConfig(cluster, plugin, requestId).then(
      (definition) => settingsForm(metadata, definition),
      (error: unknown) => answerView(form, describeFailure(error, requestId).summary),
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
    const { cluster, name, plugin, channel } = opened.data;
    const values = submitted.data.view.state.values;
    const filled = readSettings(values, shown.data.view.blocks);
    if ("errors" in filled) return ack({ response_action: "errors", errors: filled.errors });
    const chosenState = values.state?.state?.selected_option?.value ?? "RUNNING";
    const flag = chosenState in states ? states[chosenState as State] : undefined;
    const args: Record<string, string | true> = {
      name,
      settings: settingWords([["connector.class", plugin], ...filled.read.set]),
      reason: values.reason?.reason?.value ?? "",
      ...(flag === undefined ? {} : { [flag]: true }),
    };
    const parsed = create.args.safeParse(args);
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const issue of parsed.error.issues)
        errors[issue.path[0] === "reason" ? "reason" : newKeyBlock] ??= issue.message;
      return ack({ response_action: "errors", errors });
    }
    const refused = await mayCreate(submitted.data.user.id, { cluster, connector: name, field: "reason" });
    if (refused !== undefined) return ack({ response_action: "errors", errors: refused });
    const metadata: PlanMetadata = { cluster, args, ...(channel === undefined ? {} : { channel }) };
    if (JSON.stringify(metadata).length > maxMetadata)
      return ack({
        response_action: "errors",
        errors: { reason: "Too much for one form: type `create` with --config instead." },
      });
    await answerWithPreview(
      (response) => ack(response),
      client,
      { viewId: submitted.data.view.id, form, metadata, fields: filled.read.fields },
      dispatchAs(
        host,
        submitted.data.user,
        { command: "create", args: { ...args, preview: true }, cluster },
        channel,
      ),
    );
  });

  handleRequest(bolt, host, client, form);
}

/**
 * The installed connector plugins of each cluster where the person holds the operator role somewhere (a connector
 * pattern may still refuse the name), as options. Fails closed: a cluster whose roles or plugins cannot be read in
 * the time Slack waits offers nothing.
 */
async function pluginOptions(host: AdapterHost, userId: string): Promise<PlainTextOption[]> {
  const role = create.role === "anyone" ? "viewer" : create.role;
  const options: PlainTextOption[] = [];
  for (const cluster of host.clusterNames) {
    const scope = await timeLimit(host.roles.scopeOf(userId, cluster), scopeWaitMs).catch(
      (): typeof timedOut => timedOut,
    );
    if (scope === timedOut || !hasRole(scope.anywhere(), role)) continue;
    const plugins = await timeLimit(host.connectorPlugins(cluster, randomUUID()), scopeWaitMs).catch(
      (): typeof timedOut => timedOut,
    );
    if (plugins === timedOut) continue;
    for (const plugin of plugins) {
      const value = JSON.stringify([cluster, plugin.class]);
      const short = plugin.class.split(".").at(-1) ?? plugin.class;
      const label = `${short} (${plugin.type}${host.clusterNames.length > 1 ? `, ${cluster}` : ""})`;
      // Slack's option limits: value 150, text 75 characters.
      if (value.length <= 150)
        options.push({ text: { type: "plain_text", text: label.slice(0, 75) }, value });
    }
  }
  return options.slice(0, 100);
}

/** The first view: the plugin among those installed, and the new connector's name. */
function pickView(options: readonly PlainTextOption[], channel: string): ModalView {
  const common = {
    type: "modal",
    title: { type: "plain_text", text: title },
    close: { type: "plain_text", text: "Cancel" },
    private_metadata: JSON.stringify({ channel }),
  } as const;
  if (options.length === 0)
    return {
      ...common,
      callback_id: pickId,
      blocks: [
        {
          type: "section",
          text: {
            type: "plain_text",
            text: "No connector plugin to offer: creating a connector needs the operator role on a cluster, and its plugins must be readable.",
          },
        },
      ],
    };
  return {
    ...common,
    callback_id: pickId,
    submit: { type: "plain_text", text: "Next" },
    blocks: [
      {
        type: "input",
        block_id: "plugin",
        label: { type: "plain_text", text: "Plugin" },
        element: { type: "static_select", action_id: pluginAction, options: [...options] },
      },
      {
        type: "input",
        block_id: "name",
        label: { type: "plain_text", text: "Name of the new connector" },
        element: { type: "plain_text_input", action_id: "name", max_length: 249 },
      },
    ],
  };
}

/** The second view: the plugin's keys (required first), another key, the state to create it in, the reason. */
function settingsForm(metadata: FormMetadata, definition: readonly PluginConfigKey[]): ModalView {
  const stateOptions: PlainTextOption[] = (Object.keys(states) as State[]).map((state) => ({
    text: { type: "plain_text", text: state },
    value: state,
  }));
  const [running] = stateOptions;
  const stateBlock: KnownBlock = {
    type: "input",
    block_id: "state",
    label: { type: "plain_text", text: "Create it" },
    element: {
      type: "static_select",
      action_id: "state",
      options: stateOptions,
      ...(running === undefined ? {} : { initial_option: running }),
    },
  };
  return {
    type: "modal",
    callback_id: formId,
    title: { type: "plain_text", text: title },
    submit: { type: "plain_text", text: "Preview" },
    close: { type: "plain_text", text: "Cancel" },
    private_metadata: JSON.stringify(metadata),
    blocks: [
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: `*${escapeMrkdwn(metadata.name)}* on ${escapeMrkdwn(metadata.cluster)}: ${escapeMrkdwn(metadata.plugin)}`,
        },
      },
      ...settingsBlocks({}, definition, {
        note: "A key left empty is not set (its default applies). Secrets take a config-provider reference, never the secret itself.",
        leftOut: ["connector.class"],
      }),
      stateBlock,
      reasonInput,
    ],
  };
}
