import { randomUUID } from "node:crypto";
import type { App as BoltApp } from "@slack/bolt";
import type { ModalView } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import { configSet } from "../../../commands/config-set.js";
import type { AdapterHost } from "../../adapter-host.js";
import { describeFailure } from "../../core/error-words.js";
import type { PluginConfigKey } from "../../core/ports/connect-vocabulary.js";
import { escapeMrkdwn } from "../block-kit.js";
import {
  answerView,
  type CommandForm,
  chosenConnector,
  connectorInput,
  dispatchAs,
  handleConnectorSuggestions,
  handleRequest,
  maxMetadata,
  OpeningMetadata,
  openOnBareCommand,
  outOfScope,
  type PlanMetadata,
  reasonInput,
  safeJson,
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

const pickId = "config-set-pick";
const formId = "config-set-form";
const connectorAction = "config-set-connector";
const title = "Change a config";
const what = "change the config of";
/**
 * The command the form fills in (every check, the audit and the request are that command's own), and its last two
 * views: the diff and validation `config set … --preview` computes, then what "Request" filed.
 */
const form: CommandForm = {
  command: "config set",
  title,
  planId: "config-set-plan",
  answerId: "config-set-answer",
  working: "Connect is validating the config as it would be…",
};

/** Where the form was opened and which connector it changes, in its private_metadata. */
const FormMetadata = z
  .string()
  .transform(safeJson)
  .pipe(z.object({ cluster: z.string(), connector: z.string(), channel: z.string().optional() }));
type FormMetadata = z.output<typeof FormMetadata>;

/**
 * The `config set` form (issue 25 §1): `/connect config set` with no arguments opens it. The connector is chosen by
 * type-ahead among those the person may change; then each key its plugin declares is offered with its current
 * value (secrets hidden as `config` hides them), and another key may be added; "Preview" shows the diff and
 * Connect's validation as `config set … --preview` computes them, a refused value beside its key; "Request"
 * dispatches the typed command's own arguments as the person. A value left as shown is not part of the change;
 * a value cleared removes its key (`--unset`).
 */
export function handleConfigSetModal(bolt: BoltApp, host: AdapterHost, client: WebClient): void {
  openOnBareCommand(bolt, host, form.command, (typed) =>
    client.views.open({ trigger_id: typed.triggerId, view: pickView(typed.channelId) }).then(() => {}),
  );

  handleConnectorSuggestions(bolt, host, connectorAction, configSet.role);

  bolt.view(pickId, async ({ ack, body }) => {
    const picked = chosenConnector(body, connectorAction);
    if ("errors" in picked) return ack({ response_action: "errors", errors: picked.errors });
    const { submitted, cluster, connector } = picked;
    const refused = await outOfScope(host, submitted.user.id, { cluster, connector }, configSet.role, what);
    if (refused !== undefined) return ack({ response_action: "errors", errors: refused });
    const channel = OpeningMetadata.safeParse(submitted.view.private_metadata ?? "").data?.channel;
    const metadata: FormMetadata = { cluster, connector, ...(channel === undefined ? {} : { channel }) };
    // Open at once with what is at hand; the keys follow when Connect has answered.
    await ack({ response_action: "update", view: answerView(form, `Reading the config of ${connector}…`) });
    const requestId = randomUUID();
    const view = await host.connectorSettings(cluster, connector, requestId).then(
      (settings) => settingsForm(metadata, settings.shown, settings.definition),
      (error: unknown) => answerView(form, describeFailure(error, requestId).summary),
    );
    await client.views.update({ view_id: submitted.view.id, view });
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
    const filled = readSettings(submitted.data.view.state.values, shown.data.view.blocks);
    if ("errors" in filled) return ack({ response_action: "errors", errors: filled.errors });
    const changes = filled.read;
    const args: Record<string, string> = {
      connector,
      reason: submitted.data.view.state.values.reason?.reason?.value ?? "",
      ...(changes.set.length === 0 ? {} : { settings: settingWords(changes.set) }),
      ...(changes.unset.length === 0 ? {} : { unset: changes.unset.join(",") }),
    };
    const wrong = schemaErrors(args);
    if (wrong !== undefined) return ack({ response_action: "errors", errors: wrong });
    const refused = await outOfScope(
      host,
      submitted.data.user.id,
      { cluster, connector, field: "reason" },
      configSet.role,
      what,
    );
    if (refused !== undefined) return ack({ response_action: "errors", errors: refused });
    const metadata: PlanMetadata = { cluster, args, ...(channel === undefined ? {} : { channel }) };
    if (JSON.stringify(metadata).length > maxMetadata)
      return ack({
        response_action: "errors",
        errors: { reason: "Too much for one form: change fewer keys here, or type `config set`." },
      });
    await answerWithPreview(
      (response) => ack(response),
      client,
      { viewId: submitted.data.view.id, form, metadata, fields: changes.fields },
      dispatchAs(
        host,
        submitted.data.user,
        { command: "config set", args: { ...args, preview: true }, cluster },
        channel,
      ),
    );
  });

  handleRequest(bolt, host, client, form);
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
    blocks: [connectorInput(connectorAction)],
  };
}

/** The second view: each key of the plugin with its current value, another key, and the reason. */
function settingsForm(
  metadata: FormMetadata,
  shown: Readonly<Record<string, string>>,
  definition: readonly PluginConfigKey[],
): ModalView {
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
          text: `*${escapeMrkdwn(metadata.connector)}* on ${escapeMrkdwn(metadata.cluster)}`,
        },
      },
      ...settingsBlocks(shown, definition, {
        note: "A value left as shown is not changed; a value cleared removes its key. Secrets show hidden: give a config-provider reference to change one.",
      }),
      reasonInput,
    ],
  };
}

/** The command's own refusal of the arguments: the reason beside its field, anything else beside another key. */
function schemaErrors(args: Record<string, string>): Record<string, string> | undefined {
  const parsed = configSet.args.safeParse(args);
  if (parsed.success) return undefined;
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    // What changes (nothing at all, a bad word) has no one field: it goes beside the free key.
    const field = issue.path[0] === "reason" ? "reason" : newKeyBlock;
    errors[field] ??= issue.message;
  }
  return errors;
}
