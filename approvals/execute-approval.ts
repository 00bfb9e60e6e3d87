import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { canonicalJson } from "../src/connect/canonical-json.js";
import type { ConnectClient } from "../src/connect/connect-client.js";
import { offsetsChangeWarning } from "../src/connect/connect-client.js";
import { ConnectConflict, ConnectError, ConnectNotFound } from "../src/connect/connect-errors.js";
import type { ConnectorOffset } from "../src/connect/connect-schemas.js";
import { awaitGone, awaitState } from "../src/core/await-state.js";
import { settingsToSeal } from "../src/core/redact.js";
import type { SinkLagReader } from "../src/kafka/sink-lag-reader.js";
import {
  type ApprovalRequest,
  type ApprovalStore,
  type ExecutionStep,
  type Operation,
  openStates,
} from "./approval-store.js";
import { movesOf, planSinkOffsets, previewedScope, resetScopeOf, resetTargetOf } from "./offset-plan.js";

export interface ExecutionOptions {
  readonly store: ApprovalStore;
  readonly connect: ConnectClient;
  /** Reads a sink's committed and log offsets, to resolve its target after the stop. */
  readonly kafka: SinkLagReader;
  readonly now: () => Date;
  /** Called after each saved step: tests stop the process here to prove a restart resumes. */
  readonly afterStep?: (step: ExecutionStep, request: ApprovalRequest) => Promise<void>;
  /** How long a stop may take before the execution gives up. */
  readonly stopTimeoutMs?: number;
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
}

/** Another execution holds the connector past the wait: retriable, the job runs again later. */
export class ConnectorBusy extends Error {
  constructor(connector: string) {
    super(`Another execution is working on ${connector}; this one waits its turn`);
  }
}

/** Connect's 500 right after a stop, while the sink's tasks are still leaving their group, says this. */
const safelyRetriable = /can be safely retried|rebalance|not fully|momentarily/i;

/** The steps each kind of operation goes through, in order; the request records the last one completed. */
const offsetSteps = ["snapshot", "stopped", "resolved", "changed", "verified", "restored"] as const;
const stepsOf: Readonly<Record<Operation["kind"], readonly ExecutionStep[]>> = {
  "sink-offsets": offsetSteps,
  "alter-offsets": offsetSteps,
  "reset-offsets": offsetSteps,
  stop: ["snapshot", "stopped"],
  delete: ["snapshot", "changed", "verified"],
  recreate: ["changed", "verified", "restored"],
};

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
  const deadline = Date.now() + (options.lockWaitMs ?? 120_000);
  while (!(await store.lock(first, executor, ttlMs))) {
    if (Date.now() > deadline) throw new ConnectorBusy(first.connector);
    await sleep(Math.min(250, ttlMs / 4));
  }
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
  const { store, connect } = options;
  const started = await store.transition(id, ["approved", "executing"], (r) => ({
    ...r,
    state: "executing",
    executor,
  }));
  const save = async (change: Partial<ApprovalRequest>) => {
    // An execution whose lock ran out (the process was frozen) may no longer be alone: it stops here.
    if (lockLost()) throw new TakenOver(id);
    const saved = await store.transition(id, ["executing"], (r) =>
      r.executor === executor ? { ...r, ...change } : undefined,
    );
    if (!saved.ok || saved.request === undefined) throw new TakenOver(id);
    return saved.request;
  };
  if (!started.ok || started.request === undefined) {
    // Another run of the same request finished it while this one waited for the lock.
    if (started.request !== undefined && !openStates.includes(started.request.state)) return started.request;
    throw new Error(`Request ${id} is not approved (it is ${started.request?.state ?? "missing"})`);
  }
  let request = started.request;
  const call = { requestId: request.requestId };
  const stopTimeoutMs = options.stopTimeoutMs ?? 60_000;
  let warning: string | undefined;

  const perform: Record<ExecutionStep, () => Promise<Partial<ApprovalRequest>>> = {
    async snapshot() {
      const status = await connect.status(request.connector, call);
      const { offsets } = await connect.offsets(request.connector, call);
      if (request.operation.kind !== "delete")
        return { priorState: status.connector.state, snapshot: offsets };
      // Its secret settings are named here and sealed (or left out) by the store: never kept in clear.
      const snapshotConfig = await connect.config(request.connector, call);
      const passwordKeys = await connect.passwordKeys(snapshotConfig, call);
      const snapshotSecretKeys = settingsToSeal(snapshotConfig, passwordKeys);
      return { priorState: status.connector.state, snapshot: offsets, snapshotConfig, snapshotSecretKeys };
    },
    async stopped() {
      await connect.stop(request.connector, call);
      const stopped = await awaitState(connect, request.connector, "STOPPED", {
        timeoutMs: stopTimeoutMs,
        requestId: request.requestId,
      });
      if (!stopped.reached) throw new Error(`it did not stop within ${Math.round(stopTimeoutMs / 1000)} s`);
      return {};
    },
    async resolved() {
      // Stopped, the connector has committed its last offsets: these are the ones the change replaces.
      const { offsets } = await connect.offsets(request.connector, call);
      const operation = request.operation;
      if (operation.kind !== "sink-offsets") {
        const wanted = operation.kind === "alter-offsets" ? operation.offsets : null;
        return { snapshot: offsets, resolved: { offsets: wanted } };
      }
      const info = await connect.info(request.connector, call);
      // The numbers are resolved now, but only on the partitions the approver saw: a topic or partition the sink
      // took on since the preview is left alone, and one it no longer reads fails the run before the change.
      const scope =
        request.preview === undefined
          ? operation.scope === undefined
            ? undefined
            : resetScopeOf(operation.scope)
          : previewedScope(request.preview);
      const plan = await planSinkOffsets({
        connector: request.connector,
        config: info.config,
        target: resetTargetOf(operation.target, options.now()),
        kafka: options.kafka,
        ...(scope === undefined ? {} : { scope }),
      });
      const wanted = plan.request.method === "PATCH" ? [...plan.request.offsets] : null;
      return { snapshot: offsets, resolved: { offsets: wanted, moves: movesOf(plan) } };
    },
    async changed() {
      const operation = request.operation;
      const resumed = request.changeSent === true;
      request = await save({ changeSent: true });
      if (operation.kind === "recreate") {
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
      }
      if (operation.kind === "delete") {
        // A delete repeated after a crash finds the connector gone already: that is the wanted outcome.
        await connect.deleteConnector(request.connector, call).catch(ignoreNotFound);
        return {};
      }
      const wanted = resolvedOffsets(request);
      const answer = await retryWhileSafe(() =>
        wanted === null
          ? connect.resetOffsets(request.connector, call)
          : connect.alterOffsets(request.connector, wanted, call),
      );
      warning = offsetsChangeWarning(answer.message);
      return warning === undefined ? {} : { outcome: warning };
    },
    async verified() {
      if (request.operation.kind === "delete") {
        const gone = await awaitGone(connect, request.connector, { requestId: request.requestId });
        if (!gone) throw new Error("the connector still answers 30 s after the delete");
        return {};
      }
      const { offsets } = await connect.offsets(request.connector, call);
      const operation = request.operation;
      const wanted = operation.kind === "recreate" ? operation.offsets : resolvedOffsets(request);
      const mismatch = verify(wanted, offsets);
      if (mismatch !== undefined) throw new Error(`the offsets read back differ: ${mismatch}`);
      return {};
    },
    async restored() {
      await restore(connect, request);
      return {};
    },
  };

  try {
    const steps = stepsOf[request.operation.kind];
    const left = steps.slice(request.step === undefined ? 0 : steps.indexOf(request.step) + 1);
    // Checked once the lock is held: a run that waited for it, or resumes a dead one's work, may be late too.
    const { startBy } = options;
    if (left.length > 0 && request.changeSent !== true && startBy !== undefined && options.now() > startBy) {
      throw new StartedLate(startBy);
    }
    for (const step of left) {
      const fields = await perform[step]();
      request = await save({ ...fields, step });
      await options.afterStep?.(step, request);
    }
    return await finish(store, id, executor, "succeeded", options.now, warning ?? request.outcome);
  } catch (error) {
    const current = await store.get(id);
    // Taken over: the new owner carries on, and must not find its connector resumed or its request failed.
    if (current?.executor !== executor) return current ?? request;
    // The lock ran out (a stall) but nobody has taken the request over yet: acting on the connector now could
    // interleave with a run that takes the lock next, and returning would leave the request executing, holding its
    // connector, with no job left to finish it. The queue runs it again, under a new lock, from the last saved step.
    if ((error instanceof TakenOver || lockLost()) && current.state === "executing") throw new LockLost(id);
    if (error instanceof TakenOver) return current;
    const reason = error instanceof ConnectError ? error.message : (error as Error).message;
    // Connect refusing the change (a 4xx) means it was not applied; a timeout or 5xx after sending leaves it unknown.
    const refused =
      error instanceof ConnectError &&
      error.status !== undefined &&
      error.status >= 400 &&
      error.status < 500;
    const leftAs = await leaveSafely(connect, request, request.changeSent === true && !refused);
    const failure =
      error instanceof StartedLate ? reason : `Failed while ${describeStep(request)}: ${reason}.`;
    return finish(store, id, executor, "failed", options.now, `${failure} ${leftAs}`);
  }
}

/** The offsets an offset change sets, as resolved after the stop; null: every offset removed (DELETE). */
function resolvedOffsets(request: ApprovalRequest): ConnectorOffset[] | null {
  if (request.resolved === undefined) throw new Error("the target was not resolved before the change");
  return request.resolved.offsets;
}

function ignoreNotFound(error: unknown): void {
  if (!(error instanceof ConnectNotFound)) throw error;
}

/** Repeats the change while Connect says it can be safely retried (a 409, or the 500 right after a stop). */
async function retryWhileSafe<T>(change: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await change();
    } catch (error) {
      const retriable =
        error instanceof ConnectError &&
        (error.code === "CONNECT_CONFLICT" || (error.status === 500 && safelyRetriable.test(error.reason)));
      if (!retriable || attempt >= attempts) throw error;
      await sleep(Math.min(250 * 2 ** attempt, 5_000));
    }
  }
}

/** The offsets read back against those the change set; null: every offset removed. */
function verify(
  wanted: readonly ConnectorOffset[] | null,
  offsets: readonly ConnectorOffset[],
): string | undefined {
  if (wanted === null) {
    return offsets.length === 0 ? undefined : `${offsets.length} offset(s) remain after the reset`;
  }
  const key = (offset: ConnectorOffset) => canonicalJson(offset.partition);
  const found = new Map(offsets.map((offset) => [key(offset), canonicalJson(offset.offset)]));
  const wrong = wanted.filter((one) =>
    one.offset === null ? found.has(key(one)) : found.get(key(one)) !== canonicalJson(one.offset),
  );
  return wrong.length === 0 ? undefined : `${wrong.length} partition(s) do not show the new offset`;
}

/** RUNNING resumes; PAUSED resumes and pauses again (Connect's way out of STOPPED); STOPPED stays. */
async function restore(connect: ConnectClient, request: ApprovalRequest): Promise<void> {
  const call = { requestId: request.requestId };
  if (request.priorState === "STOPPED") return;
  await connect.resume(request.connector, call);
  if (request.priorState === "PAUSED") await connect.pause(request.connector, call);
}

/**
 * After a failure: before the change, putting the connector back as it was is safe; after an unconfirmed change
 * it stays STOPPED, so that no data moves on offsets nobody checked.
 */
async function leaveSafely(
  connect: ConnectClient,
  request: ApprovalRequest,
  changeUncertain: boolean,
): Promise<string> {
  const kind = request.operation.kind;
  if (kind === "recreate") {
    if (request.changeSent !== true) return "Nothing was created.";
    return request.step === "verified" || request.step === "restored"
      ? `The connector was created with its offsets confirmed, but could not be returned to ${request.priorState ?? "its prior state"}: it is STOPPED; resume it by hand.`
      : `The connector may have been created STOPPED, without confirmed offsets: check \`status ${request.connector}\` and \`offsets get ${request.connector}\` before resuming it.`;
  }
  if (kind === "delete") {
    return (request.step === undefined || request.step === "snapshot") && !changeUncertain
      ? "Nothing was deleted."
      : "The delete was sent but not confirmed: check `list`.";
  }
  if (
    changeUncertain &&
    (request.step === "snapshot" || request.step === "stopped" || request.step === "resolved")
  ) {
    return `The change was sent but Connect's answer was lost, so the connector was left STOPPED on purpose. Check \`offsets get ${request.connector}\`, then resume it.`;
  }
  switch (request.step) {
    case undefined:
      return "Nothing was changed.";
    case "snapshot":
    case "stopped":
    case "resolved":
      try {
        await restore(connect, request);
        return `The offsets were not changed, and the connector was returned to ${request.priorState ?? "its prior state"}.`;
      } catch {
        return "The offsets were not changed, but the connector could not be returned to its prior state: it may still be STOPPED.";
      }
    case "changed":
      return `The connector was left STOPPED on purpose: its offsets changed but could not be confirmed. Check \`offsets get ${request.connector}\`, then resume it.`;
    case "verified":
    case "restored":
      return `The offsets were changed and confirmed, but the connector could not be returned to ${request.priorState ?? "its prior state"}: it is STOPPED; resume it by hand.`;
  }
}

/** What the execution was doing when it failed: the step after the last one saved. */
function describeStep(request: ApprovalRequest): string {
  const steps = stepsOf[request.operation.kind];
  const failed = steps[request.step === undefined ? 0 : steps.indexOf(request.step) + 1];
  const kind = request.operation.kind;
  switch (failed) {
    case "snapshot":
      return "taking the snapshot";
    case "stopped":
      return "stopping the connector";
    case "resolved":
      return "resolving the target offsets";
    case "changed":
      return kind === "delete"
        ? "deleting the connector"
        : kind === "recreate"
          ? "re-creating the connector"
          : "changing the offsets";
    case "verified":
      return kind === "delete" ? "confirming the delete" : "verifying the offsets";
    default:
      return "returning the connector to its prior state";
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

async function finish(
  store: ApprovalStore,
  id: string,
  executor: string,
  state: "succeeded" | "failed",
  now: () => Date,
  outcome: string | undefined,
): Promise<ApprovalRequest> {
  // Only the owner finishes; a run that was taken over leaves the request to its new owner.
  const done = await store.transition(id, ["executing"], (r) =>
    r.executor === executor
      ? { ...r, state, finishedAt: now().toISOString(), ...(outcome === undefined ? {} : { outcome }) }
      : undefined,
  );
  if (done.request === undefined) throw new Error(`Request ${id} disappeared`);
  return done.request;
}
