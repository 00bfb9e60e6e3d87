import { z } from "zod";
import type { ConnectorOffset, SinkLag } from "../src/core/ports.js";
import { sinkPosition } from "../src/core/sink-consumer.js";
import type { ListedConnector, SinkOffsetsReader } from "./ports.js";
import type { OffsetMove } from "./request-record.js";
import { type GroupSharing, groupSharing, namesWithStates } from "./shared-group.js";

/**
 * Where a sink's offsets go, as asked: relative targets (earliest, latest, a time, a duration ago, a shift) are
 * resolved when the change runs, after the connector is STOPPED; `offset` and `explicit` are absolute.
 */
export const SinkTarget = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("earliest") }),
  z.object({ kind: z.literal("latest") }),
  z.object({ kind: z.literal("datetime"), at: z.iso.datetime({ offset: true }) }),
  /** `--by-duration`: this many milliseconds before the moment the change runs. */
  z.object({ kind: z.literal("duration"), ms: z.number().int().positive() }),
  z.object({ kind: z.literal("shift"), by: z.number().int() }),
  z.object({ kind: z.literal("offset"), offset: z.number().int().min(0) }),
  z.object({
    kind: z.literal("explicit"),
    offsets: z.array(
      z.object({ topic: z.string(), partition: z.number().int(), offset: z.number().nullable() }),
    ),
  }),
  z.object({ kind: z.literal("remove") }),
]);
export type SinkTarget = z.infer<typeof SinkTarget>;

/** `--topic orders:0,1`: the topics a reset touches, each with its partitions or all of them. */
export const SinkScope = z.array(
  z.object({ topic: z.string(), partitions: z.union([z.array(z.number().int()), z.literal("all")]) }),
);
export type SinkScope = z.infer<typeof SinkScope>;

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
  /** The other connectors of its consumer group, by name: kept with the request, checked again when it runs. */
  readonly sharedWith: readonly string[];
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
 * saved before the change is sent, so a resumed execution never resolves or shifts twice. A consumer group that
 * other connectors share is held to {@link sharedGroupRule}; its refusals come before anything is read from Kafka
 * where the listing alone decides them.
 * @throws OffsetPlanError (code PLAN_REFUSED) with the reason, worded for the person
 */
export async function planSinkOffsets(options: {
  readonly connector: string;
  readonly config: Readonly<Record<string, string>>;
  readonly target: ResetTarget;
  readonly scope?: ResetScope;
  readonly kafka: SinkOffsetsReader;
  /** Every connector of the cluster (the expanded listing): those sharing the sink's consumer group are found in it. */
  readonly connectors: readonly ListedConnector[];
  /** `offsets restore`: the partitions come from a snapshot of the whole group, not from the person. */
  readonly fromSnapshot?: boolean;
  /** When the change runs: the sharers the approver saw; a connector that joined the group since refuses it. */
  readonly approvedSharers?: readonly string[];
}): Promise<OffsetPlan> {
  const { connector, config, kafka } = options;
  const sharing = checkGroupSharers(
    connector,
    groupSharing(connector, config, options.connectors),
    options.approvedSharers,
  );
  const lag = await kafka.lag(connector, config);
  const others = sharing.others.length === 0 ? [] : await topicsOfSharers(kafka, connector, sharing);
  const named = options.scope !== undefined || (options.target.kind === "explicit" && !options.fromSnapshot);
  const { target, partitions, notes } = sharedGroupRule({
    connector,
    groupId: lag.groupId,
    others,
    topics: new Set([...lag.partitions.map((p) => p.topic), ...lag.unread.map((t) => t.topic)]),
    named,
    target: options.target,
    select: (target) => inScope(lag, options.scope, target),
  });
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
  const warnings: string[] = [...notes];
  if (target.kind === "remove") {
    const resetTo = lag.settings.autoOffsetReset;
    const removed =
      others.length === 0
        ? `Every committed offset of ${lag.groupId} is removed`
        : `The committed offsets of ${connector}'s own partitions in ${lag.groupId} are removed`;
    warnings.push(
      `${removed}. On resume the sink starts from auto.offset.reset (${resetTo})` +
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
      // Connect's DELETE deletes the whole consumer group: only a group nobody else uses may be reset that way.
      target.kind === "remove" && others.length === 0
        ? { method: "DELETE" }
        : {
            method: "PATCH",
            offsets: changes
              .filter((c) => c.next !== null || c.current !== null)
              .map((c) => ({
                partition: { kafka_topic: c.topic, kafka_partition: c.partition },
                offset: c.next === null ? null : { kafka_offset: c.next },
              })),
          },
    warnings,
    sharedWith: sharing.others.map((c) => c.name),
  };
}

/** Another connector of the sink's consumer group, with the topics it reads. */
interface Sharer {
  readonly name: string;
  readonly state: ListedConnector["state"];
  readonly topics: ReadonlySet<string>;
}

/**
 * The refusals the listing alone decides, before anything is read from Kafka (so a refused request stops and
 * queues nothing): another connector of the group that is not STOPPED, and, when the change runs, one that joined
 * the group after the plan was approved (`approved`: the names the approver saw). Returns the sharing otherwise.
 * Why not STOPPED refuses: Connect changes a group's offsets only while no task of any connector is a member of
 * it (with another sink running it answers 500, "its tasks haven't stopped completely yet", however long it is
 * retried), and a running sink would go on reading from offsets moved under it. Only STOPPED (KIP-875) is sure
 * to have no task: PAUSED tasks stay members, and FAILED or UNASSIGNED ones may.
 * @throws OffsetPlanError naming the connectors and what to do
 */
export function checkGroupSharers(
  connector: string,
  sharing: GroupSharing,
  approved?: readonly string[],
): GroupSharing {
  const { groupId, others } = sharing;
  if (approved !== undefined) {
    const joined = others.filter((c) => !approved.includes(c.name));
    if (joined.length > 0) {
      throw new OffsetPlanError(
        `${joined.map((c) => c.name).join(", ")} started sharing consumer group ${groupId} with ${connector} after this plan was shown (it named ${approved.length === 0 ? "no other connector" : approved.join(", ")}), so the approved plan no longer says what the change does to them. Ask again to see the new plan.`,
      );
    }
  }
  const active = others.filter((c) => c.state !== "STOPPED");
  if (active.length > 0) {
    const names = active.map((c) => c.name);
    throw new OffsetPlanError(
      `${connector} shares consumer group ${groupId} with ${namesWithStates(active)}. Connect changes a group's offsets only while no other connector of the group has tasks in it, and a running sink would read on from offsets moved under it. Stop ${names.join(" and ")} first (\`stop ${names[0]}\`) and ask again, or give ${connector} a consumer group of its own (consumer.override.group.id).`,
    );
  }
  return sharing;
}

/**
 * The topics each other connector of the group reads, as the lag reader resolves them (one pass for all).
 * @throws OffsetPlanError when one's topics cannot be told: which partitions are the connector's own is unknown
 */
async function topicsOfSharers(
  kafka: SinkOffsetsReader,
  connector: string,
  sharing: GroupSharing,
): Promise<Sharer[]> {
  const specs = sharing.others.map((c) => ({ name: c.name, config: c.config }));
  // One sharer's config the reader cannot resolve must refuse this change, not fail it with the reader's error.
  const read = await kafka.lagOfSinks(specs, { timed: 0 }).catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    return new Map(specs.map((c) => [c.name, new Error(reason)]));
  });
  const unknown: string[] = [];
  const sharers = sharing.others.map((c): Sharer => {
    const lag = read.get(c.name);
    // A sink whose topics the reader could not tell reads an unknown set: it may share any partition.
    if (lag === undefined || lag instanceof Error || lag.topicsUnknown !== undefined) {
      const why = lag === undefined ? "not read" : lag instanceof Error ? lag.message : lag.topicsUnknown;
      unknown.push(`${c.name} (${why})`);
      return { name: c.name, state: c.state, topics: new Set() };
    }
    const topics = [...lag.partitions.map((p) => p.topic), ...lag.unread.map((t) => t.topic)];
    return { name: c.name, state: c.state, topics: new Set(topics) };
  });
  if (unknown.length > 0) {
    throw new OffsetPlanError(
      `${connector} shares consumer group ${sharing.groupId} with ${unknown.join(", ")}, whose topics could not be read: which partitions only ${connector} reads cannot be told, so none is changed.`,
    );
  }
  return sharers;
}

/**
 * The shared-group rule, applied to every sink offset change (`offsets reset --to-*` and `--all`, `offsets set`,
 * `offsets restore`): a consumer group keeps ONE committed offset per partition, whoever reads it, so a change to
 * connector A's offsets in a group other connectors share may touch only A's own partitions: those of topics A
 * reads and no other connector of the group reads. Before it, {@link checkGroupSharers} has refused any sharer
 * that is not STOPPED. Then:
 * - a partition of a topic another connector of the group also reads cannot be moved for A alone: where the
 *   person named it (`--topic`, `offsets set`) the change is refused, naming the other connector; where the
 *   partitions were not named (`--all`, a `--to-*` without `--topic`, a restore's snapshot) it is left alone, and
 *   the plan says so;
 * - a restore's snapshot holds the whole group's offsets (Connect lists them under each connector): those on
 *   topics only other connectors read are theirs, and are left alone too;
 * - nothing left to change is a refusal;
 * - `--all` is sent as a PATCH removing A's own committed offsets one by one, never as Connect's DELETE, which
 *   deletes the whole group (every connector's offsets in it);
 * - the plan lists every other connector of the group, its state and topics, and what happens to it (nothing).
 * With no other connector in the group, everything is as asked.
 */
function sharedGroupRule(input: {
  readonly connector: string;
  readonly groupId: string;
  readonly others: readonly Sharer[];
  /** The topics the connector reads. */
  readonly topics: ReadonlySet<string>;
  /** The person named the partitions (`--topic`, `offsets set`). */
  readonly named: boolean;
  readonly target: ResetTarget;
  /** The partitions the (narrowed) target asks for, or the refusal of a partition the connector does not read. */
  readonly select: (target: ResetTarget) => SinkLag["partitions"];
}): { target: ResetTarget; partitions: SinkLag["partitions"]; notes: string[] } {
  const { connector, groupId, others } = input;
  if (others.length === 0) return { target: input.target, partitions: input.select(input.target), notes: [] };
  const readersOf = (topic: string) => others.filter((o) => o.topics.has(topic)).map((o) => o.name);
  let target = input.target;
  const theirs: string[] = [];
  if (target.kind === "explicit" && !input.named) {
    const kept = new Map<string, number | null>();
    for (const [key, offset] of target.offsets) {
      const { topic } = ofPartitionKey(key);
      if (!input.topics.has(topic) && readersOf(topic).length > 0) theirs.push(key);
      else kept.set(key, offset);
    }
    target = { kind: "explicit", offsets: kept };
  }
  const asked = input.select(target);
  const shared = asked.filter((p) => readersOf(p.topic).length > 0);
  const sharedNames = [...new Set(shared.flatMap((p) => readersOf(p.topic)))];
  const keys = (partitions: readonly { topic: string; partition: number }[]) =>
    partitions.map((p) => partitionKey(p.topic, p.partition)).join(", ");
  const alone = [...input.topics].filter((topic) => readersOf(topic).length === 0).sort();
  const onePerPartition = `the group keeps one committed offset per partition, so moving ${shared.length === 1 ? "it" : "them"} would move ${sharedNames.join(" and ")} too`;
  if (shared.length > 0 && input.named) {
    throw new OffsetPlanError(
      `${keys(shared)} ${shared.length === 1 ? "is" : "are"} read by both ${connector} and ${sharedNames.join(", ")} through consumer group ${groupId}: ${onePerPartition}. Change only topics ${connector} alone reads (${alone.length === 0 ? "it reads none alone" : alone.join(", ")}), or give ${connector} a consumer group of its own (consumer.override.group.id) first.`,
    );
  }
  const partitions = asked.filter((p) => readersOf(p.topic).length === 0);
  if (partitions.length === 0) {
    throw new OffsetPlanError(
      `Every partition this change would touch is also read by ${sharedNames.join(", ")} through consumer group ${groupId}: ${onePerPartition}. Give ${connector} a consumer group of its own (consumer.override.group.id) first.`,
    );
  }
  const notes = [
    `Consumer group ${groupId} is shared with ${others
      .map((o) => `${o.name} (${o.state}, reads ${[...o.topics].sort().join(", ") || "no topic now"})`)
      .join(
        "; ",
      )}. This change touches only ${connector}'s own partitions (topics no other connector of the group reads): ${others.map((o) => o.name).join(", ")} ${others.length === 1 ? "keeps its" : "keep their"} offsets.`,
  ];
  if (shared.length > 0)
    notes.push(`Left alone: ${keys(shared)}: also read by ${sharedNames.join(", ")}; ${onePerPartition}.`);
  if (theirs.length > 0)
    notes.push(
      `Left alone from the snapshot: ${theirs.join(", ")}: partitions of the other connectors' topics.`,
    );
  if (target.kind === "remove")
    notes.push(
      `Not sent as Connect's reset, which deletes the whole group with every connector's offsets in it: ${connector}'s own committed offsets are removed one by one.`,
    );
  return { target, partitions, notes };
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
