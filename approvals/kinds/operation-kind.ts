import type { z } from "zod";
import type { Clock } from "../../src/core/clock.js";
import type { LogLevelChanges } from "../../src/core/ports/automation.js";
import type { ReplyPart, ReplyTime } from "../../src/core/reply.js";
import type { ExecutionConnect, SinkOffsetsReader } from "../ports.js";
import type { ExecutionStep, RequestRecord } from "../request-record.js";

/** What every kind's operation has: its kind's name, the discriminator of `Operation` (kinds/registry.ts). */
export interface OperationShape {
  readonly kind: string;
}

/** What a step of an execution works with: the request as saved so far, the cluster's clients, the clock. */
export interface ExecutionContext {
  readonly request: RequestRecord;
  readonly connect: ExecutionConnect;
  readonly kafka: SinkOffsetsReader;
  /** The bot's log level changes, for a `log-level` request; absent where the process has none. */
  readonly logLevels?: LogLevelChanges | undefined;
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
  /**
   * Saves fields of the request in the middle of a step (a bulk action's outcome of each connector as it ends), so
   * that a run resumed after a crash knows what was done already. The step's returned fields are saved at its end.
   */
  saveProgress(change: Partial<RequestRecord>): Promise<void>;
}

/** The context of a kind's own step, with its operation typed for the kind. */
export interface StepContext<O extends OperationShape> extends ExecutionContext {
  readonly operation: O;
}

/** One saved step: what it does (the fields it returns are saved with it) and how a failure in it is told. */
export interface Step<O extends OperationShape> {
  /** What the execution was doing when this step failed: `stopping the connector`. */
  readonly doing: string;
  run(context: StepContext<O>): Promise<Partial<RequestRecord>>;
}

/** A step several kinds share: it reads no kind's operation. */
export interface SharedStep {
  readonly doing: string;
  run(context: ExecutionContext): Promise<Partial<RequestRecord>>;
}

/**
 * Everything one kind of operation is, does and says: the schema of its operation (a member of the `Operation`
 * union, which `registry.ts` builds from every kind's), the settings it seals at rest, its steps, how a failed run
 * leaves the connector (its undo), and the words of its outcome. Listed once in `registry.ts`.
 */
export interface OperationKind<O extends OperationShape> {
  /** Its operation as stored and parsed back: `z.object({ kind: z.literal("stop"), … })`. */
  readonly schema: z.ZodObject & z.ZodType<O>;
  /**
   * The fields of its operation that hold connector settings whose secret ones (`secretKeys`) are sealed at rest
   * (src/core/config-sealer.ts): the store seals them as it writes and opens them as it reads.
   */
  readonly sealed?: readonly SettingsField<O>[];
  /**
   * Its steps. They run in the order of `executionSteps` (snapshot → stopped → resolved → changed → verified →
   * restored), each saved before the next begins, so that a resumed run continues after the last one saved.
   */
  readonly steps: { readonly [S in ExecutionStep]?: Step<O> };
  /**
   * The undo after a failure: puts the connector back where that is safe, and says how it was left.
   * `changeUncertain`: the change was sent and Connect's answer is unknown (a timeout, a 5xx).
   */
  leaveSafely(context: StepContext<O>, changeUncertain: boolean): Promise<string>;
  /**
   * How the run went against what the approver saw (replayed, skipped, moved since the preview), if it says: words
   * and the moments they name, which each adapter writes (Slack in the reader's time zone).
   */
  describeExecution?(request: RequestRecord, operation: O): (string | ReplyTime)[] | undefined;
  /** What a succeeded run changed, shown under its outcome: before and after, and how to undo it. */
  outcomeParts(request: RequestRecord, operation: O): ReplyPart[];
  /**
   * What the step "changed" did to each connector, when the kind acts on several (a bulk action): one audit entry
   * each, beside the request's own.
   */
  connectorAudits?(
    request: RequestRecord,
    operation: O,
  ): {
    readonly connector: string;
    readonly outcome: "succeeded" | "failed";
    readonly detail: string;
  }[];
  /**
   * The request's `connector` names no connector (a `log-level` request's names its logger): a failed run reads no
   * connector's state for its outcome.
   */
  readonly notAConnector?: true;
  /** A succeeded run leaves the connector STOPPED on purpose: the alerts do not call that a halt. */
  readonly leavesStopped?: boolean;
}

/** A field of an operation that holds connector settings, in an operation that names its secret ones. */
export type SettingsField<O> = O extends { readonly secretKeys: readonly string[] }
  ? { [F in keyof O]: O[F] extends Readonly<Record<string, string>> ? F : never }[keyof O]
  : never;
