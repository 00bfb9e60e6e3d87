import { z } from "zod";
import { awaitState } from "../../src/core/await-state.js";
import { hasCode } from "../../src/core/has-code.js";
import { ConnectorOffset, ConnectorState } from "../../src/core/ports.js";
import { restoreStep } from "./connector-steps.js";
import { verifyOffsets } from "./offset-steps.js";
import type { OperationKind } from "./operation-kind.js";

/** A deleted connector created again from its saved config and offsets (or a new one), then returned to its state. */
export const RecreateOperation = z.object({
  kind: z.literal("recreate"),
  config: z.record(z.string(), z.string()),
  offsets: z.array(ConnectorOffset),
  priorState: ConnectorState,
  /** The settings of `config` that are secret: sealed at rest. */
  secretKeys: z.array(z.string()).default([]),
});

/**
 * A connector created from a config: `offsets restore` of a delete (its saved config and offsets) and `create` (a
 * new one, no offsets). With offsets to set it is created STOPPED (KIP-980), so that it reads nothing before they
 * are in place, then returned to its state; without, it is created in its state at once (RUNNING needs no KIP-980).
 */
export const recreate: OperationKind<z.output<typeof RecreateOperation>> = {
  schema: RecreateOperation,
  sealed: ["config"],
  steps: {
    changed: {
      doing: "creating the connector",
      async run({ connect, request, operation, call, stopTimeoutMs, sendingChange }) {
        const initial = initialStateOf(operation);
        // Created STOPPED or PAUSED needs KIP-980: an older worker (downgraded since the request was asked) refuses
        // before anything is sent, rather than being sent a field it does not know.
        if (initial !== "RUNNING") await connect.requireFeature("initialState", request.command, call);
        const resumed = await sendingChange();
        // After a crash the connector found already there is the one this request created.
        await connect
          .createConnector(request.connector, operation.config, initial, call)
          .catch((error: unknown) => {
            if (!(resumed && hasCode(error, "CONNECT_CONFLICT"))) throw error;
          });
        const reached = await awaitState(connect, request.connector, initial, {
          timeoutMs: stopTimeoutMs,
          requestId: request.requestId,
          justCreated: true,
        });
        if (!reached.reached) {
          const failed = [reached.status.connector, ...reached.status.tasks].find(
            (p) => p.state === "FAILED",
          );
          const head = failed?.trace?.split("\n")[0]?.slice(0, 300);
          throw new Error(
            `the new connector did not report ${initial}${head === undefined ? "" : `: it FAILED with ${head}`}`,
          );
        }
        if (operation.offsets.length > 0) {
          await connect.alterOffsets(request.connector, operation.offsets, call);
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
    restored: {
      doing: restoreStep.doing,
      async run(context) {
        // Created in its state already: resuming and pausing again would let a PAUSED one run for a moment.
        return initialStateOf(context.operation) === "STOPPED" ? restoreStep.run(context) : {};
      },
    },
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
  outcomeParts(request, operation) {
    const created = request.command === "create";
    return [
      {
        kind: "fields",
        fields: [
          ["before", created ? "absent" : "deleted"],
          [
            "after",
            created
              ? `created ${operation.priorState}`
              : `created again, ${operation.priorState}, with ${operation.offsets.length} offset(s)`,
          ],
        ],
      },
    ];
  },
};

/**
 * The state the connector is created in: its wanted state when there are no offsets to set first, else STOPPED. A
 * deleted connector whose saved state was FAILED or UNASSIGNED is created RUNNING, as the worker would start it.
 */
function initialStateOf(operation: {
  readonly offsets: readonly unknown[];
  readonly priorState: string;
}): "RUNNING" | "PAUSED" | "STOPPED" {
  if (operation.offsets.length > 0) return "STOPPED";
  return operation.priorState === "PAUSED" || operation.priorState === "STOPPED"
    ? operation.priorState
    : "RUNNING";
}
