import { rm } from "node:fs/promises";
import { join } from "node:path";
import {
  type ConnectCluster,
  defaultKafkaVersion,
  resolveJars,
  startConnectCluster,
} from "../kafka/test-bed.js";
import { testBed, uniqueName } from "./test-bed-env.js";

const root = join(import.meta.dirname, "..", "..");

export interface WorkerGroupOptions {
  /** Workers in the group: 2 or 3 (each is a JVM; the machine has 2 cores). */
  readonly workers: 2 | 3;
  /**
   * `scheduled.rebalance.max.delay.ms`: how long the group keeps a dead worker's connectors and tasks UNASSIGNED
   * before giving them to the others (Connect's default is 5 min; a test keeps it to seconds).
   */
  readonly rebalanceDelayMs: number;
  /** Further worker settings. */
  readonly settings?: Readonly<Record<string, string>>;
}

/**
 * A Connect group of its own, of 2 or 3 workers, on the test bed's broker (no broker of its own, so only the
 * workers cost a JVM each): its own `group.id` and internal topics, so the shared worker never sees its
 * connectors. The session timeout is Kafka's minimum (6 s), so a killed worker is noticed quickly. Close it in
 * the test's `after`: its workers stop and its folder (logs included) goes. Runs the Kafka release of
 * KAFKA_VERSION, like the bed.
 */
export async function startWorkerGroup(
  options: WorkerGroupOptions,
): Promise<ConnectCluster & { close(): Promise<void> }> {
  const groupId = uniqueName("connect-ops-group");
  const workDir = join(root, ".test-bed", groupId);
  const { classpath, pluginDir } = await resolveJars(
    process.env.KAFKA_VERSION ?? defaultKafkaVersion,
    workDir,
  );
  const cluster = await startConnectCluster({
    bootstrapServers: testBed().bootstrapServers,
    classpath,
    pluginDir,
    workDir,
    workers: options.workers,
    groupId,
    settings: {
      "scheduled.rebalance.max.delay.ms": String(options.rebalanceDelayMs),
      "session.timeout.ms": "6000",
      "heartbeat.interval.ms": "2000",
      ...options.settings,
    },
  });
  return {
    ...cluster,
    close: async () => {
      await cluster.stop();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
