import { canonicalJson } from "../../src/core/canonical-json.js";
import { offsetsChangeWarning } from "../../src/core/offsets-change-warning.js";
import type { ConnectorOffset } from "../../src/core/ports.js";
import type { ReplyPart } from "../../src/core/reply.js";
import type { RequestRecord } from "../request-record.js";
import { restoreStep, returnToPriorState, snapshotStep, stopStep } from "./connector-steps.js";
import type { ExecutionContext, OperationKind, OperationShape, SharedStep, Step } from "./operation-kind.js";

/** The offsets an offset change sets, as resolved after the stop; null: every offset removed (DELETE). */
function resolvedOffsets(request: RequestRecord): ConnectorOffset[] | null {
  if (request.resolved === undefined) throw new Error("the target was not resolved before the change");
  return request.resolved.offsets;
}

/** Sends the resolved offsets (PATCH), or removes them all (DELETE); Connect's warning is kept as the outcome. */
const changeStep: SharedStep = {
  doing: "changing the offsets",
  async run(context) {
    const { connect, request, call } = context;
    await context.sendingChange();
    const wanted = resolvedOffsets(request);
    // Connect's "not now" right after the stop (tasks still leaving their group, a forward to a leaving leader)
    // is waited out by the client, for the call's rebalanceWaitMs: the one layer of retry.
    const answer =
      wanted === null
        ? await connect.resetOffsets(request.connector, call)
        : await connect.alterOffsets(request.connector, wanted, call);
    const warning = offsetsChangeWarning(answer.message);
    return warning === undefined ? {} : { outcome: warning };
  },
};

/** Reads the offsets back: each partition must show what the change set. */
const verifyStep: SharedStep = {
  doing: "verifying the offsets",
  async run({ connect, request, call }) {
    const { offsets } = await connect.offsets(request.connector, call);
    const mismatch = verifyOffsets(resolvedOffsets(request), offsets);
    if (mismatch !== undefined) throw new Error(`the offsets read back differ: ${mismatch}`);
    return {};
  },
};

/** The offsets read back against those the change set (null: every offset removed); undefined when they agree. */
export function verifyOffsets(
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

/**
 * The steps of an offset change, given how its target is resolved (after the stop, from the offsets committed
 * then): snapshot → stop → resolve → change → verify → restore. A kind that checks something before the stop
 * gives its own first step (which takes the snapshot too).
 */
export function offsetSteps<O extends OperationShape>(
  resolve: Step<O>,
  snapshot: Step<O> = snapshotStep,
): OperationKind<O>["steps"] {
  return {
    snapshot,
    stopped: stopStep,
    resolved: resolve,
    changed: changeStep,
    verified: verifyStep,
    restored: restoreStep,
  };
}

/**
 * After a failure: before the change, putting the connector back as it was is safe; after an unconfirmed change
 * it stays STOPPED, so that no data moves on offsets nobody checked.
 */
export async function leaveOffsetsSafely(
  context: ExecutionContext,
  changeUncertain: boolean,
): Promise<string> {
  const { request } = context;
  const beforeChange =
    request.step === "snapshot" || request.step === "stopped" || request.step === "resolved";
  if (changeUncertain && beforeChange) {
    return `The change was sent but Connect's answer was lost, so the connector was left STOPPED on purpose. Check \`offsets get ${request.connector}\`, then resume it.`;
  }
  switch (request.step) {
    case undefined:
      return "Nothing was changed.";
    case "snapshot":
    case "stopped":
    case "resolved":
      return returnToPriorState(context);
    case "changed":
      return `The connector was left STOPPED on purpose: its offsets changed but could not be confirmed. Check \`offsets get ${request.connector}\`, then resume it.`;
    case "verified":
    case "restored":
      return `The offsets were changed and confirmed, but the connector could not be returned to ${request.priorState ?? "its prior state"}: it is STOPPED; resume it by hand.`;
  }
}

/** Every offset change is undone from its snapshot. */
export function undoNote(request: RequestRecord): ReplyPart {
  return { kind: "note", text: `Undo with \`offsets restore ${request.id} --reason "…"\`.` };
}

/** A source connector's change: each partition's offset before and after. */
export function offsetsTable(request: RequestRecord, after: readonly ConnectorOffset[]): ReplyPart {
  const before = request.snapshot ?? [];
  return {
    kind: "table",
    columns: ["partition", "before", "after"],
    rows: after.map((change) => [
      partitionLabel(change),
      offsetLabel(
        before.find((o) => canonicalJson(o.partition) === canonicalJson(change.partition))?.offset ?? null,
      ),
      offsetLabel(change.offset),
    ]),
  };
}

function partitionLabel(offset: ConnectorOffset): string {
  const { kafka_topic: topic, kafka_partition: partition } = offset.partition;
  return topic !== undefined && partition !== undefined
    ? `${String(topic)}:${String(partition)}`
    : JSON.stringify(offset.partition);
}

function offsetLabel(offset: ConnectorOffset["offset"]): string {
  if (offset === null) return "none";
  return offset.kafka_offset !== undefined ? String(offset.kafka_offset) : JSON.stringify(offset);
}

/** `+6`, `-3`, `0`. */
export function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}
