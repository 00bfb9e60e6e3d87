import { z } from "zod";
import type { ConnectorStatus } from "../../src/core/ports.js";
import type { ReplyPart } from "../../src/core/reply.js";
import { poll } from "../../src/core/retry.js";
import { applySettings, ConfigDiffEntry, changedSince, diffLines } from "../config-diff.js";
import { configSnapshot } from "./connector-steps.js";
import type { OperationKind, StepContext } from "./operation-kind.js";

/** `config set`, `config restore`: some keys of a connector's config set or removed, on the config approved. */
export const ConfigChangeOperation = z.object({
  kind: z.literal("config-change"),
  /** Keys added or changed, with their new values. */
  set: z.record(z.string(), z.string()),
  /** Keys removed. */
  unset: z.array(z.string()),
  /** The whole config as the approver saw it: the change runs only while the connector still has it. */
  seen: z.record(z.string(), z.string()),
  /** The settings of `set` and `seen` that are secret: sealed at rest, or left out of `seen` without a key. */
  secretKeys: z.array(z.string()).default([]),
  /** The diff as the approver saw it, values hidden: what the message, the outcome and `config history` show. */
  diff: z.array(ConfigDiffEntry),
});
type ConfigChangeOperation = z.output<typeof ConfigChangeOperation>;

/**
 * `config set` and `config restore`: some keys of a connector's config set or removed. Saved steps: snapshot (the
 * state and the whole config, secrets sealed) → change (only on the config the approver saw: changed meanwhile,
 * the run fails as stale and changes nothing; `PATCH` on Connect 3.8+, KIP-477, else the whole config with `PUT`)
 * → read back → wait for the connector and its tasks to run again (or to be back in their PAUSED or STOPPED state).
 */
export const configChange: OperationKind<ConfigChangeOperation> = {
  schema: ConfigChangeOperation,
  sealed: ["set", "seen"],
  steps: {
    snapshot: {
      doing: "taking the snapshot",
      async run(context) {
        const status = await context.connect.status(context.request.connector, context.call);
        return { priorState: status.connector.state, ...(await configSnapshot(context)) };
      },
    },
    changed: {
      doing: "changing the config",
      async run({ connect, request, operation, call, sendingChange }) {
        const current = await connect.config(request.connector, call);
        const wanted = applySettings(current, operation.set, operation.unset);
        // A run resumed after its change was sent finds it applied already: nothing is sent twice.
        if (request.changeSent === true && isApplied(current, operation)) return {};
        const moved = changedSince(operation.seen, current, operation.secretKeys);
        if (moved.length > 0) throw new StaleConfig(request.connector, moved);
        await sendingChange();
        if (await connect.hasFeature("patchConfig", call)) {
          const removed = Object.fromEntries(operation.unset.map((key) => [key, null]));
          await connect.patchConfig(request.connector, { ...removed, ...operation.set }, call);
        } else {
          await connect.putConfig(request.connector, wanted, call);
        }
        return {};
      },
    },
    verified: {
      doing: "reading the config back",
      async run({ connect, request, operation, call }) {
        const current = await connect.config(request.connector, call);
        if (!isApplied(current, operation)) {
          const wrong = [...Object.keys(operation.set), ...operation.unset].filter(
            (key) => current[key] !== operation.set[key],
          );
          throw new Error(`the config read back does not show the change: ${wrong.join(", ")}`);
        }
        return {};
      },
    },
    restored: {
      doing: "waiting for the connector to run with the new config",
      async run(context) {
        const { connector, tasks } = await awaitSettled(context);
        return {
          outcome: `${context.request.connector} is ${connector.state} on the new config, with ${tasks.length} task(s) ${connector.state}.`,
        };
      },
    },
  },
  async leaveSafely({ request }, changeUncertain) {
    const undo = `Undo it with \`config restore ${request.id} --reason "…"\`.`;
    if (request.step === "verified")
      return `The change was applied and read back, but the connector did not run with it. ${undo}`;
    if (request.step === "changed")
      return `The change was sent; its read-back failed: check \`config ${request.connector}\`. ${undo}`;
    return changeUncertain
      ? `The change was sent but Connect's answer was lost: check \`config ${request.connector}\`.`
      : "Nothing was changed.";
  },
  outcomeParts(request, operation) {
    return [
      { kind: "code", text: diffLines(operation.diff).join("\n") },
      { kind: "note", text: `Undo with \`config restore ${request.id} --reason "…"\`.` },
    ] satisfies ReplyPart[];
  },
};

/** Whether `current` shows every key of the change. */
function isApplied(
  current: Readonly<Record<string, string>>,
  operation: StepContext<ConfigChangeOperation>["operation"],
): boolean {
  return (
    Object.entries(operation.set).every(([key, value]) => current[key] === value) &&
    operation.unset.every((key) => current[key] === undefined)
  );
}

/**
 * Connect restarts the connector (and, when their configs change, its tasks) on a new config, and for a moment
 * the status still shows the old parts: their RUNNING, or a failure from before the change. So a verdict waits
 * until the connector was seen restarting (UNASSIGNED or RESTARTING) or `graceMs` have passed since the change;
 * then the connector and every task must have been in the prior state (RUNNING, PAUSED or STOPPED) for `settleMs`
 * in a row. A part that is FAILED once the grace has passed fails the step with the first line of its trace;
 * not settled within the step's bound fails it too.
 */
async function awaitSettled(context: StepContext<ConfigChangeOperation>): Promise<ConnectorStatus> {
  const { connect, request, call, stopTimeoutMs } = context;
  const wanted =
    request.priorState === "PAUSED" || request.priorState === "STOPPED" ? request.priorState : "RUNNING";
  const graceMs = 6_000;
  const settleMs = 2_000;
  const started = performance.now();
  const boundMs = Math.max(stopTimeoutMs, graceMs + settleMs);
  let restarted = false;
  let since: number | undefined;
  let last: ConnectorStatus | undefined;
  const settled = await poll(
    async () => {
      const status = await connect.status(request.connector, call);
      last = status;
      const state = status.connector.state;
      const elapsed = performance.now() - started;
      restarted ||= state === "UNASSIGNED" || state === "RESTARTING";
      const judged = restarted || elapsed >= graceMs;
      const failed = [status.connector, ...status.tasks].find((part) => part.state === "FAILED");
      if (failed !== undefined && elapsed >= graceMs) {
        const which = "id" in failed ? `task ${failed.id}` : "the connector";
        const head = failed.trace?.split("\n")[0]?.slice(0, 300) ?? "no trace";
        throw new Error(`${which} FAILED with the new config: ${head}`);
      }
      const inState =
        judged &&
        state === wanted &&
        (wanted === "STOPPED"
          ? status.tasks.length === 0
          : status.tasks.every((task) => task.state === wanted));
      since = inState ? (since ?? performance.now()) : undefined;
      return since !== undefined && performance.now() - since >= settleMs ? status : undefined;
    },
    { backoff: { firstMs: 200 }, deadlineMs: boundMs },
  );
  if (settled !== undefined) return settled;
  throw new Error(
    `it was not ${wanted} ${Math.round(boundMs / 1000)} s after the change (it is ${last?.connector.state}, tasks ${last?.tasks.map((t) => t.state).join(", ") || "none"})`,
  );
}

/** The connector's config is no longer the one the approver saw: the change would land on something else. */
class StaleConfig extends Error {
  constructor(connector: string, keys: readonly string[]) {
    super(
      `stale: the config of ${connector} changed after the request was asked (${keys.join(", ")}), so the approved change was not applied to a config nobody reviewed. Ask again on the config as it is now`,
    );
  }
}
