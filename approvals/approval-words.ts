import type { ApprovalRequest } from "./approval-store.js";
import { operationKind } from "./kinds/registry.js";

/**
 * How a run went against what the approver saw, in the words of its kind: replayed and skipped counts, how far
 * the offsets had moved since the preview. Undefined before it ran, and for kinds that have nothing to compare.
 */
export function describeExecution(request: ApprovalRequest): string | undefined {
  return operationKind(request.operation).describeExecution?.(request, request.operation);
}
