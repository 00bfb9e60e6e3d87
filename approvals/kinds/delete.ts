import { z } from "zod";
import { awaitGone } from "../../src/core/await-state.js";
import { hasCode } from "../../src/core/has-code.js";
import { configSnapshot, snapshotStep } from "./connector-steps.js";
import type { OperationKind } from "./operation-kind.js";

/** `delete`: its operation names nothing more than its kind. */
export const DeleteOperation = z.object({ kind: z.literal("delete") });

/** `delete`: the connector removed; its config and offsets are kept with the request for `offsets restore`. */
export const deleteKind: OperationKind<z.output<typeof DeleteOperation>> = {
  schema: DeleteOperation,
  steps: {
    snapshot: {
      doing: snapshotStep.doing,
      async run(context) {
        return { ...(await snapshotStep.run(context)), ...(await configSnapshot(context)) };
      },
    },
    changed: {
      doing: "deleting the connector",
      async run({ connect, request, call, sendingChange }) {
        await sendingChange();
        // A delete repeated after a crash finds the connector gone already: that is the wanted outcome.
        await connect.deleteConnector(request.connector, call).catch((error: unknown) => {
          if (!hasCode(error, "CONNECT_NOT_FOUND")) throw error;
        });
        return {};
      },
    },
    verified: {
      doing: "confirming the delete",
      async run({ connect, request }) {
        const gone = await awaitGone(connect, request.connector, { requestId: request.requestId });
        if (!gone) throw new Error("the connector still answers 30 s after the delete");
        return {};
      },
    },
  },
  async leaveSafely({ request }, changeUncertain) {
    return (request.step === undefined || request.step === "snapshot") && !changeUncertain
      ? "Nothing was deleted."
      : "The delete was sent but not confirmed: check `list`.";
  },
  outcomeParts(request) {
    return [
      {
        kind: "fields",
        fields: [
          ["before", request.priorState ?? "unknown"],
          ["after", "deleted (its config is kept with the request)"],
        ],
      },
    ];
  },
};
