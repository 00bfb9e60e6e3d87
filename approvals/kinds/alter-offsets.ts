import { z } from "zod";
import { canonicalJson } from "../../src/core/canonical-json.js";
import { ConnectorOffset } from "../../src/core/ports.js";
import { time } from "../../src/core/reply.js";
import { leaveOffsetsSafely, offsetSteps, offsetsTable, signed, undoNote } from "./offset-steps.js";
import type { OperationKind } from "./operation-kind.js";

/** `alter-offsets`: the offsets a source connector is set to, absolute. */
export const AlterOffsetsOperation = z.object({
  kind: z.literal("alter-offsets"),
  offsets: z.array(ConnectorOffset),
});

/** A source connector's offsets set to absolute values (`offsets set`, `offsets restore` of a source). */
export const alterOffsets: OperationKind<z.output<typeof AlterOffsetsOperation>> = {
  schema: AlterOffsetsOperation,
  steps: offsetSteps({
    doing: "resolving the target offsets",
    async run({ connect, request, operation, call }) {
      // Stopped, the connector has committed its last offsets: these are the ones the change replaces.
      const { offsets } = await connect.offsets(request.connector, call);
      return { snapshot: offsets, resolved: { offsets: operation.offsets } };
    },
  }),
  leaveSafely: leaveOffsetsSafely,

  /** The offsets set are absolute: whether, and by how much, the ones they replaced moved since the preview. */
  describeExecution(request) {
    const { previewOffsets, snapshot } = request;
    if (previewOffsets === undefined || snapshot === undefined || request.resolved === undefined)
      return undefined;
    const find = (list: readonly ConnectorOffset[], partition: ConnectorOffset["partition"]) =>
      list.find((o) => canonicalJson(o.partition) === canonicalJson(partition))?.offset ?? null;
    const moved = previewOffsets.flatMap((was) => {
      const now = find(snapshot, was.partition);
      return canonicalJson(was.offset) === canonicalJson(now)
        ? []
        : [`${JSON.stringify(was.partition)} ${offsetDelta(was.offset, now)}`];
    });
    const at = time(Date.parse(request.createdAt), "seconds");
    if (moved.length === 0) return ["The offsets it replaced had not moved since the preview at ", at, "."];
    const more = moved.length > 3 ? ` and ${moved.length - 3} more` : "";
    return [
      "The offsets it replaced had moved since the preview at ",
      at,
      `: ${moved.slice(0, 3).join("; ")}${more}. The offsets set are the ones approved.`,
    ];
  },

  outcomeParts(request, operation) {
    return [offsetsTable(request, operation.offsets), undoNote(request)];
  },
};

/** `{"position":14} → {"position":20} (+6)`: the difference when both hold the same single number. */
function offsetDelta(was: ConnectorOffset["offset"], now: ConnectorOffset["offset"]): string {
  const shown = `${JSON.stringify(was)} → ${JSON.stringify(now)}`;
  const [key, ...others] = Object.keys(was ?? {});
  const before = key === undefined ? undefined : was?.[key];
  const after = key === undefined ? undefined : now?.[key];
  return others.length === 0 &&
    Object.keys(now ?? {}).length === 1 &&
    typeof before === "number" &&
    typeof after === "number"
    ? `${shown} (${signed(after - before)})`
    : shown;
}
