import { z } from "zod";
import { returnToPriorState, snapshotStep, stopStep } from "./connector-steps.js";
import type { OperationKind } from "./operation-kind.js";

/** `stop`: its operation names nothing more than its kind. */
export const StopOperation = z.object({ kind: z.literal("stop") });

/** `stop`: the connector's tasks shut down and release their partitions until `resume`. */
export const stop: OperationKind<z.output<typeof StopOperation>> = {
  schema: StopOperation,
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
