/**
 * Kill → done: a bot process is SIGKILLed in the middle of an execution (after the connector is stopped, before
 * its offsets change) while a second bot process runs; how long until the second one has finished the job. The
 * processes are the crash test's workers (test/support/approval-worker.ts), each a separate Node process.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { testRedis } from "../test/support/redis-prefix.js";
import { eventually, fileSinkThatRead, testKafka } from "../test/support/test-bed-env.js";

const operator = { id: "U0OPER", name: "otto", source: "slack" } as const;
const approver = { id: "U0APPR", name: "anna", source: "slack" } as const;
const worker = join(import.meta.dirname, "..", "test", "support", "approval-worker.ts");

export interface KillResume {
  /** From the SIGKILL until the other process owns the request (its execution started). */
  readonly takenOverMs: number;
  /** From the SIGKILL until the request is succeeded. */
  readonly doneMs: number;
}

/**
 * `runs` kills with the app's lock settings, or with `lockDurationMs` for BullMQ's job lock (the former 60 s
 * setting, to compare).
 */
export async function measureKillResume(
  bed: { connectUrl: string; bootstrapServers: string },
  runs: number,
  lockDurationMs?: number,
): Promise<KillResume[]> {
  const { prefix, cleanup } = testRedis("bench-kill");
  const dir = await mkdtemp(join(tmpdir(), "bench-kill-"));
  const app = createApp({
    config: loadConfig({
      CONNECT_URL: bed.connectUrl,
      KAFKA_BROKERS: bed.bootstrapServers,
      LOG_LEVEL: "silent",
      ROLE_OPERATORS: operator.id,
      ROLE_APPROVERS: approver.id,
    }),
    keyPrefix: prefix,
  });
  const children = new Set<ChildProcess>();
  const start = async (crashAt?: string) => {
    const child = spawn(process.execPath, ["--import", "tsx", worker], {
      env: {
        ...process.env,
        TEST_KEY_PREFIX: prefix,
        CONNECT_URL: bed.connectUrl,
        KAFKA_BROKERS: bed.bootstrapServers,
        ...(crashAt === undefined ? {} : { CRASH_AT: crashAt }),
        ...(lockDurationMs === undefined ? {} : { LOCK_DURATION_MS: String(lockDurationMs) }),
      },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    children.add(child);
    const said = (wanted: string) =>
      new Promise<void>((resolve, reject) => {
        child.on("message", (message) => message === wanted && resolve());
        child.once("exit", (code) => reject(new Error(`a worker exited (${code}) before "${wanted}"`)));
      });
    await said("ready");
    return { child, reached: crashAt === undefined ? Promise.resolve() : said(`at ${crashAt}`) };
  };
  const connect = app.clusters[0]?.connect;
  if (connect === undefined) throw new Error("no cluster");
  const results: KillResume[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      const { connector } = await fileSinkThatRead(connect, testKafka(), dir, 30);
      const asked = await app.dispatcher.dispatch({
        actor: operator,
        text: `offsets reset ${connector} --shift-by -10 --reason "benchmark"`,
        requestId: `bench-kill-${run}`,
      });
      const id = /request ([a-z0-9._-]+-\d+-[a-z0-9]{4})/.exec(asked.summary)?.[1];
      if (id === undefined) throw new Error(asked.summary);
      const doomed = await start("stopped");
      await app.dispatcher.dispatch({ actor: approver, text: `approve ${id}`, requestId: `bench-ka-${run}` });
      await doomed.reached;
      const killedExecutor = (await app.approvals.get(id))?.executor;
      const standby = await start();
      doomed.child.kill("SIGKILL");
      const killedAt = performance.now();
      await once(doomed.child, "exit");
      let takenOverMs: number | undefined;
      const done = await eventually(
        "the other process to finish",
        async () => {
          const request = await app.approvals.get(id);
          if (takenOverMs === undefined && request?.executor !== killedExecutor)
            takenOverMs = performance.now() - killedAt;
          return request?.state === "succeeded" || request?.state === "failed" ? request : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 50 },
      );
      const doneMs = performance.now() - killedAt;
      if (done.state !== "succeeded") throw new Error(done.outcome);
      results.push({ takenOverMs: takenOverMs ?? doneMs, doneMs });
      standby.child.kill("SIGTERM");
      await once(standby.child, "exit");
      await connect.deleteConnector(connector).catch(() => undefined);
    }
    return results;
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    await app.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  }
}
