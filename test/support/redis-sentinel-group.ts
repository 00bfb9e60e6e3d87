import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePorts } from "../kafka/test-bed.js";
import { eventually } from "./test-bed-env.js";

/** A primary, its replica and three sentinels watching them, from the machine's `redis-server`, in `dir`. */
export interface SentinelGroup {
  readonly masterName: string;
  /** `host:port,…` of the sentinels, as REDIS_SENTINELS takes them. */
  readonly sentinels: string;
  /** The port of the server the sentinels name as the primary now. */
  primaryPort(): Promise<number>;
  /** SIGKILLs the current primary (no shutdown, no last save), as a crashed host would. */
  killPrimary(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts the group and waits until the replica is in sync and every sentinel knows the replica and the other
 * two sentinels, so a failover can happen. Sentinels declare the primary down after 1 s (production uses more).
 * `redis-server --sentinel` is the same program as `redis-sentinel`, so only redis-server is needed.
 */
export async function startSentinelGroup(dir: string, masterName = "connect-ops"): Promise<SentinelGroup> {
  const ports = await freePorts(["primary", "replica", "s1", "s2", "s3"]);
  const servers = new Map<number, ChildProcess>();
  const start = (name: string, port: number, args: string[]) => {
    const log = createWriteStream(join(dir, `${name}.log`));
    const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"], cwd: dir });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    servers.set(port, child);
  };
  const server = (port: number, extra: string[] = []) => [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
    "--dbfilename",
    `dump-${port}.rdb`,
    ...extra,
  ];
  const stop = async () => {
    for (const child of servers.values()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    }
  };
  try {
    start("primary", ports.primary, server(ports.primary));
    start(
      "replica",
      ports.replica,
      server(ports.replica, ["--replicaof", "127.0.0.1", String(ports.primary)]),
    );
    for (const name of ["s1", "s2", "s3"] as const) {
      const config = join(dir, `${name}.conf`);
      // Sentinels rewrite their config file as they learn the topology: each needs its own, writable.
      await writeFile(
        config,
        [
          `port ${ports[name]}`,
          "bind 127.0.0.1",
          `dir ${dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${ports.primary} 2`,
          `sentinel down-after-milliseconds ${masterName} 1000`,
          `sentinel failover-timeout ${masterName} 10000`,
          `sentinel parallel-syncs ${masterName} 1`,
          "",
        ].join("\n"),
      );
      start(name, ports[name], [config, "--sentinel"]);
    }
    const ask = async <T>(port: number, question: (redis: Redis) => Promise<T>): Promise<T> => {
      const redis = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 });
      try {
        await redis.connect();
        return await question(redis);
      } finally {
        redis.disconnect();
      }
    };
    await eventually("the replica in sync", async () =>
      /master_link_status:up/.test(await ask(ports.replica, (r) => r.info("replication"))) ? true : undefined,
    );
    for (const name of ["s1", "s2", "s3"] as const) {
      await eventually(`sentinel ${name} to know the replica and the other sentinels`, async () => {
        const fields = (await ask(ports[name], (r) => r.call("SENTINEL", "MASTER", masterName))) as string[];
        const value = (key: string) => Number(fields[fields.indexOf(key) + 1]);
        return value("num-slaves") >= 1 && value("num-other-sentinels") >= 2 ? true : undefined;
      });
    }
    const primaryPort = async () => {
      const [, port] = (await ask(ports.s1, (r) =>
        r.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName),
      )) as string[];
      return Number(port);
    };
    return {
      masterName,
      sentinels: [ports.s1, ports.s2, ports.s3].map((port) => `127.0.0.1:${port}`).join(","),
      primaryPort,
      async killPrimary() {
        const port = await primaryPort();
        const child = servers.get(port);
        if (child === undefined) throw new Error(`no server of ours on port ${port}`);
        const exited = once(child, "exit");
        child.kill("SIGKILL");
        await exited;
        return port;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
