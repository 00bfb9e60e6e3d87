import { z } from "zod";
import {
  describePlan,
  operationOf,
  planSinkOffsets,
  type ResetScope,
  type ResetTarget,
} from "../approvals/offset-plan.js";
import { askForApproval } from "../src/core/ask-for-approval.js";
import { defineCommand } from "../src/core/command-spec.js";
import { ConnectorName, Duration, Reason, reasonFlag } from "../src/core/connector-args.js";
import { errorReply } from "../src/core/reply.js";

const targets = [
  "to-earliest",
  "to-latest",
  "to-datetime",
  "by-duration",
  "shift-by",
  "to-offset",
  "all",
] as const;

/** `orders` or `orders:0,1`. */
const Scope = z.string().transform((text, context): ResetScope => {
  const match = /^([^:\s]+)(?::(\d+(?:,\d+)*))?$/.exec(text);
  if (match?.[1] === undefined) {
    context.addIssue({
      code: "custom",
      message: `"${text}" is not a topic or topic:partitions such as orders:0,1`,
    });
    return z.NEVER;
  }
  return new Map([[match[1], match[2] === undefined ? "all" : match[2].split(",").map(Number)]]);
});

const Args = z
  .object({
    connector: ConnectorName,
    reason: Reason,
    "to-earliest": z.literal(true).optional(),
    "to-latest": z.literal(true).optional(),
    "to-datetime": z.iso
      .datetime({ offset: true, message: "an ISO time such as 2026-11-24T10:00:00Z" })
      .optional(),
    "by-duration": Duration.optional(),
    "shift-by": z.coerce.number().int().optional(),
    "to-offset": z.coerce.number().int().min(0).optional(),
    all: z.literal(true).optional(),
    topic: Scope.optional(),
  })
  .refine((args) => targets.filter((target) => args[target] !== undefined).length === 1, {
    message: `name exactly one target: ${targets.map((t) => `--${t}`).join(", ")}`,
  })
  .refine((args) => args.all === undefined || args.topic === undefined, {
    message: "--all removes every offset: it cannot be scoped with --topic",
  });

function targetOf(args: z.infer<typeof Args>, now: Date): ResetTarget {
  if (args["to-earliest"]) return { kind: "earliest" };
  if (args["to-latest"]) return { kind: "latest" };
  if (args["to-datetime"] !== undefined) return { kind: "datetime", at: new Date(args["to-datetime"]) };
  if (args["by-duration"] !== undefined)
    return { kind: "datetime", at: new Date(now.getTime() - args["by-duration"]) };
  if (args["shift-by"] !== undefined) return { kind: "shift", by: args["shift-by"] };
  if (args["to-offset"] !== undefined) return { kind: "offset", offset: args["to-offset"] };
  return { kind: "remove" };
}

export const offsetsReset = defineCommand({
  name: "offsets reset",
  summary:
    "Ask to move a connector's offsets (approved by a second person, then stop → change → verify → resume).",
  examples: [
    'offsets reset orders-sink --to-latest --reason "poison message"',
    'offsets reset orders-sink --to-datetime 2026-11-24T10:00:00Z --topic orders:0,1 --reason "replay the outage"',
    'offsets reset orders-sink --shift-by -500 --reason "re-deliver the last 500"',
    'offsets reset orders-sink --all --reason "start over"',
  ],
  positionals: [{ name: "connector", description: "the connector's name" }],
  flags: {
    ...reasonFlag,
    "to-earliest": { type: "boolean", description: "to the first retained message" },
    "to-latest": { type: "boolean", description: "to the end: skip everything not yet read" },
    "to-datetime": {
      type: "string",
      valueName: "ISO-TIME",
      description: "to the first message at or after this time",
    },
    "by-duration": {
      type: "string",
      valueName: "DURATION",
      description: "to the first message of this long ago (1h)",
    },
    "shift-by": { type: "string", valueName: "N", description: "move by N messages (negative replays)" },
    "to-offset": { type: "string", valueName: "N", description: "to this offset" },
    all: {
      type: "boolean",
      description: "remove every committed offset (sinks restart at auto.offset.reset)",
    },
    topic: {
      type: "string",
      valueName: "TOPIC[:P,P]",
      description: "only this topic (and these partitions)",
    },
  },
  args: Args,
  role: "operator",
  risk: "destructive",
  connectorOf: (args) => args.connector,
  async run(context, args) {
    const { cluster, requestId, now } = context;
    // Before anything else: on a worker older than 3.6 the plan would be made for a change it cannot apply.
    await cluster.connect.requireSupportedVersion("offsets reset", { requestId });
    const info = await cluster.connect.info(args.connector, { requestId });
    const target = targetOf(args, now());
    if (info.type !== "sink" && target.kind !== "remove") {
      return errorReply(
        "refused",
        `${args.connector} is a ${info.type ?? "unknown"} connector: its offsets are its own, so only --all (remove them) or \`offsets set\` with its partition JSON applies.`,
      );
    }
    const plan =
      info.type === "sink"
        ? await planSinkOffsets({
            connector: args.connector,
            config: info.config,
            target,
            kafka: cluster.lag,
            ...(args.topic === undefined ? {} : { scope: args.topic }),
          })
        : undefined;
    const summary =
      plan === undefined
        ? `Every committed offset of source connector ${args.connector} is removed (${(await cluster.connect.offsets(args.connector, { requestId })).offsets.length} partition(s) now).`
        : describePlan(plan);
    return askForApproval(
      context,
      {
        connector: args.connector,
        command: "offsets reset",
        reason: args.reason,
        operation: plan === undefined ? { kind: "reset-offsets" } : operationOf(plan),
        planSummary: summary,
      },
      `reset the offsets of ${args.connector}`,
    );
  },
});
