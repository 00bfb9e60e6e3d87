import type { ClusterHandle } from "../core/cluster-handle.js";
import type { SinkLag } from "../kafka/sink-lag-reader.js";
import type { ConnectorSample, PartitionSample } from "./alert-rules.js";

/** Timestamps are searched for this many lagging partitions per cluster and poll, the most lagging first. */
const timestampReadsPerPoll = 20;

/**
 * One sample per connector of a cluster: one Connect request for every state, one batched Kafka pass for every
 * sink's lag, and the age of the oldest unread message for the partitions that lag most.
 */
export async function collectSamples(
  cluster: ClusterHandle,
  explained: ReadonlyMap<string, "operating" | "stopped">,
  clock: () => number,
): Promise<Map<string, ConnectorSample>> {
  const connectors = await cluster.connect.listConnectors();
  const sinks = connectors.filter((connector) => connector.type === "sink");
  // Lag that cannot be read leaves the samples without it; the rules then hold their state.
  const lags = sinks.length === 0 ? new Map() : await cluster.lag.lagOfSinks(sinks).catch(() => new Map());
  // The sample is dated when its offsets were read, not when the poll began: windows are measured in this time.
  const now = clock();
  const partitionsOf = new Map<string, PartitionSample[]>();
  for (const sink of sinks) {
    const lag: SinkLag | Error | undefined = lags.get(sink.name);
    if (lag === undefined || lag instanceof Error) continue;
    partitionsOf.set(
      sink.name,
      lag.partitions.map(({ topic, partition, committed, logStart, logEnd }) => ({
        topic,
        partition,
        committed,
        logStart,
        logEnd,
      })),
    );
  }
  await addOldestUnread(cluster, [...partitionsOf.values()].flat(), now);
  return new Map(
    connectors.map((connector) => {
      const partitions = partitionsOf.get(connector.name);
      const sample: ConnectorSample = {
        at: now,
        state: connector.state,
        type: connector.type ?? "unknown",
        tasks: connector.tasks.map((task) => ({
          id: task.id,
          state: task.state,
          ...(task.trace === undefined ? {} : { trace: task.trace }),
        })),
        ...(connector.trace === undefined ? {} : { trace: connector.trace }),
        ...(partitions === undefined ? {} : { partitions }),
        underApprovedOperation:
          explained.get(connector.name) === "operating" ||
          (explained.get(connector.name) === "stopped" && connector.state === "STOPPED"),
      };
      return [connector.name, sample];
    }),
  );
}

async function addOldestUnread(
  cluster: ClusterHandle,
  partitions: PartitionSample[],
  now: number,
): Promise<void> {
  const lagging = partitions
    .map((partition) => ({ partition, next: partition.committed ?? partition.logStart }))
    .filter(({ partition, next }) => partition.logEnd > next && next >= partition.logStart)
    .sort((a, b) => b.partition.logEnd - b.next - (a.partition.logEnd - a.next))
    .slice(0, timestampReadsPerPoll);
  for (const { partition, next } of lagging) {
    partition.oldestUnreadAt = await cluster.lag
      .timestampAt(partition.topic, partition.partition, next, now)
      .catch(() => undefined);
  }
}
