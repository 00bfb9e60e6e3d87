import { z } from "zod";
import { leaveOffsetsSafely, offsetSteps, offsetsTable, undoNote } from "./offset-steps.js";
import type { OperationKind } from "./operation-kind.js";

/** `reset-offsets`: its operation names nothing more than its kind. */
export const ResetOffsetsOperation = z.object({ kind: z.literal("reset-offsets") });

/** Every committed offset of a source connector removed (`offsets reset --to-beginning` of a source). */
export const resetOffsets: OperationKind<z.output<typeof ResetOffsetsOperation>> = {
  schema: ResetOffsetsOperation,
  steps: offsetSteps({
    doing: "resolving the target offsets",
    async run({ connect, request, call }) {
      // Stopped, the connector has committed its last offsets: these are the ones the change removes.
      const { offsets } = await connect.offsets(request.connector, call);
      return { snapshot: offsets, resolved: { offsets: null } };
    },
  }),
  leaveSafely: leaveOffsetsSafely,
  outcomeParts(request) {
    const removed = (request.snapshot ?? []).map((o) => ({ ...o, offset: null }));
    return [offsetsTable(request, removed), undoNote(request)];
  },
};
