import { randomUUID } from "node:crypto";
import type { Clock } from "../src/core/clock.js";
import { hasCode } from "../src/core/has-code.js";
import { connectErrorCodes, type LogLevelChanges } from "../src/core/ports.js";
import { poll } from "../src/core/retry.js";
import type { ApprovalRequest } from "./approval-request.js";
import type { ApprovalStore } from "./approval-store.js";
import { RequestStates } from "./approval-transitions.js";
import { restoreStep } from "./kinds/connector-steps.js";
import type { OperationKind, StepContext } from "./kinds/operation-kind.js";
import type { Operation } from "./kinds/registry.js";
import { operationKind } from "./kinds/registry.js";
import type { ExecutionConnect, SinkOffsetsReader } from "./ports.js";
import { type ExecutionStep, executionSteps, openStates } from "./request-record.js";

export interface ExecutionOptions {
  readonly store: ApprovalStore;
  readonly connect: ExecutionConnect;
  /** Reads a sink's committed and log offsets, to resolve its target after the stop. */
  readonly kafka: SinkOffsetsReader;
  /** The bot's log level changes, which a `log-level` request makes. */
  readonly logLevels?: LogLevelChanges | undefined;
  readonly now: Clock;
  /** Called after each saved step: tests stop the process here to prove a restart resumes. */
  readonly afterStep?: (step: ExecutionStep, request: ApprovalRequest) => Promise<void>;
  /** How long a stop may take before the execution gives up. */
  readonly stopTimeoutMs?: number;
  /**
   * How long each Connect call of a step waits out a 409 (the group rebalancing) before the step fails. Connect
   * holds a dead worker's connectors for `scheduled.rebalance.max.delay.ms` (5 min by default), so the default
   * matches it. @defaultValue 300,000 ms
   */
  readonly rebalanceWaitMs?: number;
  /**
   * The connector's execution lock expires this long after its owner last renewed it (every third of it), so a
   * killed execution's lock frees itself within this time. @defaultValue 5,000 ms
   */
  readonly lockTtlMs?: number;
  /** How long to wait for another execution on the same connector to end. @defaultValue 120,000 ms */
  readonly lockWaitMs?: number;
  /**
   * A run that starts after this without the change sent yet (approved long ago, or resumed late after its process
   * died before the change) does not act: it fails as stale and returns the connector to its prior state, so no
   * change runs later by surprise. Unset: no bound.
   */
  readonly startBy?: Date;
  /**
   * Asked once the target is resolved, for a request a rule approved: why the rule no longer approves the resolved
   * plan (it grew past the bound), or undefined when it still does. When it says why, nothing is changed: the
   * connector goes back to its prior state and `backToPeople` sends the request back to waiting for people.
   */
  readonly ruleStillApproves?: (request: ApprovalRequest) => string | undefined;
  /** Sends the request back to people (see `ApprovalLifecycle.withdrawRule`), if `executor` still owns it. */
  readonly backToPeople?: (
    request: ApprovalRequest,
    why: string,
    executor: string,
  ) => Promise<ApprovalRequest | undefined>;
}

/** Connect's default `scheduled.rebalance.max.delay.ms` (KIP-415): how long a lost worker's work may stay unassigned. */
export const defaultRebalanceWaitMs = 5 * 60_000;

/** Another execution holds the connector past the wait: retriable, the job runs again later. */
export class ConnectorBusy extends Error {
  constructor(connector: string) {
    super(`Another execution is working on ${connector}; this one waits its turn`);
  }
}

/**
 * Carries out an approved request as saved steps (for offsets: snapshot → stop → resolve → change → verify →
 * restore the prior state). Each step is recorded before the next begins, so after a crash the same call continues
 * where it stopped. The target is resolved into absolute offsets after the stop and saved before the change is
 * sent, so repeating an unrecorded change sets the same offsets again, never shifts twice. The whole run holds the
 * connector's lock in Redis (owner token, renewed, expiring), so two executions on one connector never interleave.
 * Throws {@link ConnectorBusy} when the lock stays taken for `lockWaitMs`, and {@link LockLost} when the lock ran out
 * under the run before another took it over; both are retriable.
 */
export async function executeApproval(id: string, options: ExecutionOptions): Promise<ApprovalRequest> {
  const { store } = options;
  const first = await store.get(id);
  if (first === undefined) throw new Error(`Request ${id} disappeared`);
  // Each run owns the request and the connector's lock under its own token.
  const executor = randomUUID();
  const ttlMs = options.lockTtlMs ?? 5_000;
  const locked = await poll(async () => ((await store.lock(first, executor, ttlMs)) ? true : undefined), {
    backoff: { firstMs: Math.min(250, ttlMs / 4) },
    deadlineMs: options.lockWaitMs ?? 120_000,
  });
  if (locked === undefined) throw new ConnectorBusy(first.connector);
  let lockLost = false;
  const renewal = setInterval(() => {
    store.renewLock(first, executor, ttlMs).then(
      (held) => {
        lockLost ||= !held;
      },
      () => undefined,
    );
  }, ttlMs / 3);
  try {
    return await executeLocked(id, executor, options, () => lockLost);
  } finally {
    clearInterval(renewal);
    await store.unlock(first, executor);
  }
}

async function executeLocked(
  id: string,
  executor: string,
  options: ExecutionOptions,
  lockLost: () => boolean,
): Promise<ApprovalRequest> {
  const started = await new RequestStates(options.store).move(
    id,
    { from: ["approved", "executing"], by: "executor" },
    (r) => ({
      ...r,
      state: "executing",
      executor,
    }),
  );
  if (!started.ok || started.request === undefined) {
    // Another run of the same request finished it while this one waited for the lock.
    if (started.request !== undefined && !openStates.includes(started.request.state)) return started.request;
    throw new Error(`Request ${id} is not approved (it is ${started.request?.state ?? "missing"})`);
  }
  return new Execution(started.request, executor, options, lockLost).run();
}

/**
 * One run of a request, owned by `executor` while it holds the connector's lock: the steps of its kind not saved
 * yet, each saved as it ends; then the request succeeds, or fails with the connector left as its kind says.
 */
class Execution {
  #request: ApprovalRequest;
  readonly #kind: OperationKind<Operation>;
  /** The kind's steps, in the order of `executionSteps`. */
  readonly #steps: readonly ExecutionStep[];
  readonly #executor: string;
  readonly #options: ExecutionOptions;
  readonly #lockLost: () => boolean;
  readonly #states: RequestStates;

  constructor(
    request: ApprovalRequest,
    executor: string,
    options: ExecutionOptions,
    lockLost: () => boolean,
  ) {
    this.#request = request;
    this.#kind = operationKind(request.operation);
    this.#steps = executionSteps.filter((step) => this.#kind.steps[step] !== undefined);
    this.#executor = executor;
    this.#options = options;
    this.#lockLost = lockLost;
    this.#states = new RequestStates(options.store);
  }

  async run(): Promise<ApprovalRequest> {
    try {
      const left = this.#steps.slice(this.#next());
      this.#refuseIfLate(left);
      for (const step of left) await this.#perform(step);
      return await this.#finish("succeeded", this.#request.outcome);
    } catch (error) {
      return this.#fail(error);
    }
  }

  /** Index in `#steps` of the step after the last one saved. */
  #next(): number {
    const { step } = this.#request;
    return step === undefined ? 0 : this.#steps.indexOf(step) + 1;
  }

  /** Checked once the lock is held: a run that waited for it, or resumes a dead one's work, may be late too. */
  #refuseIfLate(left: readonly ExecutionStep[]): void {
    const { startBy, now } = this.#options;
    if (
      left.length > 0 &&
      this.#request.changeSent !== true &&
      startBy !== undefined &&
      now() > startBy.getTime()
    ) {
      throw new StartedLate(startBy);
    }
  }

  async #perform(step: ExecutionStep): Promise<void> {
    const fields = (await this.#kind.steps[step]?.run(this.#context())) ?? {};
    this.#request = await this.#save({ ...fields, step });
    await this.#options.afterStep?.(step, this.#request);
    if (step === "resolved" && this.#request.approvedByRule !== undefined) {
      const why = this.#options.ruleStillApproves?.(this.#request);
      if (why !== undefined) throw new RuleNoLongerApproves(why);
    }
  }

  async #save(change: Partial<ApprovalRequest>): Promise<ApprovalRequest> {
    const id = this.#request.id;
    // An execution whose lock ran out (the process was frozen) may no longer be alone: it stops here.
    if (this.#lockLost()) throw new TakenOver(id);
    const saved = await this.#states.move(id, { from: ["executing"], by: "executor" }, (r) =>
      r.executor === this.#executor ? { ...r, ...change } : undefined,
    );
    if (!saved.ok || saved.request === undefined) throw new TakenOver(id);
    return saved.request;
  }

  #context(): StepContext<Operation> {
    const request = this.#request;
    return {
      request,
      operation: request.operation,
      connect: this.#options.connect,
      kafka: this.#options.kafka,
      logLevels: this.#options.logLevels,
      now: this.#options.now,
      call: {
        requestId: request.requestId,
        rebalanceWaitMs: this.#options.rebalanceWaitMs ?? defaultRebalanceWaitMs,
      },
      stopTimeoutMs: this.#options.stopTimeoutMs ?? 60_000,
      sendingChange: async () => {
        const resumed = this.#request.changeSent === true;
        this.#request = await this.#save({ changeSent: true });
        return resumed;
      },
      saveProgress: async (change) => {
        this.#request = await this.#save(change);
      },
    };
  }

  /** Ends the run after `error`: leaves the request to a new owner, retries under a new lock, or fails it. */
  async #fail(error: unknown): Promise<ApprovalRequest> {
    const id = this.#request.id;
    const current = await this.#options.store.get(id);
    // Taken over: the new owner carries on, and must not find its connector resumed or its request failed.
    if (current?.executor !== this.#executor) return current ?? this.#request;
    // The lock ran out (a stall) but nobody has taken the request over yet: acting on the connector now could
    // interleave with a run that takes the lock next, and returning would leave the request executing, holding its
    // connector, with no job left to finish it. The queue runs it again, under a new lock, from the last saved step.
    if ((error instanceof TakenOver || this.#lockLost()) && current.state === "executing")
      throw new LockLost(id);
    if (error instanceof TakenOver) return current;
    const reason = error instanceof Error ? error.message : String(error);
    // Connect refusing the change (a 4xx) means it was not applied; a timeout or 5xx after sending leaves it unknown.
    const refused =
      hasCode(error, ...connectErrorCodes) &&
      error.status !== undefined &&
      error.status >= 400 &&
      error.status < 500;
    const changeUncertain = this.#request.changeSent === true && !refused;
    const leftAs = await this.#kind.leaveSafely(this.#context(), changeUncertain);
    if (error instanceof RuleNoLongerApproves && this.#options.backToPeople !== undefined) {
      const back = await this.#options.backToPeople(
        this.#request,
        `${error.message} (the plan resolved when the change was about to run). ${leftAs}`,
        this.#executor,
      );
      if (back !== undefined) return back;
    }
    const { seen, wayBack } =
      this.#kind.notAConnector === true ? { seen: "", wayBack: undefined } : await this.#observedState();
    if (error instanceof StartedLate) return this.#finish("failed", `${reason} ${leftAs}${seen}`, wayBack);
    // What the run was doing: the step after the last one saved.
    const failed = this.#steps[this.#next()];
    const doing = (failed === undefined ? undefined : this.#kind.steps[failed]?.doing) ?? restoreStep.doing;
    return this.#finish("failed", `Failed while ${doing}: ${sentence(reason)} ${leftAs}${seen}`, wayBack);
  }

  /**
   * What Connect reports of the connector once a failed run has done what it could, in words for the outcome
   * (the state it is really in, not the one the run meant to leave), and the command that puts it back in its
   * prior state when it is not there.
   */
  async #observedState(): Promise<{ seen: string; wayBack?: "resume" | "pause" }> {
    const { connector, priorState, requestId } = this.#request;
    const status = await this.#options.connect.status(connector, { requestId }).then(
      (answer) => answer.connector.state,
      (error: unknown) => (hasCode(error, "CONNECT_NOT_FOUND") ? ("absent" as const) : undefined),
    );
    const at = `${new Date(this.#options.now()).toISOString().slice(11, 19)} UTC`;
    if (status === undefined)
      return { seen: ` Its state could not be read at ${at}: check \`status ${connector}\`.` };
    if (status === "absent") return { seen: ` At ${at} Connect has no connector ${connector}.` };
    const seen = ` At ${at} Connect reports it ${status}.`;
    const away = status === "STOPPED" || status === "PAUSED";
    if (priorState === "RUNNING" && away) return { seen, wayBack: "resume" };
    if (priorState === "PAUSED" && status === "STOPPED") return { seen, wayBack: "pause" };
    return { seen };
  }

  async #finish(
    state: "succeeded" | "failed",
    outcome: string | undefined,
    wayBack?: "resume" | "pause",
  ): Promise<ApprovalRequest> {
    const { id } = this.#request;
    const { now } = this.#options;
    // Only the owner finishes; a run that was taken over leaves the request to its new owner.
    const done = await this.#states.move(id, { from: ["executing"], by: "executor" }, (r) =>
      r.executor === this.#executor
        ? {
            ...r,
            state,
            finishedAt: new Date(now()).toISOString(),
            ...(outcome === undefined ? {} : { outcome }),
            ...(wayBack === undefined ? {} : { wayBack }),
          }
        : undefined,
    );
    if (done.request === undefined) throw new Error(`Request ${id} disappeared`);
    return done.request;
  }
}

/** A run that would begin (or carry on) its change after the request's start bound. */
class StartedLate extends Error {
  constructor(startBy: Date) {
    super(
      `Not run: it was still not carried out at ${startBy.toISOString().slice(11, 16)} UTC, the latest it could start (a bot process died or waited before the change), so it failed as stale rather than run late.`,
    );
  }
}

/** The resolved plan of a request a rule approved is past the rule's bound: people decide it now. */
class RuleNoLongerApproves extends Error {}

class TakenOver extends Error {
  constructor(id: string) {
    super(`Request ${id} is carried on by another execution`);
  }
}

/**
 * The connector's lock ran out under a running execution (its process stalled longer than the lock's TTL) and no
 * other run has taken the request over. Retriable: the job runs again and resumes from the last saved step.
 */
export class LockLost extends Error {
  constructor(id: string) {
    super(`Request ${id} lost its connector's lock; it resumes from its last saved step`);
  }
}

/** `text` as a sentence: a full stop added unless it already ends in one (Connect's messages sometimes do). */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
