import { z } from "zod";
import {
  askForApproval,
  askForSinkChange,
  nothingToChange,
  planPreview,
} from "../approvals/ask-for-approval.js";
import type { SinkScope, SinkTarget } from "../approvals/offset-plan.js";
import { defineCommand, flag } from "../src/core/command-spec.js";
import { connectorArg, Duration, reasonArg } from "../src/core/connector-args.js";
import { errorReply, type ReplyAction } from "../src/core/reply.js";

/** The targets `offsets reset` takes, one of which must be named: its flags, as forms offer them too. */
export const offsetResetTargets = [
  "to-earliest",
  "to-latest",
  "to-datetime",
  "by-duration",
  "shift-by",
  "to-offset",
  "all",
] as const;

/** `orders` or `orders:0,1`. */
const Scope = z.string().transform((text, context): SinkScope => {
  const match = /^([^:\s]+)(?::(\d+(?:,\d+)*))?$/.exec(text);
  if (match?.[1] === undefined) {
    context.addIssue({
      code: "custom",
      message: `"${text}" is not a topic or topic:partitions such as orders:0,1`,
    });
    return z.NEVER;
  }
  return [{ topic: match[1], partitions: match[2] === undefined ? "all" : match[2].split(",").map(Number) }];
});

const Args = z
  .object({
    connector: connectorArg,
    reason: reasonArg,
    "to-earliest": flag(z.literal(true).optional(), "to the first retained message"),
    "to-latest": flag(z.literal(true).optional(), "to the end: skip everything not yet read"),
    "to-datetime": flag(
      z.iso.datetime({ offset: true, message: "an ISO time such as 2026-11-24T10:00:00Z" }).optional(),
      "to the first message at or after this time",
      { valueName: "ISO-TIME" },
    ),
    "by-duration": flag(Duration.optional(), "to the first message of this long ago (1h)", {
      valueName: "DURATION",
    }),
    "shift-by": flag(z.coerce.number().int().optional(), "move by N messages (negative replays)", {
      valueName: "N",
    }),
    "to-offset": flag(z.coerce.number().int().min(0).optional(), "to this offset", { valueName: "N" }),
    all: flag(
      z.literal(true).optional(),
      "remove every committed offset (sinks restart at auto.offset.reset)",
    ),
    topic: flag(Scope.optional(), "only this topic (and these partitions)", { valueName: "TOPIC[:P,P]" }),
    preview: flag(z.literal(true).optional(), "show the plan only: nothing is asked or changed"),
  })
  .refine((args) => offsetResetTargets.filter((target) => args[target] !== undefined).length === 1, {
    message: `name exactly one target: ${offsetResetTargets.map((t) => `--${t}`).join(", ")}`,
  })
  .refine((args) => args.all === undefined || args.topic === undefined, {
    message: "--all removes every offset: it cannot be scoped with --topic",
  });

/**
 * "Offsets…" under an answer about a sink (`status`, `lag`): the start of an `offsets reset` of it. It names only the
 * connector, so run as it is it is refused for want of a target and a reason; adapters with forms open the reset
 * form on it (Slack), others show the command to type.
 */
export function offsetsFormAction(connector: string, cluster: string): ReplyAction {
  return {
    label: "Offsets…",
    call: { command: "offsets reset", args: { connector }, cluster },
    typed: `offsets reset ${connector} --to-earliest|--to-latest|--to-datetime … --reason "…"`,
  };
}

/** The target as asked; relative ones (all but --to-offset and --all) are resolved when the change runs. */
function targetOf(args: z.infer<typeof Args>): SinkTarget {
  if (args["to-earliest"]) return { kind: "earliest" };
  if (args["to-latest"]) return { kind: "latest" };
  if (args["to-datetime"] !== undefined) return { kind: "datetime", at: args["to-datetime"] };
  if (args["by-duration"] !== undefined) return { kind: "duration", ms: args["by-duration"] };
  if (args["shift-by"] !== undefined) return { kind: "shift", by: args["shift-by"] };
  if (args["to-offset"] !== undefined) return { kind: "offset", offset: args["to-offset"] };
  return { kind: "remove" };
}

export const offsetsReset = defineCommand({
  name: "offsets reset",
  summary: "Ask to move offsets (needs approval).",
  details:
    "Ask to move a connector's offsets (approved by a second person, then stop → change → verify → resume).",
  examples: [
    'offsets reset orders-sink --to-latest --reason "poison message"',
    'offsets reset orders-sink --to-datetime 2026-11-24T10:00:00Z --topic orders:0,1 --reason "replay the outage"',
    'offsets reset orders-sink --shift-by -500 --reason "re-deliver the last 500"',
    'offsets reset orders-sink --all --reason "start over"',
    'offsets reset orders-sink --to-latest --preview --reason "what would it move?"',
  ],
  args: Args,
  role: "operator",
  risk: "destructive",
  proposes: true,
  connectorOf: (args) => args.connector,
  async run(context, args) {
    const { cluster, requestId } = context;
    // Before anything else: on a worker older than 3.6 the plan would be made for a change it cannot apply.
    await cluster.connect.requireSupportedVersion("offsets reset", { requestId });
    const info = await cluster.connect.info(args.connector, { requestId });
    const target = targetOf(args);
    if (info.type === "sink") {
      return askForSinkChange(
        context,
        {
          connector: args.connector,
          command: "offsets reset",
          reason: args.reason,
          config: info.config,
          target,
          ...(args.topic === undefined ? {} : { scope: args.topic }),
          ...(args.preview ? { previewOnly: true } : {}),
        },
        `reset the offsets of ${args.connector}`,
      );
    }
    if (target.kind !== "remove") {
      return errorReply(
        "refused",
        `${args.connector} is a ${info.type ?? "unknown"} connector: its offsets are its own, so only --all (remove them) or \`offsets set\` with its partition JSON applies.`,
      );
    }
    const current = (await cluster.connect.offsets(args.connector, { requestId })).offsets;
    if (current.length === 0) return nothingToChange(args.connector, []);
    const planSummary = `Every committed offset of source connector ${args.connector} is removed (${current.length} partition(s) now).`;
    if (args.preview) return planPreview(`reset the offsets of ${args.connector}`, planSummary);
    return askForApproval(
      context,
      {
        connector: args.connector,
        command: "offsets reset",
        reason: args.reason,
        operation: { kind: "reset-offsets" },
        planSummary,
      },
      `reset the offsets of ${args.connector}`,
    );
  },
});
