import { createHash } from "node:crypto";
import { z } from "zod";
import { awaitState } from "../src/core/await-state.js";
import { canonicalJson } from "../src/core/canonical-json.js";
import type { CommandContext } from "../src/core/command-spec.js";
import { globMatches } from "../src/core/glob.js";
import type { ConnectorStates, StatusReader } from "../src/core/ports.js";
import { ConnectorState } from "../src/core/ports.js";
import type { ReplyPart } from "../src/core/reply.js";
import type { BulkOutcome } from "./request-record.js";

/** One connector of a bulk action's set, as the preview showed it: its state then, and the tasks it touches. */
export const BulkTarget = z.object({
  connector: z.string(),
  state: ConnectorState,
  tasks: z.array(z.number().int().min(0)),
});
export type BulkTarget = z.infer<typeof BulkTarget>;

/** The actions a pattern may take (`restart "orders-*"`, `pause …`, `resume …`). */
export type BulkAction = "pause" | "resume" | "restart";

/** What was asked: an action on every connector a glob matches. */
export interface BulkAsk {
  readonly action: BulkAction;
  /** The glob (src/alerts/glob.ts: `*` any run, `?` one character, the whole name). */
  readonly pattern: string;
  /** `restart --failed-only`: only FAILED connectors and tasks. */
  readonly failedOnly: boolean;
}

/** One connector of the expanded listing, as the plan reads it. */
export interface ListedWithTasks {
  readonly name: string;
  readonly state: ConnectorState;
  readonly tasks: readonly { readonly id: number; readonly state: ConnectorState }[];
}

/** The Connect calls a bulk action makes; src/connect's client implements them. */
export interface BulkConnect extends StatusReader<ConnectorStates> {
  pause(name: string, options?: { readonly requestId?: string }): Promise<void>;
  resume(name: string, options?: { readonly requestId?: string }): Promise<void>;
  restart(
    name: string,
    restart: { readonly includeTasks?: boolean; readonly onlyFailed?: boolean },
    options?: { readonly requestId?: string },
  ): Promise<unknown>;
}

/**
 * The set a bulk action touches, from one expanded listing: each matching connector that the action changes, with
 * the tasks it touches, and the matching ones it leaves alone with why. Pause leaves PAUSED and STOPPED ones alone
 * (pausing a STOPPED connector would start its tasks, paused); resume touches only PAUSED and STOPPED ones; restart
 * touches every match (connector and tasks), or with `failedOnly` only what has FAILED.
 */
export function planBulk(
  listing: readonly ListedWithTasks[],
  ask: BulkAsk,
): { targets: BulkTarget[]; leftAlone: { connector: string; why: string }[] } {
  const targets: BulkTarget[] = [];
  const leftAlone: { connector: string; why: string }[] = [];
  for (const each of listing) {
    if (!globMatches(ask.pattern, each.name)) continue;
    const why = whyLeftAlone(each, ask);
    if (why !== undefined) {
      leftAlone.push({ connector: each.name, why });
      continue;
    }
    const tasks =
      ask.action === "restart" && ask.failedOnly
        ? each.tasks.filter((task) => task.state === "FAILED")
        : each.tasks;
    targets.push({ connector: each.name, state: each.state, tasks: tasks.map((task) => task.id) });
  }
  return { targets, leftAlone };
}

function whyLeftAlone(each: ListedWithTasks, ask: BulkAsk): string | undefined {
  switch (ask.action) {
    case "pause":
      return each.state === "PAUSED" || each.state === "STOPPED" ? `already ${each.state}` : undefined;
    case "resume":
      return each.state === "PAUSED" || each.state === "STOPPED" ? undefined : `${each.state}, not paused`;
    case "restart":
      return ask.failedOnly && each.state !== "FAILED" && !each.tasks.some((task) => task.state === "FAILED")
        ? "nothing has failed"
        : undefined;
  }
}

/**
 * The one place a bulk set is narrowed to what the person asking may act on: the connectors where their operator
 * role holds (a grant scoped to connector patterns covers only its matches, issue 24), asked afresh. The rest are
 * left out and counted, and the preview says why.
 */
export async function withinActorScope<T extends { readonly connector: string }>(
  context: Pick<CommandContext, "cluster" | "scopeOn">,
  matched: readonly T[],
): Promise<{ kept: T[]; leftOut: number; why?: string }> {
  const scope = await context.scopeOn(context.cluster.name, { fresh: true, needed: "operator" });
  const kept = matched.filter((each) => scope.check(each.connector, "operator").inScope);
  const leftOut = matched.length - kept.length;
  return leftOut === 0
    ? { kept, leftOut }
    : { kept, leftOut, why: `you do not hold the operator role on ${leftOut === 1 ? "it" : "them"}` };
}

/** 12 hex digits naming exactly this action on exactly this set: the Confirm button carries it. */
export function bulkDigest(cluster: string, ask: BulkAsk, targets: readonly BulkTarget[]): string {
  return createHash("sha256")
    .update(canonicalJson({ cluster, ...ask, targets }))
    .digest("hex")
    .slice(0, 12);
}

/** `pause 3 connectors matching "orders-*"`. */
export function bulkWhat(ask: BulkAsk, count: number): string {
  const verb = ask.action === "restart" && ask.failedOnly ? "restart the failed parts of" : ask.action;
  return `${verb} ${count} connector${count === 1 ? "" : "s"} matching "${ask.pattern}"`;
}

/** The preview's table: every connector and task the action touches. */
export function targetsTable(ask: BulkAsk, targets: readonly BulkTarget[]): ReplyPart {
  return {
    kind: "table",
    columns: ["connector", "state now", "touches"],
    rows: targets.map((target) => [target.connector, target.state, touchWords(ask, target)]),
  };
}

function touchWords(ask: BulkAsk, target: BulkTarget): string {
  const tasks =
    target.tasks.length === 0 ? "" : `task${target.tasks.length === 1 ? "" : "s"} ${target.tasks.join(", ")}`;
  if (ask.action === "restart" && ask.failedOnly)
    return [target.state === "FAILED" ? "connector" : "", tasks].filter((part) => part !== "").join(", ");
  return tasks === "" ? "connector" : `connector, ${tasks}`;
}

/** Every part of the preview that is not the action itself: the count, the table, what is left alone or out. */
export function previewParts(
  ask: BulkAsk,
  targets: readonly BulkTarget[],
  leftAlone: readonly { connector: string; why: string }[],
  leftOut: { readonly count: number; readonly why?: string },
): ReplyPart[] {
  const tasks = targets.reduce((sum, target) => sum + target.tasks.length, 0);
  return [
    {
      kind: "fields",
      fields: [
        ["connectors", String(targets.length)],
        ["tasks", String(tasks)],
      ],
    },
    targetsTable(ask, targets),
    ...(leftAlone.length === 0
      ? []
      : [
          {
            kind: "note" as const,
            text: `Left alone: ${leftAlone.map((each) => `${each.connector} (${each.why})`).join(", ")}.`,
          },
        ]),
    ...(leftOut.count === 0
      ? []
      : [
          {
            kind: "note" as const,
            text: `Left out: ${leftOut.count} more match${leftOut.count === 1 ? "" : "es"}, ${leftOut.why ?? "outside your scope"}.`,
          },
        ]),
  ];
}

/**
 * Carries a bulk action out on exactly `targets`, at most `concurrency` Connect calls at once, and says how each
 * ended: pause and resume wait (up to `settleMs` each) for the state Connect applies asynchronously; restart
 * restarts the connector and its tasks (only the failed ones with `failedOnly`). A connector that fails does not
 * stop the others. `onOutcome` is awaited after each connector, before its slot takes the next one (the approval
 * kind saves each outcome there, so a resumed run skips what was done).
 */
export async function runBulk(
  connect: BulkConnect,
  ask: BulkAsk,
  targets: readonly BulkTarget[],
  options: {
    readonly concurrency: number;
    readonly requestId: string;
    readonly settleMs?: number;
    readonly onOutcome?: (outcome: BulkOutcome) => Promise<void>;
  },
): Promise<BulkOutcome[]> {
  const outcomes: BulkOutcome[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const index = next++;
      const target = targets[index];
      if (target === undefined) continue;
      const outcome = await actOnOne(connect, ask, target, options);
      outcomes[index] = outcome;
      await options.onOutcome?.(outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, targets.length) }, worker));
  return outcomes;
}

async function actOnOne(
  connect: BulkConnect,
  ask: BulkAsk,
  target: BulkTarget,
  options: { readonly requestId: string; readonly settleMs?: number },
): Promise<BulkOutcome> {
  const { connector } = target;
  const call = { requestId: options.requestId };
  try {
    if (ask.action === "restart") {
      await connect.restart(connector, { includeTasks: true, onlyFailed: ask.failedOnly }, call);
      return { connector, outcome: "done", detail: `restarted ${touchWords(ask, target)}` };
    }
    if (ask.action === "pause") await connect.pause(connector, call);
    else await connect.resume(connector, call);
    const wanted = ask.action === "pause" ? "PAUSED" : "RUNNING";
    const { reached, status } = await awaitState(connect, connector, wanted, {
      timeoutMs: options.settleMs ?? 15_000,
      requestId: options.requestId,
    });
    return {
      connector,
      outcome: "done",
      detail: reached ? wanted : `asked; ${status.connector.state} so far`,
    };
  } catch (error) {
    return { connector, outcome: "failed", detail: error instanceof Error ? error.message : String(error) };
  }
}

/** The table a bulk action's thread ends with. */
export function outcomeTable(outcomes: readonly BulkOutcome[]): ReplyPart {
  return {
    kind: "table",
    columns: ["connector", "outcome", "now"],
    rows: outcomes.map((each) => [each.connector, each.outcome, each.detail]),
  };
}

/** `3 done, 1 failed`. */
export function outcomeCount(outcomes: readonly BulkOutcome[]): string {
  const failed = outcomes.filter((each) => each.outcome === "failed").length;
  return `${outcomes.length - failed} done${failed === 0 ? "" : `, ${failed} failed`}`;
}
