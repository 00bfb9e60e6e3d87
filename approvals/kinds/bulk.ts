import { z } from "zod";
import { BulkTarget, outcomeCount, outcomeTable, runBulk } from "../bulk-plan.js";
import type { OperationKind } from "./operation-kind.js";

/**
 * `pause`, `resume` or `restart` of every connector a pattern matched when it was asked, above
 * `automation.bulk.approvalAbove`: exactly `targets`, never a connector that matches later.
 */
export const BulkOperation = z.object({
  kind: z.literal("bulk"),
  action: z.enum(["pause", "resume", "restart"]),
  pattern: z.string(),
  /** `restart --failed-only`: only the failed connectors and tasks of `targets`. */
  failedOnly: z.boolean().optional(),
  targets: z.array(BulkTarget).min(1),
  /** Connect calls in flight at once (automation.bulk.concurrency when asked). */
  concurrency: z.number().int().min(1),
});

/**
 * `bulk`: pause, resume or restart of exactly the connectors the approver saw (the set is in the operation, so in
 * its digest). One step: each connector acted on, at most `concurrency` at once, each outcome saved as it ends and
 * audited. A run resumed after a crash acts only on the connectors without a saved outcome, so no connector is
 * restarted twice; only those whose call was in flight when the bot died are asked again (at most `concurrency`).
 */
export const bulk: OperationKind<z.output<typeof BulkOperation>> = {
  schema: BulkOperation,
  steps: {
    changed: {
      doing: "acting on each connector",
      async run({ connect, operation, call, request, saveProgress }) {
        const { action, pattern, failedOnly, targets, concurrency } = operation;
        const saved = [...(request.bulkOutcomes ?? [])];
        const left = targets.filter((target) => !saved.some((each) => each.connector === target.connector));
        // One save at a time, each of every outcome so far: concurrent slots never overwrite each other's.
        let saving = Promise.resolve();
        await runBulk(connect, { action, pattern, failedOnly: failedOnly === true }, left, {
          concurrency,
          requestId: call.requestId,
          onOutcome: (outcome) => {
            saved.push(outcome);
            const snapshot = [...saved];
            saving = saving.then(() => saveProgress({ bulkOutcomes: snapshot }));
            return saving;
          },
        });
        const outcomes = targets.flatMap((target) =>
          saved.filter((each) => each.connector === target.connector),
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
  connectorAudits(request, operation) {
    return (request.bulkOutcomes ?? []).map((each) => ({
      connector: each.connector,
      outcome: each.outcome === "done" ? ("succeeded" as const) : ("failed" as const),
      detail: `${operation.action}: ${each.detail}`,
    }));
  },
};
