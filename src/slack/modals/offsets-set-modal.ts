import { createHash, randomUUID } from "node:crypto";
import type { App as BoltApp } from "@slack/bolt";
import type { KnownBlock, ModalView } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import { offsetsSet } from "../../../commands/offsets-set.js";
import type { AdapterHost } from "../../adapter-host.js";
import { canonicalJson } from "../../core/canonical-json.js";
import { cutText } from "../../core/cut-text.js";
import { describeFailure } from "../../core/error-words.js";
import { ConnectorOffset } from "../../core/ports.js";
import { timedOut, timeLimit } from "../../core/time-limit.js";
import type { ButtonEncoding } from "../block-kit.js";
import {
  type CommandForm,
  chosenConnector,
  connectorInput,
  type FormValues,
  formButtonOf,
  handleConnectorSuggestions,
  handleFormOpening,
  handleRequest,
  maxMetadata,
  maxViewBlocks,
  type Opening,
  OpeningMetadata,
  outOfScope,
  type PlanMetadata,
  planView,
  reasonInput,
  safeJson,
  scopeWaitMs,
  showPlan,
  ViewSubmission,
} from "./command-form.js";

/** The command the form fills in: every check, the audit and the request are that command's own. */
const form: CommandForm = {
  command: "offsets set",
  title: "Set source offsets",
  planId: "offsets-set-plan",
  answerId: "offsets-set-answer",
  working: "Computing the plan from the connector's offsets…",
};
/**
 * The person's scope checked and the connector's type and offsets read, side by side and both within the 3 s Slack
 * waits for the answer to a submission: what stops the form in words (fails closed), or what Connect holds.
 */
async function readInScope(
  host: AdapterHost,
  userId: string,
  where: { readonly cluster: string; readonly connector: string },
): Promise<{ problem: string } | Awaited<ReturnType<AdapterHost["connectorOffsets"]>>> {
  const requestId = randomUUID();
  const [refused, read] = await Promise.all([
    outOfScope(host, userId, where, offsetsSet.role, "set the offsets of"),
    timeLimit(host.connectorOffsets(where.cluster, where.connector, requestId), scopeWaitMs).catch(
      (error: unknown) => ({ problem: describeFailure(error, requestId).summary }),
    ),
  ]);
  if (refused !== undefined) return { problem: refused.connector ?? "" };
  if (read === timedOut)
    return { problem: `Connect did not answer within ${scopeWaitMs / 1000} s; try again in a minute.` };
  return read;
}

/** The first view: which connector. */
const formId = "offsets-set-form";
/** The second view: its source partitions, each offset editable, and the reason. */
const offsetsId = "offsets-set-offsets";
const connectorAction = "offsets-set-connector";
/** The "Offsets…" button's action id under a source connector's `status`; its value is `[cluster, connector]`. */
const formButton = "offsets-set-open";
/** The action id of every offset input; its block_id says which partition ({@link OffsetBlock}). */
const offsetAction = "offset";
/** Blocks of the offsets view besides the partitions: the heading, the note on partitions left out, the reason. */
const otherBlocks = 3;
/** Slack's limit on an input's label (api.slack.com/reference/block-kit/blocks#input). */
const maxLabel = 2000;

/** What the offsets view keeps: which connector. Each partition is named by its input's block_id. */
const OffsetsMetadata = z.object({
  cluster: z.string(),
  connector: z.string(),
  channel: z.string().optional(),
});

/**
 * An offset input's block_id: digests of its partition and of the offset it showed, so the view needs no room in
 * private_metadata per partition (3,000 characters would hold only a few dozen long partitions), and an offset left
 * as it was is told from an edited one.
 */
const OffsetBlock = z
  .string()
  .regex(/^offset-[0-9a-f]{12}-[0-9a-f]{12}$/)
  .transform((block) => ({ block, partition: block.slice(7, 19), shown: block.slice(20) }));
const offsetBlock = ({ partition, offset }: ConnectorOffset) =>
  `offset-${digest(partition)}-${digest(offset)}`;

/**
 * The `offsets set` form for a source connector (issue 25 §1): `/connect offsets set` with no arguments opens it;
 * the connector is chosen by type-ahead among those the person may ask to change; "Next" lists its source
 * partitions with their committed offsets (`GET /connectors/{c}/offsets`, as `offsets get` reads them), each offset
 * an editable JSON object; "Preview" shows the plan `offsets set <c> --json '[…]' --preview` computes for the
 * partitions whose offset was edited; "Request" dispatches exactly that typed command as the person, so roles, the
 * audit and the request are the typed command's own. Partitions are arbitrary maps (KIP-875), so the typed `--json`
 * remains the way to name one that is not listed.
 */
export function handleOffsetsSetModal(bolt: BoltApp, host: AdapterHost, client: WebClient): void {
  handleFormOpening(
    bolt,
    host,
    { command: form.command, buttonId: formButton },
    async (triggerId, opening) => {
      await client.views.open({ trigger_id: triggerId, view: offsetsSetForm(opening) });
    },
  );

  handleConnectorSuggestions(bolt, host, connectorAction, offsetsSet.role);

  bolt.view(formId, async ({ ack, body }) => {
    const picked = chosenConnector(body, connectorAction);
    if ("errors" in picked) return ack({ response_action: "errors", errors: picked.errors });
    const { submitted, cluster, connector } = picked;
    const read = await readInScope(host, submitted.user.id, { cluster, connector });
    const beside = (words: string) => ack({ response_action: "errors", errors: { connector: words } });
    if ("problem" in read) return beside(read.problem);
    if (read.type === "sink")
      return beside(
        `${connector} is a sink connector: give its offsets as \`offsets set ${connector} topic:partition=offset\`, or use \`/connect offsets reset\`.`,
      );
    if (read.offsets.length === 0)
      return beside(
        `${connector} has no committed offsets yet, so there is nothing to edit: name its partitions with \`offsets set ${connector} --json\`.`,
      );
    const opened = OpeningMetadata.safeParse(submitted.view.private_metadata ?? "");
    await ack({
      response_action: "update",
      view: offsetsView({ cluster, connector, ...opened.data }, read.offsets),
    });
  });

  bolt.view(offsetsId, async ({ ack, body }) => {
    const submitted = ViewSubmission.safeParse(body);
    const metadata = OffsetsMetadata.safeParse(safeJson(submitted.data?.view.private_metadata ?? ""));
    if (!submitted.success || !metadata.success)
      return ack({
        response_action: "errors",
        errors: { reason: "Slack sent a form the bot could not read." },
      });
    const { cluster, connector, channel } = metadata.data;
    const { values } = submitted.data.view.state;
    const first = Object.keys(values).find((block) => OffsetBlock.safeParse(block).success) ?? "reason";
    const beside = (words: string) => ack({ response_action: "errors", errors: { [first]: words } });
    // The partitions are read again to know which each input names.
    const read = await readInScope(host, submitted.data.user.id, { cluster, connector });
    if ("problem" in read) return beside(read.problem);
    const filled = readOffsets(connector, read.offsets, values);
    if (filled.errors !== undefined) return ack({ response_action: "errors", errors: filled.errors });
    const plan: PlanMetadata = { cluster, args: filled.args, ...(channel === undefined ? {} : { channel }) };
    if (JSON.stringify(plan).length > maxMetadata)
      return beside(
        `Too much for one form: change fewer partitions at once, or type \`offsets set ${connector} --json\`.`,
      );
    await ack({ response_action: "update", view: planView(form, plan, "working") });
    await showPlan(host, client, form, { user: submitted.data.user, viewId: submitted.data.view.id }, plan);
  });

  handleRequest(bolt, host, client, form);
}

/** A short digest of an offset as shown, to tell an edited offset from one left as it was. */
function digest(offset: unknown): string {
  return createHash("sha256").update(canonicalJson(offset)).digest("hex").slice(0, 12);
}

/** "Offsets…" (`offsetsSetFormAction`: an `offsets set` naming only its connector) as a button opening this form. */
export const offsetsSetFormButtonOf: ButtonEncoding = formButtonOf(form.command, formButton);

/** The first view: the connector, by type-ahead (chosen already when a button named it); "Next" lists its partitions. */
export function offsetsSetForm(opening: Opening = {}): ModalView {
  const { channel } = opening;
  return {
    type: "modal",
    callback_id: formId,
    title: { type: "plain_text", text: form.title },
    submit: { type: "plain_text", text: "Next" },
    close: { type: "plain_text", text: "Cancel" },
    private_metadata: JSON.stringify(channel === undefined ? {} : { channel }),
    blocks: [
      connectorInput(connectorAction, opening),
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: "A source connector: its partitions and their committed offsets come next, each to edit.",
          },
        ],
      },
    ],
  };
}

/** A source partition in words: `filename: /data/in.txt`, each key with its value (strings as they are). */
function partitionWords(partition: Readonly<Record<string, unknown>>): string {
  const words = Object.entries(partition)
    .map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(", ");
  return cutText(words === "" ? "{}" : words, maxLabel, "…");
}

/**
 * The second view: each source partition (its label) with its offset as JSON to edit, then the reason. Slack takes
 * at most 100 blocks in a view: partitions past that are left out, and the view says how many and how to set them.
 */
export function offsetsView(
  where: { readonly cluster: string; readonly connector: string; readonly channel?: string | undefined },
  offsets: readonly ConnectorOffset[],
): ModalView {
  const listed = offsets.slice(0, maxViewBlocks - otherBlocks);
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: `*${where.connector}*: ${offsets.length} source partition(s) with committed offsets. Edit the offsets to change; the others stay as they are. \`null\` removes a partition's offset.`,
      },
    },
    ...listed.map(
      (offset): KnownBlock => ({
        type: "input",
        block_id: offsetBlock(offset),
        label: { type: "plain_text", text: partitionWords(offset.partition) },
        element: {
          type: "plain_text_input",
          action_id: offsetAction,
          multiline: true,
          initial_value: JSON.stringify(offset.offset),
        },
      }),
    ),
    ...(listed.length < offsets.length
      ? [
          {
            type: "context" as const,
            elements: [
              {
                type: "mrkdwn" as const,
                text: `Showing ${listed.length} of ${offsets.length} partitions: a Slack form holds at most ${maxViewBlocks} blocks. Set the others with \`offsets set ${where.connector} --json\`.`,
              },
            ],
          },
        ]
      : []),
    reasonInput,
  ];
  return {
    type: "modal",
    callback_id: offsetsId,
    title: { type: "plain_text", text: form.title },
    submit: { type: "plain_text", text: "Preview" },
    close: { type: "plain_text", text: "Cancel" },
    private_metadata: JSON.stringify({
      cluster: where.cluster,
      connector: where.connector,
      ...(where.channel === undefined ? {} : { channel: where.channel }),
    }),
    blocks,
  };
}

/**
 * The typed command's arguments from the offsets view (`connector`, `json` with the partitions whose offset was
 * edited, in Connect's order, `reason`), or what is wrong beside each field. Each offset must be JSON, and an object
 * or `null` (KIP-875's offset); the whole is then held to the command's own schema, so the form refuses what the
 * typed command refuses. `current` is what Connect holds now: an input whose partition it no longer lists is refused.
 */
function readOffsets(
  connector: string,
  current: readonly ConnectorOffset[],
  values: FormValues,
):
  | { args: Record<string, string>; errors?: undefined }
  | { args?: undefined; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const changed = new Map<number, ConnectorOffset>();
  const inputs = Object.keys(values).flatMap((key) => OffsetBlock.safeParse(key).data ?? []);
  for (const { block, partition, shown } of inputs) {
    const at = current.findIndex((offset) => digest(offset.partition) === partition);
    const text = values[block]?.[offsetAction]?.value?.trim() ?? "";
    const parsed = ConnectorOffset.shape.offset.safeParse(text === "" ? undefined : safeJson(text));
    const listed = current[at];
    if (listed === undefined) errors[block] = "Connect no longer lists this partition: open the form again.";
    else if (!parsed.success)
      errors[block] = 'Give the offset as a JSON object, such as {"position": 4096}, or null to remove it.';
    else if (digest(parsed.data) !== shown)
      changed.set(at, { partition: listed.partition, offset: parsed.data });
  }
  const first = inputs[0]?.block ?? "reason";
  if (Object.keys(errors).length > 0) return { errors };
  if (changed.size === 0) return { errors: { [first]: "Edit at least one offset: none was changed." } };
  const args = {
    connector,
    json: JSON.stringify([...changed].sort(([a], [b]) => a - b).map(([, offset]) => offset)),
    reason: values.reason?.reason?.value ?? "",
  };
  const parsed = offsetsSet.args.safeParse(args);
  if (parsed.success) return { args };
  for (const issue of parsed.error.issues)
    errors[issue.path[0] === "reason" ? "reason" : first] ??= issue.message;
  return { errors };
}
