// needs: bed
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  brokerProperties,
  defaultKafkaVersion,
  formatStorage,
  kraftClusterId,
  resolveJars,
} from "./kafka/test-bed.js";

/** Whether a process with this id still runs (a zombie, dead but not yet reaped, does not). */
async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  // The state follows the command name, which is in parentheses: "1234 (java) S …".
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "" && state !== "Z";
}

describe("the test bed starts every time and stops as a whole", () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "connect-ops-test-bed-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("a cluster id that begins with '-' formats the storage (it is not read as an option)", async () => {
    const { classpath } = await resolveJars(defaultKafkaVersion, join(dir, "jars"));
    const config = join(dir, "broker.properties");
    await writeFile(config, brokerProperties(19092, 19093, join(dir, "data")));
    const clusterId = "-AbCdEfGhIjKlMnOpQrStQ";
    await formatStorage(classpath, clusterId, config);
    const meta = await readFile(join(dir, "data", "meta.properties"), "utf8");
    assert.match(meta, new RegExp(`^cluster\\.id=${clusterId}$`, "m"));
  });

  test("new cluster ids never begin with '-', like Kafka's own random ids", () => {
    const ids = Array.from({ length: 2000 }, kraftClusterId);
    assert.ok(ids.every((id) => /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/.test(id)));
  });

  test("a JVM the test bed started dies with the process that started it, even when that one is SIGKILLed", async () => {
    const program = join(dir, "Sleep.java");
    await writeFile(
      program,
      "class Sleep { public static void main(String[] a) throws Exception { Thread.sleep(120_000); } }\n",
    );
    const starter = `
      import { startJava } from ${JSON.stringify(join(import.meta.dirname, "kafka", "test-bed.ts"))};
      const child = startJava([${JSON.stringify(program)}], "", ${JSON.stringify(join(dir, "sleep.log"))});
      console.log(child.pid);
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", starter], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const [line] = (await once(parent.stdout, "data")) as [Buffer];
    const watchdog = Number(line.toString().trim());
    // The watchdog's process group holds the JVM: wait until the JVM runs, then kill the starter outright.
    const jvm = await waitFor(async () => {
      const children = await readFile(`/proc/${watchdog}/task/${watchdog}/children`, "utf8").catch(() => "");
      return children
        .trim()
        .split(/\s+/)
        .map(Number)
        .find((pid) => pid > 0);
    });
    assert.ok(await alive(jvm));
    parent.kill("SIGKILL");
    await waitFor(async () => ((await alive(jvm)) || (await alive(watchdog)) ? undefined : true));
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 100));
  }
}
