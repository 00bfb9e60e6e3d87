import { ConnectConflict } from "../../src/connect/connect-errors.js";
import { awaitState } from "../../src/core/await-state.js";
import { restoreStep, retryWhileSafe } from "./connector-steps.js";
import { verifyOffsets } from "./offset-steps.js";
import type { OperationKind } from "./operation-kind.js";

/** `offsets restore` of a delete: the connector created again from its saved config and offsets. */
export const recreate: OperationKind<"recreate"> = {
  steps: {
    changed: {
      doing: "re-creating the connector",
      async run({ connect, request, operation, call, stopTimeoutMs, sendingChange }) {
        // Created STOPPED needs KIP-980: an older worker (downgraded since the request was asked) refuses before
        // anything is sent, rather than being sent a field it does not know.
        await connect.requireFeature("initialState", "offsets restore of a deleted connector", call);
        const resumed = await sendingChange();
        // Created STOPPED so that its offsets are in place before it reads anything; after a crash the connector
        // found already there is the one this request created.
        await connect
          .createConnector(request.connector, operation.config, "STOPPED", call)
          .catch((error: unknown) => {
            if (!(resumed && error instanceof ConnectConflict)) throw error;
          });
        const stopped = await awaitState(connect, request.connector, "STOPPED", {
          timeoutMs: stopTimeoutMs,
          requestId: request.requestId,
          justCreated: true,
        });
        if (!stopped.reached) throw new Error("the new connector did not report STOPPED");
        if (operation.offsets.length > 0) {
          await retryWhileSafe(() => connect.alterOffsets(request.connector, operation.offsets, call));
        }
        return { priorState: operation.priorState };
      },
    },
    verified: {
      doing: "verifying the offsets",
      async run({ connect, request, operation, call }) {
        const { offsets } = await connect.offsets(request.connector, call);
        const mismatch = verifyOffsets(operation.offsets, offsets);
        if (mismatch !== undefined) throw new Error(`the offsets read back differ: ${mismatch}`);
        return {};
      },
    },
    restored: restoreStep,
  },
  async leaveSafely({ request }, changeUncertain) {
    if (request.changeSent !== true) return "Nothing was created.";
    if (request.step === "verified" || request.step === "restored") {
      return `The connector was created with its offsets confirmed, but could not be returned to ${request.priorState ?? "its prior state"}.`;
    }
    // Connect refused the create (a 4xx): nothing exists unless an earlier run made it; the state Connect reports
    // follows these words.
    return changeUncertain
      ? `Connect's answer to the create was lost, so the connector may exist without confirmed offsets: check \`offsets get ${request.connector}\` before resuming it.`
      : `Connect refused the create or the offsets: check \`offsets get ${request.connector}\` before resuming it if it exists.`;
  },
  outcomeParts(_request, operation) {
    return [
      {
        kind: "fields",
        fields: [
          ["before", "deleted"],
          ["after", `created again, ${operation.priorState}, with ${operation.offsets.length} offset(s)`],
        ],
      },
    ];
  },
};
