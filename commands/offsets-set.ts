import { z } from "zod";
import {
  askForApproval,
  askForSinkChange,
  nothingToChange,
  planPreview,
} from "../approvals/ask-for-approval.js";
import { explicitTarget } from "../approvals/offset-plan.js";
import { canonicalJson } from "../src/core/canonical-json.js";
import { defineCommand, flag, positional } from "../src/core/command-spec.js";
import { connectorArg, reasonArg } from "../src/core/connector-args.js";
import { ConnectorOffset } from "../src/core/ports.js";
import { errorReply, type ReplyAction } from "../src/core/reply.js";

/** `orders:0=1200 orders:1=900` → `orders:0` → 1200, … */
const SinkOffsets = z.string().transform((text, context) => {
  const offsets = new Map<string, number>();
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const match = /^([^:\s=]+):(\d+)=(\d+)$/.exec(word);
    if (match === null) {
      context.addIssue({
        code: "custom",
        message: `"${word}" is not topic:partition=offset, such as orders:0=1200`,
      });
      return z.NEVER;
    }
    const key = `${match[1]}:${Number(match[2])}`;
    if (offsets.has(key)) {
      context.addIssue({ code: "custom", message: `${key} is named twice` });
      return z.NEVER;
    }
    offsets.set(key, Number(match[3]));
  }
  return offsets;
});

/** A source connector's offsets, exactly as `offsets get` shows them: `[{"partition": {…}, "offset": {…}}]`. */
const SourceOffsets = z.string().transform((text, context) => {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    context.addIssue({
      code: "custom",
      message: "is not JSON: paste the list `offsets get` shows, then edit it",
    });
    return z.NEVER;
  }
  const parsed = z.array(ConnectorOffset).min(1, "name at least one partition").safeParse(document);
  if (!parsed.success) {
    context.addIssue({ code: "custom", message: 'expected [{"partition": {…}, "offset": {…}}, …]' });
    return z.NEVER;
  }
  return parsed.data;
});

const Args = z
  .object({
    connector: connectorArg,
    offsets: positional(
      SinkOffsets.optional(),
      "topic:partition=offset, one per partition (sink connectors)",
      { variadic: true },
    ),
    json: flag(
      SourceOffsets.optional(),
      "a source connector's partitions and offsets, as `offsets get` shows them",
      { valueName: "JSON" },
    ),
    reason: reasonArg,
    preview: flag(z.literal(true).optional(), "show the plan only: nothing is asked or changed"),
  })
  .refine((args) => (args.offsets === undefined) !== (args.json === undefined), {
    message: "give either topic:partition=offset words (sink connectors) or --json (source connectors)",
  });

export const offsetsSet = defineCommand({
  name: "offsets set",
  summary: "Ask to set explicit offsets (needs approval).",
  details: "Ask to set explicit offsets (approved by a second person, then stop → change → verify → resume).",
  examples: [
    'offsets set orders-sink orders:0=1200 orders:1=900 --reason "skip the bad batch"',
    `offsets set db-source --json '[{"partition":{"table":"orders"},"offset":{"id":1200}}]' --reason "re-read orders"`,
    'offsets set orders-sink orders:0=1200 --preview --reason "what would it move?"',
  ],
  args: Args,
  role: "operator",
  risk: "destructive",
  proposes: true,
  connectorOf: (args) => args.connector,
  async run(context, args) {
    const { cluster, requestId } = context;
    // Before anything else: on a worker older than 3.6 the plan would be made for a change it cannot apply.
    await cluster.connect.requireSupportedVersion("offsets set", { requestId });
    const info = await cluster.connect.info(args.connector, { requestId });
    if (args.offsets !== undefined) {
      if (info.type !== "sink") {
        return errorReply(
          "refused",
          `${args.connector} is a ${info.type ?? "unknown"} connector: topic:partition=offset applies to sinks; give its offsets with --json.`,
        );
      }
      return askForSinkChange(
        context,
        {
          connector: args.connector,
          command: "offsets set",
          reason: args.reason,
          config: info.config,
          target: explicitTarget(args.offsets),
          ...(args.preview ? { previewOnly: true } : {}),
        },
        `set offsets of ${args.connector}`,
      );
    }
    const offsets = args.json ?? [];
    if (info.type === "sink") {
      return errorReply(
        "refused",
        `${args.connector} is a sink connector: name its partitions as topic:partition=offset, such as orders:0=1200.`,
      );
    }
    const current = (await cluster.connect.offsets(args.connector, { requestId })).offsets;
    const befores = offsets.map(
      (offset) =>
        current.find((c) => canonicalJson(c.partition) === canonicalJson(offset.partition))?.offset ?? null,
    );
    if (offsets.every((offset, i) => canonicalJson(offset.offset) === canonicalJson(befores[i] ?? null))) {
      return nothingToChange(
        args.connector,
        offsets.map((offset, i) => [JSON.stringify(offset.partition), JSON.stringify(befores[i] ?? null)]),
      );
    }
    const lines = offsets.map(
      (offset, i) =>
        `${JSON.stringify(offset.partition)}  ${JSON.stringify(befores[i] ?? null)} → ${JSON.stringify(offset.offset)}`,
    );
    const planSummary = [
      ...lines,
      `${offsets.length} source partition(s) of ${args.connector} change. Preview as of ${new Date(context.now()).toISOString().slice(11, 19)} UTC: these offsets are set as shown.`,
    ].join("\n");
    if (args.preview) return planPreview(`set offsets of ${args.connector}`, planSummary);
    return askForApproval(
      context,
      {
        connector: args.connector,
        command: "offsets set",
        reason: args.reason,
        operation: { kind: "alter-offsets", offsets },
        previewOffsets: offsets.map((offset, i) => ({
          partition: offset.partition,
          offset: befores[i] ?? null,
        })),
        planSummary,
      },
      `set offsets of ${args.connector}`,
    );
  },
});

/**
 * "Offsets…" under `status` of a source connector: the start of an `offsets set` of it. It names only the connector,
 * so run as it is it is refused for want of offsets and a reason; adapters with forms open the offsets set form on
 * it (Slack), others show the command to type.
 */
export function offsetsSetFormAction(connector: string, cluster: string): ReplyAction {
  return {
    label: "Offsets…",
    call: { command: "offsets set", args: { connector }, cluster },
    typed: `offsets set ${connector} --json '[{"partition": {…}, "offset": {…}}]' --reason "…"`,
  };
}
