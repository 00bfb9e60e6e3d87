import { z } from "zod";
import type { Operation } from "../approvals/approval-store.js";
import { describePlan, operationOf, planSinkOffsets } from "../approvals/offset-plan.js";
import { canonicalJson } from "../src/connect/canonical-json.js";
import type { ConnectorOffset } from "../src/connect/connect-schemas.js";
import { askForApproval } from "../src/core/ask-for-approval.js";
import { defineCommand } from "../src/core/command-spec.js";
import { Reason, RequestId, reasonFlag } from "../src/core/connector-args.js";
import { errorReply } from "../src/core/reply.js";

export const offsetsRestore = defineCommand({
  name: "offsets restore",
  summary:
    "Ask to put back the offsets an earlier request replaced, from its snapshot (approved like any reset).",
  examples: ['offsets restore prod-17 --reason "the replay was not needed"'],
  positionals: [{ name: "request", description: "the id of the request whose snapshot to restore" }],
  flags: reasonFlag,
  args: z.object({ request: RequestId, reason: Reason }),
  role: "operator",
  risk: "destructive",
  async run(context, args) {
    const { cluster, requestId, approvals } = context;
    const earlier = await approvals.get(args.request);
    if (earlier === undefined)
      return errorReply("refused", `There is no request ${args.request}. \`approvals\` lists them.`);
    if (earlier.cluster !== cluster.name) {
      return errorReply(
        "refused",
        `${earlier.id} ran on cluster ${earlier.cluster}: add \`--cluster ${earlier.cluster}\`.`,
      );
    }
    if (earlier.operation.kind !== "alter-offsets" && earlier.operation.kind !== "reset-offsets") {
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
    const ask = (operation: Operation, planSummary: string) =>
      askForApproval(
        context,
        { connector, command: "offsets restore", reason: args.reason, operation, planSummary },
        `restore the offsets of ${connector} from ${earlier.id}`,
      );
    if (info.type === "sink") {
      const plan = await planSinkOffsets({
        connector,
        config: info.config,
        target:
          earlier.snapshot.length === 0
            ? { kind: "remove" }
            : { kind: "explicit", offsets: sinkTargets(offsets) },
        kafka: cluster.lag,
      });
      return ask(operationOf(plan), `Back to the snapshot taken by ${earlier.id}:\n${describePlan(plan)}`);
    }
    if (earlier.snapshot.length === 0) {
      return ask(
        { kind: "reset-offsets" },
        `The snapshot of ${earlier.id} held no offsets: every committed offset of ${connector} is removed.`,
      );
    }
    const lines = offsets.map(
      (offset) => `${JSON.stringify(offset.partition)}  → ${JSON.stringify(offset.offset ?? "removed")}`,
    );
    return ask(
      { kind: "alter-offsets", offsets },
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
