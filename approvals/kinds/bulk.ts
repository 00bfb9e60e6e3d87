import { outcomeCount, outcomeTable, runBulk } from "../bulk-plan.js";
import type { OperationKind } from "./operation-kind.js";

/**
 * `bulk`: pause, resume or restart of exactly the connectors the approver saw (the set is in the operation, so in
 * its digest). One step: each connector acted on, at most `concurrency` at once, each outcome saved and audited.
 */
export const bulk: OperationKind<"bulk"> = {
  steps: {
    changed: {
      doing: "acting on each connector",
      async run({ connect, operation, call }) {
        const { action, pattern, failedOnly, targets, concurrency } = operation;
        const outcomes = await runBulk(
          connect,
          { action, pattern, failedOnly: failedOnly === true },
          targets,
          { concurrency, requestId: call.requestId },
        );
        return { bulkOutcomes: outcomes, outcome: `${outcomeCount(outcomes)}.` };
      },
    },
  },
  async leaveSafely({ request }) {
    return request.step === undefined
      ? "Some connectors may have been acted on before the failure: `list` shows where each stands."
      : "Every connector was acted on.";
  },
  outcomeParts(request) {
    return request.bulkOutcomes === undefined ? [] : [outcomeTable(request.bulkOutcomes)];
  },
  connectorAudits(request) {
    return (request.bulkOutcomes ?? []).map((each) => ({
      connector: each.connector,
      outcome: each.outcome === "done" ? ("succeeded" as const) : ("failed" as const),
      detail: `${request.operation.kind === "bulk" ? request.operation.action : "bulk"}: ${each.detail}`,
    }));
  },
};
