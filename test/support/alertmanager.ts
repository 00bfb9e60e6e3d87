import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { freePort } from "./own-redis.js";
import { eventually } from "./test-bed-env.js";

/** The alert fields the tests read from Alertmanager's `GET /api/v2/alerts` (its `gettableAlert`). */
const HeldAlert = z.object({
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  startsAt: z.string(),
  endsAt: z.string(),
  status: z.object({ state: z.string() }),
});
export type HeldAlert = z.infer<typeof HeldAlert>;

/**
 * A real Alertmanager (Debian's `prometheus-alertmanager`, which `.ci/run` installs) on a free loopback port, with a
 * minimal config (one receiver that sends nowhere), its own data dir, and clustering off.
 */
export class AlertmanagerBed {
  private constructor(
    readonly url: string,
    readonly dir: string,
    readonly child: ChildProcess,
  ) {}

  static async start(): Promise<AlertmanagerBed> {
    const dir = await mkdtemp(join(tmpdir(), "alertmanager-"));
    await writeFile(
      join(dir, "alertmanager.yml"),
      "route:\n  receiver: nowhere\nreceivers:\n  - name: nowhere\n",
    );
    const port = await freePort();
    const child = spawn(
      "prometheus-alertmanager",
      [
        `--config.file=${join(dir, "alertmanager.yml")}`,
        `--storage.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--cluster.listen-address=",
        "--log.level=warn",
      ],
      { stdio: "ignore" },
    );
    const bed = new AlertmanagerBed(`http://127.0.0.1:${port}`, dir, child);
    await eventually(
      "Alertmanager answering",
      async () => ((await fetch(`${bed.url}/-/ready`).catch(() => undefined))?.ok ? true : undefined),
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    return bed;
  }

  /** The alerts it holds now, resolved ones included (`GET /api/v2/alerts`). */
  async alerts(): Promise<HeldAlert[]> {
    const response = await fetch(`${this.url}/api/v2/alerts`);
    return z.array(HeldAlert).parse(await response.json());
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      this.child.kill("SIGTERM");
      await once(this.child, "exit");
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
