import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  type ConnectCluster,
  type ConnectWorker,
  defaultKafkaVersion,
  resolveJars,
  startConnectCluster,
} from "../kafka/test-bed.js";
import { eventually, testBed, uniqueName } from "./test-bed-env.js";

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

/** A Connect group a test started, with what its tests need to know of it. */
export interface WorkerGroup extends ConnectCluster {
  /**
   * The worker that leads the group now, read from the workers' logs (the newest generation's `leaderUrl`; Connect
   * shows it nowhere else). It matters when a worker is killed: the leader remembers the dead worker's assignment
   * and holds it for `scheduled.rebalance.max.delay.ms`, but a new leader knows no earlier assignment and hands the
   * lost connectors and tasks out at once (measured on 4.4: about 8 s after a SIGKILL, not the delay).
   */
  leader(): Promise<ConnectWorker>;
  /** Stops its workers and removes its folder, logs included. */
  close(): Promise<void>;
}

/**
 * A Connect group of its own, of 2 or 3 workers, on the test bed's broker (no broker of its own, so only the
 * workers cost a JVM each): its own `group.id` and internal topics, so the shared worker never sees its
 * connectors. The session timeout is Kafka's minimum (6 s), so a killed worker is noticed quickly. Close it in
 * the test's `after`: its workers stop and its folder (logs included) goes. Runs the Kafka release of
 * KAFKA_VERSION, like the bed.
 */
export async function startWorkerGroup(options: WorkerGroupOptions): Promise<WorkerGroup> {
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
    leader: () =>
      eventually("the group's leader in its workers' logs", async () => {
        const joins = (
          await Promise.all(cluster.logFiles.map((file) => readFile(file, "utf8").catch(() => "")))
        )
          .flatMap((text) => [...text.matchAll(/Joined group at generation (\d+) .*?leaderUrl='([^']+)'/g)])
          .map((match) => ({ generation: Number(match[1]), url: String(match[2]).replace(/\/$/, "") }));
        const newest = joins.toSorted((a, b) => b.generation - a.generation)[0];
        return cluster.workers.find((worker) => worker.url === newest?.url);
      }),
    close: async () => {
      await cluster.stop();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
