import type { Clock } from "../core/clock.js";
import type { ClusterHandle } from "../core/cluster-handle.js";
import type { ConnectorSample, PartitionLag, PartitionSample, Placement, SinkLag } from "../core/ports.js";
import { hideSecretValues, secretValues } from "../core/redact.js";

/**
 * One sample per connector of a cluster: one Connect request for every state, one batched Kafka pass for every
 * sink's lag, with the age of the oldest unread record for the partitions that lag most, and one `GET /` to each
 * worker the states name, to tell which of them is gone ({@link goneWorkers}).
 */
export async function collectSamples(
  cluster: ClusterHandle,
  explained: ReadonlyMap<string, "operating" | "stopped">,
  clock: Clock,
): Promise<Map<string, ConnectorSample>> {
  const connectors = await cluster.connect.listConnectors();
  const sinks = connectors.filter((connector) => connector.type === "sink");
  // Lag that cannot be read leaves the samples without it; the rules then hold their state.
  const [lags, gone] = await Promise.all([
    sinks.length === 0 ? new Map() : cluster.lag.lagOfSinks(sinks).catch(() => new Map()),
    goneWorkers(cluster, connectors),
  ]);
  const placed = (workerId: string): Placement => ({
    workerId,
    ...(gone.has(workerId) ? { workerGone: true } : {}),
  });
  // The sample is dated when its offsets were read, not when the poll began: windows are measured in this time.
  const now = clock();
  // A trace may repeat one of its connector's secret settings alone: hidden before the sample is kept anywhere
  // (the alert store then applies the patterns to what is left).
  // The plugin's PASSWORD keys are cached per plugin, so this asks Connect once per plugin, not per connector.
  const secretsOf = new Map<string, string[]>();
  for (const { name, config, trace, tasks } of connectors) {
    if (trace !== undefined || tasks.some((task) => task.trace !== undefined))
      secretsOf.set(name, secretValues(config, await cluster.connect.passwordKeys(config)));
  }
  const lagOf = new Map<string, SinkLag>();
  for (const sink of sinks) {
    const lag: SinkLag | Error | undefined = lags.get(sink.name);
    if (lag !== undefined && !(lag instanceof Error)) lagOf.set(sink.name, lag);
  }
  return new Map(
    connectors.map((connector) => {
      const lag = lagOf.get(connector.name);
      const sample: ConnectorSample = {
        at: now,
        state: connector.state,
        type: connector.type ?? "unknown",
        ...placed(connector.workerId),
        tasks: connector.tasks.map((task) => ({
          id: task.id,
          state: task.state,
          ...(task.trace === undefined
            ? {}
            : { trace: hideSecretValues(task.trace, secretsOf.get(connector.name) ?? []) }),
          ...placed(task.worker_id),
        })),
        ...(connector.trace === undefined
          ? {}
          : { trace: hideSecretValues(connector.trace, secretsOf.get(connector.name) ?? []) }),
        // Topics not known: no partitions, so the lag rules hold their state rather than read a lag of 0.
        ...(lag === undefined || lag.topicsUnknown !== undefined
          ? {}
          : { partitions: lag.partitions.map(partitionSample) }),
        ...(lag?.topicsUnknown === undefined ? {} : { topicsUnknown: lag.topicsUnknown }),
        ...(lag === undefined || lag.unread.length === 0
          ? {}
          : { unreadTopics: lag.unread.map((topic) => `${topic.topic}: ${topic.reason}`) }),
        underApprovedOperation:
          explained.get(connector.name) === "operating" ||
          (explained.get(connector.name) === "stopped" && connector.state === "STOPPED"),
      };
      return [connector.name, sample];
    }),
  );
}

/**
 * The workers named in these states that did not answer at their address while another of them did. When none
 * answers, the bot cannot reach the workers' advertised addresses at all (a gateway or load balancer in front of
 * Connect): then it knows of no gone worker, and only UNASSIGNED states tell of one. A failed probe tells nothing.
 */
async function goneWorkers(
  cluster: ClusterHandle,
  connectors: readonly ConnectorOverview[],
): Promise<ReadonlySet<string>> {
  const named = connectors.flatMap((connector) => [
    connector.workerId,
    ...connector.tasks.map((task) => task.worker_id),
  ]);
  const answering = await cluster.connect.workersAnswering(named).catch(() => new Map<string, boolean>());
  const answers = [...answering.values()];
  if (!answers.includes(true)) return new Set();
  return new Set([...answering].flatMap(([workerId, answered]) => (answered ? [] : [workerId])));
}

type ConnectorOverview = Awaited<ReturnType<ClusterHandle["connect"]["listConnectors"]>>[number];

function partitionSample(lag: PartitionLag): PartitionSample {
  const { topic, partition, committed, logStart, logEnd, uncounted, held, oldestUnreadAt } = lag;
  return {
    topic,
    partition,
    committed,
    logStart,
    logEnd,
    lag: lag.lag,
    // Kept only when there are some: a stored sample of a plain topic stays as small as before.
    ...(uncounted === 0 ? {} : { uncounted }),
    ...(held === 0 ? {} : { held }),
    ...(oldestUnreadAt === undefined ? {} : { oldestUnreadAt }),
  };
}
