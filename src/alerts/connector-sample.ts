import type { ConnectorState } from "../core/ports.js";

export interface PartitionSample {
  topic: string;
  partition: number;
  committed: number | null;
  logStart: number;
  logEnd: number;
  /**
   * Records the sink will still receive (see SinkLagReader: control records at the end and the start rule taken
   * into account); samples stored before it existed count log end − committed.
   */
  lag?: number | undefined;
  /**
   * Compacted topics: offsets past the records counted in `lag`. The rules never page on them: offsets are not
   * messages there.
   */
  uncounted?: number | undefined;
  /** read_committed sinks: offsets behind a transaction still open, which the sink cannot read yet (not lag). */
  held?: number | undefined;
  /** Timestamp (ms) of the first record the sink will receive, when lag > 0 and it was read: the oldest unread one's age. */
  oldestUnreadAt?: number | undefined;
}

/**
 * Where Connect says a connector or a task is: the `worker_id` of its status (`host:port`, the worker's advertised
 * REST address; for UNASSIGNED, the worker that last had it), and whether that worker did not answer at it.
 */
export interface Placement {
  /** Absent in samples stored before placements were kept. */
  workerId?: string | undefined;
  /** The worker did not answer `GET /` at its address in this poll while another worker of the cluster did. */
  workerGone?: true | undefined;
}

/** What one poll saw of one connector; the rules read a short history of these. */
export interface ConnectorSample extends Placement {
  /** ms epoch when sampled */
  at: number;
  state: ConnectorState;
  type: "sink" | "source" | "unknown";
  tasks: readonly ({ id: number; state: ConnectorState; trace?: string | undefined } & Placement)[];
  /** Connector-level trace when FAILED. */
  trace?: string | undefined;
  /** Sinks only, when lag could be read. */
  partitions?: readonly PartitionSample[] | undefined;
  /** Topics of the sink whose lag could not be read (deleted, failing), as `topic: why`; not counted in its lag. */
  unreadTopics?: readonly string[] | undefined;
  /** Why the sink's topics are not known (a `topics.regex` sink with no task consuming): its lag was not read. */
  topicsUnknown?: string | undefined;
  /** An approved operation (offset reset, stop…) is running on this connector right now. */
  underApprovedOperation: boolean;
}

const minuteMs = 60_000;

type TaskSample = ConnectorSample["tasks"][number];

/** Every field of each, so that a field added to the type is compared too (the compiler asks for it here). */
const taskFields = Object.keys({
  id: true,
  state: true,
  trace: true,
  workerId: true,
  workerGone: true,
} satisfies Record<keyof TaskSample, true>) as (keyof TaskSample)[];
const partitionFields = Object.keys({
  topic: true,
  partition: true,
  committed: true,
  logStart: true,
  logEnd: true,
  lag: true,
  uncounted: true,
  held: true,
  oldestUnreadAt: true,
} satisfies Record<keyof PartitionSample, true>) as (keyof PartitionSample)[];

/**
 * The sample, holding the previous sample's task and partition objects wherever they are equal: a history kept in
 * memory then holds a quiet connector's tasks and offsets once, not once per sample (1,000 sinks of one partition,
 * 33 samples each: 8 MiB without this). Samples are never changed once taken, so sharing is safe.
 */
export function sharingUnchanged(
  sample: ConnectorSample,
  previous: ConnectorSample | undefined,
): ConnectorSample {
  if (previous === undefined) return sample;
  const tasks = reusing(sample.tasks, previous.tasks, taskFields);
  const partitions =
    sample.partitions === undefined || previous.partitions === undefined
      ? sample.partitions
      : reusing(sample.partitions, previous.partitions, partitionFields);
  if (tasks === sample.tasks && partitions === sample.partitions) return sample;
  return { ...sample, tasks, ...(partitions === undefined ? {} : { partitions }) };
}

/** `items` with each item equal to the one at its place in `earlier` replaced by that one; `earlier` if all are. */
function reusing<T extends object>(
  items: readonly T[],
  earlier: readonly T[],
  fields: readonly (keyof T)[],
): readonly T[] {
  const shared = items.map((item, i) => {
    const old = earlier[i];
    return old !== undefined && fields.every((field) => item[field] === old[field]) ? old : item;
  });
  return shared.length === earlier.length && shared.every((item, i) => item === earlier[i])
    ? earlier
    : shared;
}

/** Messages the sink has still to read, over all its partitions. */
export function totalLag(partitions: readonly PartitionSample[]): number {
  return partitions.reduce((sum, partition) => sum + partitionLag(partition), 0);
}

/** Age in minutes of the oldest unread message across the lagging partitions, when their timestamps were read. */
export function minutesBehind(sample: ConnectorSample): number | undefined {
  const unreadSince = (sample.partitions ?? [])
    .filter((partition) => partitionLag(partition) > 0)
    .flatMap((partition) => (partition.oldestUnreadAt === undefined ? [] : [partition.oldestUnreadAt]));
  if (unreadSince.length === 0) return undefined;
  return Math.max(0, sample.at - Math.min(...unreadSince)) / minuteMs;
}

/** Retention deleted records past the partition's committed offset: the sink will never read them. */
export function retentionOvertook(partition: PartitionSample): boolean {
  return partition.committed !== null && partition.committed < partition.logStart;
}

/** Messages of one partition the sink has still to read. */
export function partitionLag(partition: PartitionSample): number {
  return partition.lag ?? Math.max(0, partition.logEnd - (partition.committed ?? partition.logStart));
}
