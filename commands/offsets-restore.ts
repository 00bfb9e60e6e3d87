import { z } from "zod";
import type { ApprovalRequest } from "../approvals/approval-request.js";
import { askForApproval, askForSinkChange, nothingToChange } from "../approvals/ask-for-approval.js";
import { earlierRequest } from "../approvals/earlier-request.js";
import type { Operation } from "../approvals/kinds/registry.js";
import { explicitTarget } from "../approvals/offset-plan.js";
import { canonicalJson } from "../src/core/canonical-json.js";
import { type CommandContext, defineCommand, positional } from "../src/core/command-spec.js";
import { RequestId, reasonArg } from "../src/core/connector-args.js";
import { hasCode } from "../src/core/has-code.js";
import type { ConnectorOffset } from "../src/core/ports.js";
import { errorReply, type Reply } from "../src/core/reply.js";

export const offsetsRestore = defineCommand({
  name: "offsets restore",
  summary: "Ask to undo a request from its snapshot.",
  details:
    "Ask to undo an earlier request from its snapshot: its offsets put back, or a deleted connector created again with its config and offsets.",
  examples: ['offsets restore prod-17-k3mx --reason "the replay was not needed"'],
  args: z.object({
    request: positional(RequestId, "the id of the request whose snapshot to restore"),
    reason: reasonArg,
  }),
  role: "operator",
  risk: "destructive",
  proposes: true,
  async run(context, args) {
    const { cluster, requestId } = context;
    const earlier = await earlierRequest(context, args.request);
    if ("refusal" in earlier) return earlier.refusal;
    if (earlier.operation.kind === "delete") return recreate(context, earlier, args.reason);
    const kind = earlier.operation.kind;
    if (kind !== "sink-offsets" && kind !== "alter-offsets" && kind !== "reset-offsets") {
      return errorReply(
        "refused",
        `${earlier.id} was a \`${earlier.command}\`, which changed no offsets: there is nothing to restore.`,
      );
    }
    if (earlier.snapshot === undefined) {
      return errorReply(
        "refused",
        `${earlier.id} is ${earlier.state} and never took a snapshot: its offsets were not changed.`,
      );
    }
    const connector = earlier.connector;
    const [info, { offsets: current }] = await Promise.all([
      cluster.connect.info(connector, { requestId }),
      cluster.connect.offsets(connector, { requestId }),
    ]);
    const offsets = withRemovals(earlier.snapshot, current);
    const ask = (operation: Operation, previewOffsets: ConnectorOffset[], planSummary: string) =>
      askForApproval(
        context,
        {
          connector,
          command: "offsets restore",
          reason: args.reason,
          operation,
          previewOffsets,
          planSummary,
        },
        `restore the offsets of ${connector} from ${earlier.id}`,
      );
    if (info.type === "sink") {
      return askForSinkChange(
        context,
        {
          connector,
          command: "offsets restore",
          reason: args.reason,
          config: info.config,
          target: earlier.snapshot.length === 0 ? { kind: "remove" } : explicitTarget(sinkTargets(offsets)),
          heading: `Back to the snapshot taken by ${earlier.id}:`,
          fromSnapshot: true,
        },
        `restore the offsets of ${connector} from ${earlier.id}`,
      );
    }
    if (earlier.snapshot.length === 0 && current.length === 0) return nothingToChange(connector, []);
    if (earlier.snapshot.length === 0) {
      return ask(
        { kind: "reset-offsets" },
        current,
        `The snapshot of ${earlier.id} held no offsets: every committed offset of ${connector} is removed.`,
      );
    }
    const currentOf = (offset: ConnectorOffset) =>
      current.find((c) => canonicalJson(c.partition) === canonicalJson(offset.partition))?.offset ?? null;
    if (offsets.every((offset) => canonicalJson(offset.offset) === canonicalJson(currentOf(offset)))) {
      return nothingToChange(
        connector,
        offsets.map((offset) => [JSON.stringify(offset.partition), JSON.stringify(currentOf(offset))]),
      );
    }
    const lines = offsets.map(
      (offset) => `${JSON.stringify(offset.partition)}  → ${JSON.stringify(offset.offset ?? "removed")}`,
    );
    return ask(
      { kind: "alter-offsets", offsets },
      offsets.map((offset) => ({ partition: offset.partition, offset: currentOf(offset) })),
      [`Back to the snapshot taken by ${earlier.id}:`, ...lines].join("\n"),
    );
  },
});

/** The snapshot's offsets, plus a removal for every partition committed since that the snapshot did not hold. */
function withRemovals(
  snapshot: readonly ConnectorOffset[],
  now: readonly ConnectorOffset[],
): ConnectorOffset[] {
  const held = new Set(snapshot.map((offset) => canonicalJson(offset.partition)));
  const added = now
    .filter((offset) => !held.has(canonicalJson(offset.partition)))
    .map((offset) => ({ partition: offset.partition, offset: null }));
  return [...snapshot, ...added];
}

/** `topic:partition` → offset, as the sink plan reads explicit targets; null removes a commit. */
function sinkTargets(offsets: readonly ConnectorOffset[]): Map<string, number | null> {
  return new Map(
    offsets.map((offset) => {
      const value = offset.offset?.kafka_offset;
      return [
        `${String(offset.partition.kafka_topic)}:${String(offset.partition.kafka_partition)}`,
        typeof value === "number" ? value : null,
      ];
    }),
  );
}

/** Undoing a delete: the connector is created again, STOPPED, from the saved config and offsets. */
async function recreate(context: CommandContext, earlier: ApprovalRequest, reason: string): Promise<Reply> {
  const { snapshotConfig, snapshot, priorState } = earlier;
  if (earlier.state !== "succeeded" || snapshotConfig === undefined) {
    return errorReply(
      "refused",
      `${earlier.id} is ${earlier.state}: no connector was deleted, so none is created again.`,
    );
  }
  const exists = await context.cluster.connect.info(earlier.connector, { requestId: context.requestId }).then(
    () => true,
    (error: unknown) => {
      if (hasCode(error, "CONNECT_NOT_FOUND")) return false;
      throw error;
    },
  );
  // Created STOPPED so that it reads nothing before its offsets are set: a worker older than 3.7 cannot, and is
  // refused here with the version it needs rather than after approval.
  await context.cluster.connect.requireFeature("initialState", "offsets restore of a deleted connector", {
    requestId: context.requestId,
  });
  if (exists) {
    return errorReply(
      "refused",
      `A connector named ${earlier.connector} exists again on ${earlier.cluster}: delete it first, or restore offsets onto it with \`offsets set\`.`,
    );
  }
  // Secret settings were sealed with the snapshot, or left out when no key was set (or its key is gone since).
  const secretKeys = earlier.snapshotSecretKeys ?? [];
  const missing = secretKeys.filter((key) => snapshotConfig[key] === undefined);
  if (missing.length > 0) {
    return errorReply(
      "refused",
      `${earlier.id} saved the config of ${earlier.connector} without its secret settings (no SNAPSHOT_KEYS was set when it ran, or its key is no longer configured): ${missing.join(", ")}. Create the connector again from outside with them, then \`offsets set\` its saved offsets.`,
    );
  }
  const offsets = snapshot ?? [];
  const state = priorState ?? "RUNNING";
  return askForApproval(
    context,
    {
      connector: earlier.connector,
      command: "offsets restore",
      reason,
      operation: { kind: "recreate", config: snapshotConfig, offsets, priorState: state, secretKeys },
      planSummary: `${earlier.connector} is created again from the config saved by ${earlier.id} (${Object.keys(snapshotConfig).length} settings, ${snapshotConfig["connector.class"] ?? "unknown class"}), STOPPED; its ${offsets.length} saved offset(s) are set; then it is returned to ${state}.`,
    },
    `create ${earlier.connector} again from ${earlier.id}`,
  );
}
