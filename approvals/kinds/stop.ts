import { returnToPriorState, snapshotStep, stopStep } from "./connector-steps.js";
import type { OperationKind } from "./operation-kind.js";

/** `stop`: the connector's tasks shut down and release their partitions until `resume`. */
export const stop: OperationKind<"stop"> = {
  steps: { snapshot: snapshotStep, stopped: stopStep },
  async leaveSafely(context) {
    return context.request.step === undefined ? "Nothing was changed." : returnToPriorState(context);
  },
  outcomeParts(request) {
    return [
      {
        kind: "fields",
        fields: [
          ["before", request.priorState ?? "unknown"],
          ["after", "STOPPED"],
        ],
      },
    ];
  },
  leavesStopped: true,
};
