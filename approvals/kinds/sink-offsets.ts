import { z } from "zod";
import { time } from "../../src/core/reply.js";
import {
  checkGroupSharers,
  isRelative,
  movesOf,
  planSinkOffsets,
  previewedScope,
  resetScopeOf,
  resetTargetOf,
  SinkScope,
  SinkTarget,
} from "../offset-plan.js";
import type { OffsetMove } from "../request-record.js";
import { groupSharing } from "../shared-group.js";
import { snapshotStep } from "./connector-steps.js";
import { leaveOffsetsSafely, offsetSteps, signed, undoNote } from "./offset-steps.js";
import type { OperationKind, Step } from "./operation-kind.js";

/** A sink's offsets moved to a target, resolved into offsets when the change runs. */
export const SinkOffsetsOperation = z.object({
  kind: z.literal("sink-offsets"),
  target: SinkTarget,
  scope: SinkScope.optional(),
  /**
   * The other connectors of the sink's consumer group when it was asked, as the plan showed them (absent: none).
   * Part of the digest; a connector not among them that shares the group when the change runs refuses it.
   */
  sharedWith: z.array(z.string()).optional(),
});
type SinkOffsetsOperation = z.output<typeof SinkOffsetsOperation>;

/**
 * Before anything is stopped: the sink's consumer group must still be shared with no connector the approver did
 * not see, and with none that is not STOPPED (the shared-group rule, `checkGroupSharers`), so a refusal that can
 * be known now never leaves the connector STOPPED. Then the usual snapshot.
 */
const checkedSnapshot: Step<SinkOffsetsOperation> = {
  doing: "checking who else uses its consumer group",
  async run(context) {
    const { connect, request, operation, call } = context;
    const connectors = await connect.listConnectors(call);
    const self = connectors.find((c) => c.name === request.connector);
    if (self !== undefined) {
      checkGroupSharers(
        request.connector,
        groupSharing(request.connector, self.config, connectors),
        operation.sharedWith ?? [],
      );
    }
    return snapshotStep.run(context);
  },
};

/**
 * A sink's offsets moved to a target (`offsets reset`, `offsets set`, `offsets restore` of a sink): the target is
 * resolved into offsets after the stop, from what the sink committed then, on the partitions the approver saw.
 */
export const sinkOffsets: OperationKind<SinkOffsetsOperation> = {
  schema: SinkOffsetsOperation,
  steps: offsetSteps(
    {
      doing: "resolving the target offsets",
      async run({ connect, kafka, request, operation, call, now }) {
        // Stopped, the connector has committed its last offsets: these are the ones the change replaces.
        const { offsets } = await connect.offsets(request.connector, call);
        const info = await connect.info(request.connector, call);
        // The group is checked again after the stop: a sharer started or joined while this one stopped refuses it.
        const connectors = await connect.listConnectors(call);
        // The numbers are resolved now, but only on the partitions the approver saw: a topic or partition the sink
        // took on since the preview is left alone, and one it no longer reads fails the run before the change.
        const scope =
          request.preview === undefined
            ? operation.scope === undefined
              ? undefined
              : resetScopeOf(operation.scope)
            : previewedScope(request.preview);
        const plan = await planSinkOffsets({
          connector: request.connector,
          config: info.config,
          target: resetTargetOf(operation.target, new Date(now())),
          kafka,
          connectors,
          approvedSharers: operation.sharedWith ?? [],
          ...(scope === undefined ? {} : { scope }),
        });
        const wanted = plan.request.method === "PATCH" ? [...plan.request.offsets] : null;
        return { snapshot: offsets, resolved: { offsets: wanted, moves: movesOf(plan) } };
      },
    },
    checkedSnapshot,
  ),
  leaveSafely: leaveOffsetsSafely,

  /**
   * Replayed and skipped counts, against the preview; and how far the offsets it replaced had moved between the
   * preview (asked) and the change (after the stop). Undefined before it ran.
   */
  describeExecution(request, operation) {
    const moves = request.resolved?.moves;
    if (moves === undefined) return undefined;
    const sum = (list: readonly OffsetMove[], pick: (m: OffsetMove) => number) =>
      list.reduce((total, m) => total + pick(m), 0);
    const preview = request.preview ?? [];
    const done = `Replayed ${sum(moves, (m) => m.replay)}, skipped ${sum(moves, (m) => m.skip)} over ${moves.length} partition(s)`;
    if (preview.length === 0) return [`${done}.`];
    const previewed = new Map(preview.map((m) => [m.partition, m]));
    const moved = moves.flatMap((m) => {
      const before = previewed.get(m.partition)?.before;
      return before === undefined || before === null || m.before === null || m.before === before
        ? []
        : [{ partition: m.partition, from: before, to: m.before }];
    });
    const at = time(Date.parse(request.createdAt), "seconds");
    const said = [
      `${done} (the preview at `,
      at,
      ` said ${sum(preview, (m) => m.replay)} and ${sum(preview, (m) => m.skip)}).`,
    ];
    if (moved.length === 0) return [...said, " The offsets had not moved since the preview."];
    const by = moved.reduce((total, m) => total + m.to - m.from, 0);
    const where = moved
      .slice(0, 3)
      .map((m) => `${m.partition} ${m.from} → ${m.to}`)
      .join(", ");
    const more = moved.length > 3 ? ` and ${moved.length - 3} more` : "";
    return [
      ...said,
      isRelative(operation.target)
        ? ` The sink had moved by ${signed(by)} since the preview (${where}${more}), so the target was resolved from where it stood after the stop.`
        : ` The offsets it replaced had moved by ${signed(by)} since the preview (${where}${more}); the offsets set are the ones approved.`,
    ];
  },

  /** Each partition: committed before and after, replayed, skipped, and what the preview said. */
  outcomeParts(request) {
    const moves = request.resolved?.moves ?? [];
    const previewed = new Map((request.preview ?? []).map((m) => [m.partition, m]));
    const number = (n: number | null) => (n === null ? "none" : String(n));
    return [
      {
        kind: "table",
        columns: ["partition", "before", "after", "replayed", "skipped", "preview"],
        rows: moves.map((m) => {
          const p = previewed.get(m.partition);
          return [
            m.partition,
            number(m.before),
            number(m.after),
            String(m.replay),
            String(m.skip),
            p === undefined ? "" : `${number(p.before)} → ${number(p.after)}`,
          ];
        }),
      },
      undoNote(request),
    ];
  },
};
