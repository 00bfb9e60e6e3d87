import type { ApprovalRequest } from "../../approvals/approval-request.js";
import type { ApprovalNotifier } from "../../approvals/approvals.js";
import type { ExecutionStep } from "../../approvals/request-record.js";
import type { Metrics } from "./metrics.js";

/**
 * Counts approval requests by the state they enter and executions by kind and outcome, and times each saved
 * step, by sitting between `Approvals` and its notifier (and its after-step hook). A step's time runs from the
 * previous step's save, or from the moment this process took the execution up.
 */
export function observeApprovals(
  metrics: Metrics,
  notifier: ApprovalNotifier | undefined,
  afterStep: ((step: ExecutionStep, request: ApprovalRequest) => Promise<void>) | undefined,
): {
  notifier: ApprovalNotifier;
  afterStep: (step: ExecutionStep, request: ApprovalRequest) => Promise<void>;
} {
  const lastMark = new Map<string, number>();
  return {
    notifier: {
      async changed(request) {
        metrics.approvalRequests.inc({ state: request.state });
        if (request.state === "executing") lastMark.set(request.id, performance.now());
        if (request.state === "succeeded" || request.state === "failed") {
          metrics.executions.inc({ kind: request.operation.kind, outcome: request.state });
          lastMark.delete(request.id);
        }
        await notifier?.changed(request);
      },
      async remind(request, reminder) {
        await notifier?.remind?.(request, reminder);
      },
    },
    async afterStep(step, request) {
      const now = performance.now();
      const since = lastMark.get(request.id);
      if (since !== undefined) {
        metrics.executionStepDuration.observe({ kind: request.operation.kind, step }, (now - since) / 1000);
      }
      lastMark.set(request.id, now);
      await afterStep?.(step, request);
    },
  };
}
