/**
 * `npm test`: starts one Kafka broker and one Connect worker for the whole run, runs every test file with
 * node's test runner against them, and stops them. `npm test -- lag` runs only files whose path contains "lag".
 * Set TEST_BED_CONNECT_URL and TEST_BED_BOOTSTRAP_SERVERS to reuse a test bed that is already running.
 * The fast tier (test/fast/, fakes of our own ports, no Kafka, Connect or Redis) needs no bed: `npm test -- fast`
 * runs only it, in seconds.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { stopOnSignalOrOrphan } from "./kafka/lifeline.js";
import { defaultKafkaVersion, startTestBed, type TestBed } from "./kafka/test-bed.js";

const root = join(import.meta.dirname, "..");
const kafkaVersion = process.env.KAFKA_VERSION ?? defaultKafkaVersion;
const filters = process.argv.slice(2);

const files = (await readdir(join(root, "test"), { recursive: true }))
  .filter((file) => file.endsWith(".test.ts"))
  .map((file) => join("test", file))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`No test file matches ${filters.join(", ")}`);
  process.exit(1);
}

const fastTier = join("test", "fast") + sep;
const needsBed = files.some((file) => !file.startsWith(fastTier));

let bed: TestBed | undefined;
let env = process.env;
if (needsBed && process.env.TEST_BED_CONNECT_URL === undefined) {
  console.log(`Starting the test bed: Kafka ${kafkaVersion} broker and Connect worker`);
  bed = await startTestBed({
    kafkaVersion,
    workDir: join(root, ".test-bed", "run"),
    log: (line) => console.log(`test bed: ${line}`),
  });
  env = { ...env, TEST_BED_CONNECT_URL: bed.connectUrl, TEST_BED_BOOTSTRAP_SERVERS: bed.bootstrapServers };
}
const stopBed = async () => {
  await bed?.stop();
  bed = undefined;
};
// The runner leads a process group of its own, with every test file and any process a test starts: stopping
// the run signals that group, so nothing keeps running against a test bed that is gone.
const runner = spawn(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=1", "--test-timeout=300000", ...files],
  { cwd: root, env, stdio: "inherit", detached: true },
);
const exited = once(runner, "exit") as Promise<[number | null]>;
const stopRunner = () => {
  try {
    if (runner.pid !== undefined && runner.exitCode === null) process.kill(-runner.pid, "SIGTERM");
  } catch {
    // ESRCH: the group has ended meanwhile.
  }
};
process.once("exit", stopRunner);
stopOnSignalOrOrphan(async () => {
  stopRunner();
  await exited;
  await stopBed();
});
const [code] = await exited;
const logs = bed?.logFiles.map((file) => relative(root, file)) ?? [];
await stopBed();
if (code !== 0 && logs.length > 0) console.error(`Test bed logs: ${logs.join(", ")}`);
process.exit(code ?? 1);
