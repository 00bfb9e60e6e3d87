import type { ConnectorOffset } from "../src/connect/connect-schemas.js";
import { sinkPosition } from "../src/kafka/sink-consumer.js";
import type { SinkLag } from "../src/kafka/sink-lag-reader.js";
import type { OffsetMove, SinkScope, SinkTarget } from "./approval-store.js";
import type { SinkOffsetsReader } from "./ports.js";

/** Where to move a sink's offsets: the targets of `kafka-consumer-groups --reset-offsets`, plus explicit ones. */
export type ResetTarget =
  | { readonly kind: "earliest" }
  | { readonly kind: "latest" }
  | { readonly kind: "datetime"; readonly at: Date }
  | { readonly kind: "shift"; readonly by: number }
  | { readonly kind: "offset"; readonly offset: number }
  /** `offsets set orders:0=1200`: one offset per named `topic:partition`; null removes the committed offset. */
  | { readonly kind: "explicit"; readonly offsets: ReadonlyMap<string, number | null> }
  /** Every committed offset removed (Connect's DELETE): on resume the sink starts at its auto.offset.reset. */
  | { readonly kind: "remove" };

/** Which partitions a reset touches: topic → its partitions, or every partition of the topic. */
export type ResetScope = ReadonlyMap<string, readonly number[] | "all">;

export interface PartitionChange {
  readonly topic: string;
  readonly partition: number;
  /** Committed now; null when the group has never committed here. */
  readonly current: number | null;
  /** After the change; null when the committed offset is removed. */
  readonly next: number | null;
  readonly logStart: number;
  readonly logEnd: number;
  /** Messages the sink will read again. */
  readonly replay: number;
  /** Messages the sink will never read. */
  readonly skip: number;
  /** The topic is compacted: `replay` and `skip` count offsets, which hold fewer messages (gaps). */
  readonly compacted: boolean;
}

export interface OffsetPlan {
  readonly connector: string;
  readonly groupId: string;
  readonly target: ResetTarget;
  readonly changes: readonly PartitionChange[];
  readonly replay: number;
  readonly skip: number;
  /** What Connect is asked to do: PATCH these offsets, or DELETE them all. */
  readonly request:
    | { readonly method: "PATCH"; readonly offsets: readonly ConnectorOffset[] }
    | { readonly method: "DELETE" };
  /** Facts the approver must read before deciding. */
  readonly warnings: readonly string[];
}

export class OffsetPlanError extends Error {
  override readonly name = "OffsetPlanError";
  /** Worded by the core by this code alone (src/core/error-words.ts). */
  readonly code = "PLAN_REFUSED";
}

const partitionKey = (topic: string, partition: number) => `${topic}:${partition}`;

/** `orders:3` → orders, 3 (a topic name may itself hold a `:`). */
function ofPartitionKey(key: string): { topic: string; partition: number } {
  const at = key.lastIndexOf(":");
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

/**
 * Computes a sink connector's offset change from real offsets: its group's committed offsets and each partition's
 * log start and end, so the plan shows exactly how many messages the change replays or skips. It runs twice per
 * request: as a preview when asked, and again after the connector is STOPPED, where the offsets it resolves are
 * saved before the change is sent, so a resumed execution never resolves or shifts twice.
 */
export async function planSinkOffsets(options: {
  readonly connector: string;
  readonly config: Readonly<Record<string, string>>;
  readonly target: ResetTarget;
  readonly scope?: ResetScope;
  readonly kafka: SinkOffsetsReader;
}): Promise<OffsetPlan> {
  const { connector, config, target, kafka } = options;
  const lag = await kafka.lag(connector, config);
  const partitions = inScope(lag, options.scope, target);
  const atTime = target.kind === "datetime" ? await offsetsAtTime(kafka, partitions, target.at) : undefined;

  const changes = partitions.map((p): PartitionChange => {
    // Where the sink reads next, by the rule lag uses too (a partition without a commit: auto.offset.reset).
    const position = p.next;
    const next = nextOffset(target, p, position, atTime);
    const effective = next ?? sinkPosition(lag.settings, null, p.logStart, p.logEnd);
    return {
      topic: p.topic,
      partition: p.partition,
      current: p.committed,
      next,
      logStart: p.logStart,
      logEnd: p.logEnd,
      replay: Math.max(0, position - effective),
      skip: Math.max(0, effective - position),
      compacted: p.compacted,
    };
  });

  // Past the log end the sink's consumer gets "offset out of range" and falls back to auto.offset.reset: refuse.
  const pastEnd = changes.filter((c) => c.next !== null && c.next > c.logEnd);
  if (pastEnd.length > 0) {
    throw new OffsetPlanError(
      `${pastEnd.map((c) => `${c.topic}:${c.partition}=${c.next} is past the log end (${c.logEnd})`).join("; ")}: the sink would fall back to auto.offset.reset. The highest offset you can set is the log end.`,
    );
  }
  const warnings: string[] = [];
  if (target.kind === "remove") {
    const resetTo = lag.settings.autoOffsetReset;
    warnings.push(
      `Every committed offset of ${lag.groupId} is removed. On resume the sink starts from auto.offset.reset (${resetTo})` +
        (resetTo === "earliest" ? ": it reads each partition again from its first retained message." : "."),
    );
  }
  const belowStart = changes.filter((c) => c.next !== null && c.next < c.logStart);
  if (belowStart.length > 0) {
    warnings.push(
      `${belowStart.length} partition(s) would point below their log start (retention deleted those messages).`,
    );
  }

  return {
    connector,
    groupId: lag.groupId,
    target,
    changes,
    replay: changes.reduce((sum, c) => sum + c.replay, 0),
    skip: changes.reduce((sum, c) => sum + c.skip, 0),
    request:
      target.kind === "remove"
        ? { method: "DELETE" }
        : {
            method: "PATCH",
            offsets: changes.map((c) => ({
              partition: { kafka_topic: c.topic, kafka_partition: c.partition },
              offset: c.next === null ? null : { kafka_offset: c.next },
            })),
          },
    warnings,
  };
}

function inScope(lag: SinkLag, scope: ResetScope | undefined, target: ResetTarget): SinkLag["partitions"] {
  const known = new Set(lag.partitions.map((p) => partitionKey(p.topic, p.partition)));
  const wanted = (topic: string, partition: number) => {
    if (target.kind === "explicit") return target.offsets.has(partitionKey(topic, partition));
    if (scope === undefined) return true;
    const partitions = scope.get(topic);
    return partitions === "all" || (partitions?.includes(partition) ?? false);
  };
  const named =
    target.kind === "explicit"
      ? [...target.offsets.keys()]
      : [...(scope ?? new Map())].flatMap(([topic, parts]) =>
          parts === "all" ? [] : (parts as readonly number[]).map((p) => partitionKey(topic, p)),
        );
  const unknown = named.filter((key) => !known.has(key));
  if (unknown.length > 0) {
    throw new OffsetPlanError(
      `${unknown.join(", ")} ${unknown.length === 1 ? "is not a partition" : "are not partitions"} this connector reads. It reads ${[
        ...new Set(lag.partitions.map((p) => p.topic)),
      ].join(", ")}.`,
    );
  }
  const topics =
    scope === undefined
      ? []
      : [...scope.keys()].filter((topic) => !lag.partitions.some((p) => p.topic === topic));
  if (topics.length > 0) throw new OffsetPlanError(`This connector does not read ${topics.join(", ")}.`);
  const selected = lag.partitions.filter((p) => wanted(p.topic, p.partition));
  if (selected.length === 0) throw new OffsetPlanError("No partition matches: nothing to change.");
  return selected;
}

function nextOffset(
  target: ResetTarget,
  partition: SinkLag["partitions"][number],
  position: number,
  atTime: ReadonlyMap<string, number> | undefined,
): number | null {
  const clamp = (offset: number) => Math.min(Math.max(offset, partition.logStart), partition.logEnd);
  switch (target.kind) {
    case "earliest":
      return partition.logStart;
    case "latest":
      return partition.logEnd;
    case "datetime":
      return clamp(atTime?.get(partitionKey(partition.topic, partition.partition)) ?? partition.logEnd);
    case "shift":
      return clamp(position + target.by);
    case "offset":
      // Past the log end is refused by the caller, with the log end; below the start, the first retained message.
      return Math.max(target.offset, partition.logStart);
    case "explicit":
      return target.offsets.get(partitionKey(partition.topic, partition.partition)) ?? null;
    case "remove":
      return null;
  }
}

async function offsetsAtTime(
  kafka: SinkOffsetsReader,
  partitions: SinkLag["partitions"],
  at: Date,
): Promise<Map<string, number>> {
  const offsets = new Map<string, number>();
  for (const topic of new Set(partitions.map((p) => p.topic))) {
    for (const [partition, offset] of await kafka.offsetsAt(topic, at))
      offsets.set(partitionKey(topic, partition), offset);
  }
  return offsets;
}

/** The stored target as the planner reads it; a `--by-duration` counts back from `now`. */
export function resetTargetOf(target: SinkTarget, now: Date): ResetTarget {
  switch (target.kind) {
    case "datetime":
      return { kind: "datetime", at: new Date(target.at) };
    case "duration":
      return { kind: "datetime", at: new Date(now.getTime() - target.ms) };
    case "explicit":
      return {
        kind: "explicit",
        offsets: new Map(target.offsets.map((o) => [partitionKey(o.topic, o.partition), o.offset])),
      };
    default:
      return target;
  }
}

/** `offsets set` and `offsets restore` offsets (`topic:partition` → offset) as a stored target. */
export function explicitTarget(offsets: ReadonlyMap<string, number | null>): SinkTarget {
  return {
    kind: "explicit",
    offsets: [...offsets].map(([key, offset]) => ({ ...ofPartitionKey(key), offset })),
  };
}

/** A stored `--topic` scope as the planner reads it: topic → its partitions, or all of them. */
export function resetScopeOf(scope: SinkScope): ResetScope {
  return new Map(scope.map((entry) => [entry.topic, entry.partitions]));
}

/** The partitions a preview showed (`topic:partition` each), as the scope the change is held to when it runs. */
export function previewedScope(preview: readonly OffsetMove[]): ResetScope {
  const scope = new Map<string, number[]>();
  for (const move of preview) {
    const { topic, partition } = ofPartitionKey(move.partition);
    scope.set(topic, [...(scope.get(topic) ?? []), partition]);
  }
  return scope;
}

/** Earliest, latest, a time, a duration ago and a shift mean "from wherever the sink is when the change runs". */
export function isRelative(target: SinkTarget): boolean {
  return target.kind !== "offset" && target.kind !== "explicit" && target.kind !== "remove";
}

/** The plan's per-partition numbers, as kept with the request. */
export function movesOf(plan: OffsetPlan): OffsetMove[] {
  return plan.changes.map((c) => ({
    partition: partitionKey(c.topic, c.partition),
    before: c.current,
    after: c.next,
    replay: c.replay,
    skip: c.skip,
  }));
}

/** True when running the plan would leave every committed offset as it is. */
export function changesNothing(plan: OffsetPlan): boolean {
  return plan.changes.every((c) => c.next === c.current);
}

/**
 * What the approver reads under the plan: its numbers are a preview as of `at`; relative targets are resolved
 * again after the stop, absolute ones are set as shown.
 */
export function previewNote(target: SinkTarget, at: Date): string {
  const time = `${at.toISOString().slice(11, 19)} UTC`;
  return isRelative(target)
    ? `Preview as of ${time}. The target is resolved again when the change runs, after the connector is stopped, from its offsets at that moment.`
    : `Preview as of ${time}. These offsets are absolute and are set as shown; if the sink moves before the change runs, the done message says by how much.`;
}

const shownPartitions = 20;

/** The plan as the approver reads it: one line per partition (the first 20), totals and warnings. */
export function describePlan(plan: OffsetPlan): string {
  const rows = plan.changes.slice(0, shownPartitions).map((c) => {
    const current = c.current === null ? "none" : String(c.current);
    const next = c.next === null ? "removed" : String(c.next);
    // Offsets are not messages on a compacted topic: say offsets there, never a message count it does not have.
    const unit = c.compacted ? " offsets (compacted: fewer messages)" : "";
    const effect =
      c.replay > 0 ? `replays ${c.replay}${unit}` : c.skip > 0 ? `skips ${c.skip}${unit}` : "no change";
    return `${c.topic}:${c.partition}  ${current} → ${next}  (${effect})`;
  });
  if (plan.changes.length > shownPartitions)
    rows.push(`… and ${plan.changes.length - shownPartitions} more partitions`);
  const unit = plan.changes.some((c) => c.compacted) ? "offset(s)" : "message(s)";
  const totals = `In all: ${plan.replay} ${unit} replayed, ${plan.skip} skipped, over ${plan.changes.length} partition(s) of group ${plan.groupId}.`;
  return [...rows, totals, ...plan.warnings].join("\n");
}
