/**
 * Polling that scales out: `clusters` Connect clusters of `connectors` source connectors each (stand-ins that
 * answer `GET /connectors?expand=status&expand=info` and the worker probe `GET /` as a worker does), polled by 1, 2
 * and 3 bot replicas, each a process of its own (bench/scale-out-replica.ts) on one Redis. Per replica count: the
 * wall time of one full cycle (from the first cluster's poll start to the last one's end in one interval), the CPU
 * each replica spent per cycle, and the time from a task failing to its Slack post and to Alertmanager holding its
 * alert (a real Alertmanager, when Debian's prometheus-alertmanager is installed).
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { AlertmanagerBed } from "../test/support/alertmanager.js";
import { testRedis } from "../test/support/redis-prefix.js";

export interface ScaleOutSize {
  readonly clusters: number;
  readonly connectors: number;
  readonly replicas: readonly number[];
  readonly pollIntervalMs: number;
  /** Cycles measured per replica count, after one to warm up. */
  readonly cycles: number;
}

export interface ScaleOutRow {
  readonly replicas: number;
  /** Each measured cycle's wall time (ms). */
  readonly cycleMs: readonly number[];
  /** CPU (user + system) each replica spent per cycle (ms). */
  readonly cpuMsPerCycle: readonly number[];
  /** Clusters each replica polled over the measured cycles. */
  readonly pollsByReplica: readonly number[];
  /** From the task failing (in the stand-in) to its Slack post, and to Alertmanager holding it (ms). */
  readonly failToSlackMs: number;
  readonly failToAlertmanagerMs: number | undefined;
}

/** A Connect cluster stand-in: `connectors` RUNNING source connectors, one of which can fail its task. */
class ConnectStandIn {
  failing: string | undefined;
  private constructor(
    readonly server: Server,
    readonly connectors: number,
  ) {}

  static async start(connectors: number): Promise<ConnectStandIn> {
    let self: ConnectStandIn | undefined;
    const server = createServer((request, response) => {
      const body =
        request.url === "/"
          ? { version: "4.1.0", commit: "bench", kafka_cluster_id: "bench" }
          : request.url?.startsWith("/connectors?")
            ? self?.listing()
            : undefined;
      response.writeHead(body === undefined ? 404 : 200, { "content-type": "application/json" });
      response.end(JSON.stringify(body ?? { error_code: 404, message: "not found" }));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    self = new ConnectStandIn(server, connectors);
    return self;
  }

  get worker(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get url(): string {
    return `http://${this.worker}`;
  }

  listing(): Record<string, unknown> {
    const all: Record<string, unknown> = {};
    for (let i = 0; i < this.connectors; i++) {
      const name = `source-${String(i).padStart(4, "0")}`;
      all[name] = {
        info: { config: { "connector.class": "BenchSource", "tasks.max": "1" }, type: "source" },
        status: {
          name,
          type: "source",
          connector: { state: "RUNNING", worker_id: this.worker },
          tasks: [{ id: 0, state: this.failing === name ? "FAILED" : "RUNNING", worker_id: this.worker }],
        },
      };
    }
    return all;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, "close");
  }
}

type FromReplica =
  | { kind: "started" }
  | { kind: "polled"; cluster: string; startMs: number; endMs: number }
  | { kind: "posted"; at: number; keys: string[] }
  | { kind: "cpu"; usage: NodeJS.CpuUsage };

/** Runs the bench at `size`; the bed's Redis must answer on 127.0.0.1:6379. */
export async function measureScaleOut(size: ScaleOutSize): Promise<ScaleOutRow[]> {
  const clusters = await Promise.all(
    Array.from({ length: size.clusters }, () => ConnectStandIn.start(size.connectors)),
  );
  const alertmanager = await AlertmanagerBed.start().catch(() => undefined);
  const rows: ScaleOutRow[] = [];
  try {
    for (const replicas of size.replicas)
      rows.push(await measureReplicas(size, replicas, clusters, alertmanager));
  } finally {
    await Promise.all([...clusters.map((cluster) => cluster.stop()), alertmanager?.stop()]);
  }
  return rows;
}

async function measureReplicas(
  size: ScaleOutSize,
  replicas: number,
  clusters: readonly ConnectStandIn[],
  alertmanager: AlertmanagerBed | undefined,
): Promise<ScaleOutRow> {
  const { prefix, cleanup } = testRedis(`bench-scale-out-${replicas}`);
  const names = clusters.map((_, i) => `c${i}`);
  const config = [
    "alerts:",
    "  channel: C0BENCH",
    `  pollInterval: ${size.pollIntervalMs / 1000}s`,
    ...(alertmanager === undefined
      ? []
      : [
          "  receivers:",
          `    am: { type: alertmanager, url: "${alertmanager.url}" }`,
          "  routes:",
          "    - { receivers: [am] }",
        ]),
    "clusters:",
    ...clusters.flatMap((cluster, i) => [
      `  - name: ${names[i]}`,
      `    connect: { url: "${cluster.url}" }`,
      '    kafka: { brokers: ["127.0.0.1:9"] }',
    ]),
  ].join("\n");
  const polls: { replica: number; cluster: string; startMs: number; endMs: number }[] = [];
  const posts: { at: number; keys: string[] }[] = [];
  const cpu = new Map<number, NodeJS.CpuUsage>();
  const children: ChildProcess[] = [];
  for (let replica = 0; replica < replicas; replica++) {
    const child = fork(join(import.meta.dirname, "scale-out-replica.ts"), {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, BENCH_CONFIG: config, BENCH_PREFIX: prefix },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    child.on("message", (message: FromReplica) => {
      if (message.kind === "polled") polls.push({ replica, ...message });
      if (message.kind === "posted") posts.push(message);
      if (message.kind === "cpu") cpu.set(replica, message.usage);
    });
    children.push(child);
  }
  const askCpu = async () => {
    cpu.clear();
    for (const child of children) child.send({ kind: "cpu" });
    while (cpu.size < replicas) await sleep(10);
    return new Map(cpu);
  };
  try {
    // Warm up: every cluster polled once; then measure from the next interval's start.
    while (new Set(polls.map((poll) => poll.cluster)).size < size.clusters) await sleep(50);
    const interval = size.pollIntervalMs;
    await sleep(interval - (Date.now() % interval) + 5);
    const from = Date.now();
    const cpuBefore = await askCpu();
    await sleep(size.cycles * interval - (Date.now() - from));
    const cpuAfter = await askCpu();
    // The last cycle's polls may end a little after its interval: wait for them.
    await sleep(Math.min(interval, 5_000));
    const measured = polls.filter(
      (poll) => poll.startMs >= from - 50 && poll.startMs < from + size.cycles * interval,
    );
    const byCycle = new Map<number, typeof measured>();
    for (const poll of measured) {
      const cycle = Math.floor((poll.startMs + 50 - from) / interval);
      byCycle.set(cycle, [...(byCycle.get(cycle) ?? []), poll]);
    }
    const cycleMs = [...byCycle.values()]
      .filter((cyclePolls) => new Set(cyclePolls.map((poll) => poll.cluster)).size === size.clusters)
      .map(
        (cyclePolls) =>
          Math.max(...cyclePolls.map((p) => p.endMs)) - Math.min(...cyclePolls.map((p) => p.startMs)),
      );
    const cpuMsPerCycle = children.map((_, replica) => {
      const before = cpuBefore.get(replica);
      const after = cpuAfter.get(replica);
      if (before === undefined || after === undefined) return Number.NaN;
      return (after.user - before.user + after.system - before.system) / 1000 / size.cycles;
    });
    const pollsByReplica = children.map(
      (_, replica) => measured.filter((poll) => poll.replica === replica).length,
    );

    // A task fails half-way through an interval: how long until Slack is told, and Alertmanager holds it.
    await sleep(
      interval / 2 - (Date.now() % interval) + (Date.now() % interval > interval / 2 ? interval : 0),
    );
    const stand = clusters[clusters.length - 1] as ConnectStandIn;
    // Another connector per replica count: Alertmanager still holds the last one's alert.
    const failing = `source-${String(7 + replicas).padStart(4, "0")}`;
    const key = `${names[names.length - 1]}/${failing}/task-failed`;
    stand.failing = failing;
    const failedAt = Date.now();
    let failToAlertmanagerMs: number | undefined;
    while (
      !posts.some((post) => post.keys.includes(key)) ||
      (alertmanager !== undefined && failToAlertmanagerMs === undefined)
    ) {
      if (Date.now() - failedAt > 3 * interval + 10_000) break;
      if (alertmanager !== undefined && failToAlertmanagerMs === undefined) {
        const held = await alertmanager.alerts().catch(() => []);
        if (held.some((alert) => alert.labels.connector === failing && alert.labels.cluster === names.at(-1)))
          failToAlertmanagerMs = Date.now() - failedAt;
      }
      await sleep(25);
    }
    const posted = posts.find((post) => post.keys.includes(key));
    stand.failing = undefined;
    return {
      replicas,
      cycleMs,
      cpuMsPerCycle,
      pollsByReplica,
      failToSlackMs: posted === undefined ? Number.NaN : posted.at - failedAt,
      failToAlertmanagerMs,
    };
  } finally {
    for (const child of children) child.send({ kind: "stop" });
    await Promise.all(children.map((child) => (child.exitCode === null ? once(child, "exit") : undefined)));
    await cleanup();
  }
}
