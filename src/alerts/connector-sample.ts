import type { ConnectorSample, PartitionSample } from "../core/ports.js";

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
