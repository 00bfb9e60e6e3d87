import { awaitState } from "../../src/core/await-state.js";
import { settingsToSeal } from "../../src/core/redact.js";
import type { RequestRecord } from "../request-record.js";
import type { ExecutionContext, SharedStep } from "./operation-kind.js";

/** Steps and undo shared by the kinds: snapshot the state and offsets, stop, return to the prior state. */

/** Saves the connector's state and offsets before anything changes: the undo and `offsets restore` read them. */
export const snapshotStep: SharedStep = {
  doing: "taking the snapshot",
  async run({ connect, request, call }) {
    const status = await connect.status(request.connector, call);
    const { offsets } = await connect.offsets(request.connector, call);
    return { priorState: status.connector.state, snapshot: offsets };
  },
};

/**
 * The connector's config as it is before the change, for the undo (`offsets restore` of a delete, `config
 * restore`): its secret settings are named here and sealed (or left out) by the store, never kept in clear.
 */
export async function configSnapshot({
  connect,
  request,
  call,
}: ExecutionContext): Promise<Pick<RequestRecord, "snapshotConfig" | "snapshotSecretKeys">> {
  const snapshotConfig = await connect.config(request.connector, call);
  const passwordKeys = await connect.passwordKeys(snapshotConfig, call);
  return { snapshotConfig, snapshotSecretKeys: settingsToSeal(snapshotConfig, passwordKeys) };
}

/** Stops the connector and waits for STOPPED (KIP-875: offsets change only on a stopped connector). */
export const stopStep: SharedStep = {
  doing: "stopping the connector",
  async run({ connect, request, call, stopTimeoutMs }) {
    await connect.stop(request.connector, call);
    const stopped = await awaitState(connect, request.connector, "STOPPED", {
      timeoutMs: stopTimeoutMs,
      requestId: request.requestId,
    });
    if (!stopped.reached) throw new Error(`it did not stop within ${Math.round(stopTimeoutMs / 1000)} s`);
    return {};
  },
};

/** Returns the connector to the state it had before the run. */
export const restoreStep: SharedStep = {
  doing: "returning the connector to its prior state",
  async run(context) {
    await restore(context);
    return {};
  },
};

/** RUNNING resumes; PAUSED resumes and pauses again (Connect's way out of STOPPED); STOPPED stays. */
export async function restore({ connect, request, call }: ExecutionContext): Promise<void> {
  if (request.priorState === "STOPPED") return;
  await connect.resume(request.connector, call);
  if (request.priorState === "PAUSED") await connect.pause(request.connector, call);
}

/** The undo before any change was sent: back to the prior state, and the words saying so. */
export async function returnToPriorState(context: ExecutionContext): Promise<string> {
  const { connect, request } = context;
  try {
    await restore(context);
  } catch {
    return "The offsets were not changed, but the connector could not be returned to its prior state: it may still be STOPPED.";
  }
  const prior = request.priorState;
  if (prior === undefined || prior === "STOPPED")
    return `The offsets were not changed, and the connector was left ${prior ?? "as it was"}.`;
  // Resume and pause are asynchronous: say "returned" only once Connect reports it, never on the call's 204 alone.
  const back = await awaitState(connect, request.connector, prior, {
    timeoutMs: priorStateWaitMs,
    requestId: request.requestId,
  }).catch(() => ({ reached: false }));
  return back.reached
    ? `The offsets were not changed, and the connector was returned to ${prior}.`
    : `The offsets were not changed; Connect was asked to return the connector to ${prior}, and had not reported it ${prior} within ${priorStateWaitMs / 1000} s.`;
}

/** How long an undo waits for Connect to report the prior state before it says only that it asked, in ms. */
const priorStateWaitMs = 10_000;
