import type { Clock } from "../../src/core/clock.js";
import type { ReplyPart } from "../../src/core/reply.js";
import type { ApprovalRequest, ExecutionStep, Operation } from "../approval-store.js";
import type { ExecutionConnect, SinkOffsetsReader } from "../ports.js";

/** The stored operation of one kind (`OperationOf<"stop">` is `{ kind: "stop" }`). */
export type OperationOf<K extends Operation["kind"]> = Extract<Operation, { kind: K }>;

/** What a step of an execution works with: the request as saved so far, the cluster's clients, the clock. */
export interface ExecutionContext {
  readonly request: ApprovalRequest;
  readonly connect: ExecutionConnect;
  readonly kafka: SinkOffsetsReader;
  readonly now: Clock;
  /**
   * Passed to every Connect call: the request id travels with it, and a 409 (the group rebalancing) is waited out
   * for up to `rebalanceWaitMs` before the call fails.
   */
  readonly call: { readonly requestId: string; readonly rebalanceWaitMs: number };
  /** How long a stop may take before the execution gives up, in ms. */
  readonly stopTimeoutMs: number;
  /**
   * Saves `changeSent` before the change goes to Connect: a run that dies after this does not know whether the
   * change was applied, and says so. Returns whether an earlier run had sent it already (a resumed change).
   */
  sendingChange(): Promise<boolean>;
}

/** The context of a kind's own step, with its operation typed for the kind. */
export interface StepContext<K extends Operation["kind"]> extends ExecutionContext {
  readonly operation: OperationOf<K>;
}

/** One saved step: what it does (the fields it returns are saved with it) and how a failure in it is told. */
export interface Step<K extends Operation["kind"]> {
  /** What the execution was doing when this step failed: `stopping the connector`. */
  readonly doing: string;
  run(context: StepContext<K>): Promise<Partial<ApprovalRequest>>;
}

/** A step several kinds share: it reads no kind's operation. */
export interface SharedStep {
  readonly doing: string;
  run(context: ExecutionContext): Promise<Partial<ApprovalRequest>>;
}

/**
 * Everything one kind of operation does and says: its steps, how a failed run leaves the connector, and the
 * words of its outcome. Listed once in `registry.ts`, which the compiler checks against `Operation`.
 */
export interface OperationKind<K extends Operation["kind"]> {
  /**
   * Its steps. They run in the order of `executionSteps` (snapshot → stopped → resolved → changed → verified →
   * restored), each saved before the next begins, so that a resumed run continues after the last one saved.
   */
  readonly steps: { readonly [S in ExecutionStep]?: Step<K> };
  /**
   * The undo after a failure: puts the connector back where that is safe, and says how it was left.
   * `changeUncertain`: the change was sent and Connect's answer is unknown (a timeout, a 5xx).
   */
  leaveSafely(context: StepContext<K>, changeUncertain: boolean): Promise<string>;
  /** How the run went against what the approver saw (replayed, skipped, moved since the preview), if it says. */
  describeExecution?(request: ApprovalRequest, operation: OperationOf<K>): string | undefined;
  /** What a succeeded run changed, shown under its outcome: before and after, and how to undo it. */
  outcomeParts(request: ApprovalRequest, operation: OperationOf<K>): ReplyPart[];
  /**
   * What the step "changed" did to each connector, when the kind acts on several (a bulk action): one audit entry
   * each, beside the request's own.
   */
  connectorAudits?(request: ApprovalRequest): {
    readonly connector: string;
    readonly outcome: "succeeded" | "failed";
    readonly detail: string;
  }[];
  /** A succeeded run leaves the connector STOPPED on purpose: the alerts do not call that a halt. */
  readonly leavesStopped?: boolean;
}
