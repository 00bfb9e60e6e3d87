import { leaveOffsetsSafely, offsetSteps, offsetsTable, undoNote } from "./offset-steps.js";
import type { OperationKind } from "./operation-kind.js";

/** Every committed offset of a source connector removed (`offsets reset --to-beginning` of a source). */
export const resetOffsets: OperationKind<"reset-offsets"> = {
  steps: offsetSteps<"reset-offsets">({
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
