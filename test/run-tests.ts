/**
 * `npm test`: runs every test file with node's test runner, each in the tier its first line declares:
 *
 *   // needs: pure    nothing outside the process (temp files and local tools such as promtool are fine)
 *   // needs: redis   the shared Redis on 127.0.0.1:6379, or a redis-server of the test's own
 *   // needs: bed     Kafka and Connect: the shared test bed, or JVMs of the file's own
 *
 * Pure files run together in one process and Redis files side by side (each in its own process, keys under its
 * own prefix) while the bed starts; bed files then run two at a time (TEST_BED_CONCURRENCY; 1 runs them one at a
 * time). They share one broker and one Connect worker: each names its topics, connectors and groups uniquely, and
 * none stops that worker (a test that kills workers starts a group of its own). The Kafka broker and Connect
 * worker start only when a selected file needs the bed, and stop at the end; set TEST_BED_CONNECT_URL and
 * TEST_BED_BOOTSTRAP_SERVERS to reuse a bed that is running.
 * A file with no declaration, or one whose declaration its code contradicts, stops the run before anything starts.
 *
 * Arguments: `npm test -- lag` runs the files whose path contains "lag"; `--needs=pure,redis` keeps only those
 * tiers (with or without path filters); `fast` is `--needs=pure`, the quick tier of seconds.
 *
 * A timer warning (a negative, overflowing or NaN timeout Node had to correct) in any test process, or any process a
 * test starts, fails the run and is named at the end (issue 28).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdir, readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";
import { stopOnSignalOrOrphan } from "./kafka/lifeline.js";
import { defaultKafkaVersion, startTestBed, type TestBed } from "./kafka/test-bed.js";
import { watchTimerWarnings } from "./support/timer-warnings.js";

const root = join(import.meta.dirname, "..");
const kafkaVersion = process.env.KAFKA_VERSION ?? defaultKafkaVersion;

const needs = ["pure", "redis", "bed"] as const;
type Need = (typeof needs)[number];
const isNeed = (word: string): word is Need => (needs as readonly string[]).includes(word);

/**
 * What a file's code shows it uses, by tier it rules out: a declaration is checked against its code so that a
 * file cannot stay in a quicker tier than it needs (a "pure" file talking to Redis would pass alone and fail, or
 * leak keys, beside others). Matched on the text, the file is never imported.
 */
const contradictions: readonly {
  readonly uses: RegExp;
  readonly what: string;
  readonly notIn: readonly Need[];
}[] = [
  {
    uses: /redis-prefix|own-redis|test-bot|from "ioredis"|createApp\(|redis-server/,
    what: "Redis",
    notIn: ["pure"],
  },
  {
    uses: /testBed\(|testKafka\(|startWorkerGroup|SharedGroup|startSecuredTestBed|resolveJars/,
    what: "Kafka or Connect",
    notIn: ["pure", "redis"],
  },
];

const declarationLine = /^\/\/ needs: (\S+)\s*$/;

async function declaredNeed(file: string): Promise<Need> {
  const text = await readFile(join(root, file), "utf8");
  const first = text.slice(0, text.indexOf("\n"));
  const word = declarationLine.exec(first)?.[1];
  if (word === undefined || !isNeed(word)) {
    throw new Error(
      `${file}: its first line must say what it needs, one of "// needs: ${needs.join('", "// needs: ')}" (found ${JSON.stringify(first)})`,
    );
  }
  const contradicted = contradictions.find((rule) => rule.notIn.includes(word) && rule.uses.test(text));
  if (contradicted !== undefined) {
    throw new Error(`${file} declares "needs: ${word}" but uses ${contradicted.what} (${contradicted.uses})`);
  }
  return word;
}

const args = process.argv.slice(2);
const needsArgument = args.find((arg) => arg.startsWith("--needs="));
const fast = args.includes("fast");
const wanted = new Set<Need>();
for (const word of needsArgument?.slice("--needs=".length).split(",") ?? []) {
  if (!isNeed(word)) {
    console.error(`--needs takes ${needs.join(", ")}; got ${JSON.stringify(word)}`);
    process.exit(2);
  }
  wanted.add(word);
}
if (fast) wanted.add("pure");
const filters = args.filter((arg) => arg !== "fast" && !arg.startsWith("--"));

const allFiles = (await readdir(join(root, "test"), { recursive: true }))
  .filter((file) => file.endsWith(".test.ts"))
  .map((file) => join("test", file))
  .sort();
let declared: { file: string; need: Need }[];
try {
  declared = await Promise.all(allFiles.map(async (file) => ({ file, need: await declaredNeed(file) })));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
}
const selected = declared.filter(
  ({ file, need }) =>
    (wanted.size === 0 || wanted.has(need)) &&
    (filters.length === 0 || filters.some((filter) => file.includes(filter))),
);
if (selected.length === 0) {
  console.error(`No test file matches ${args.join(" ")}`);
  process.exit(1);
}
const filesNeeding = (need: Need) => selected.filter((each) => each.need === need).map(({ file }) => file);

const timerWarnings = await watchTimerWarnings();
let bed: TestBed | undefined;
/** The bed being started, while the side-by-side files run. */
let bedStarting: Promise<TestBed> | undefined;
let env = process.env;
const stopBed = async () => {
  bed ??= await bedStarting?.catch(() => undefined);
  await bed?.stop();
  bed = undefined;
};
/** The node --test process running now; the runner leads a process group of its own with it. */
let running: ReturnType<typeof spawn> | undefined;
const stopRunning = () => {
  try {
    if (running?.pid !== undefined && running.exitCode === null) process.kill(-running.pid, "SIGTERM");
  } catch {
    // ESRCH: the group has ended meanwhile.
  }
};
process.once("exit", stopRunning);
let stopping = false;
stopOnSignalOrOrphan(async () => {
  stopping = true;
  stopRunning();
  if (running !== undefined && running.exitCode === null) await once(running, "exit");
  await stopBed();
});

/**
 * Runs `files` with node --test and resolves with its exit code: `"one process"` runs them all in the runner's
 * own process (isolation none), a number runs each in a process of its own, that many at a time. The node process
 * leads its own group, with every test file and any process a test starts: stopping the run signals that group,
 * so nothing keeps running against a test bed that is gone.
 */
async function runFiles(files: readonly string[], concurrency: number | "one process"): Promise<number> {
  const how = concurrency === "one process" ? "--test-isolation=none" : `--test-concurrency=${concurrency}`;
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--test", how, "--test-timeout=300000", ...files],
    { cwd: root, env, stdio: "inherit", detached: true },
  );
  running = child;
  const [code] = (await once(child, "exit")) as [number | null];
  return code ?? 1;
}

const pure = filesNeeding("pure");
const redis = filesNeeding("redis");
const bedFiles = filesNeeding("bed");
// The bed's JVMs take their ~20 s to start while the pure and Redis files run.
if (bedFiles.length > 0 && process.env.TEST_BED_CONNECT_URL === undefined) {
  console.log(`Starting the test bed: Kafka ${kafkaVersion} broker and Connect worker`);
  bedStarting = startTestBed({
    kafkaVersion,
    // One folder per release: CI runs two releases' subsets at once, and a bed clears its folder as it starts.
    workDir: join(root, ".test-bed", `run-${kafkaVersion}`),
    log: (line) => console.log(`test bed: ${line}`),
  });
  // Awaited below: a bed that fails to start is reported there, after the pure and Redis files.
  bedStarting.catch(() => undefined);
}
let failed = false;
// Pure files share one process: most of a file's time is loading and compiling src/ (seconds under load), which
// one process does once; a pure file leaves no connection, timer or global behind for the next one.
if (pure.length > 0 && !stopping) {
  console.log(`${pure.length} pure file(s), in one process`);
  failed = (await runFiles(pure, "one process")) !== 0 || failed;
}
// Redis files each get a process (connections, Redis servers of their own, exit on their own), one per core.
if (redis.length > 0 && !stopping) {
  const concurrency = Math.min(redis.length, availableParallelism());
  console.log(`${redis.length} Redis file(s), ${concurrency} at a time`);
  failed = (await runFiles(redis, concurrency)) !== 0 || failed;
}
if (bedStarting !== undefined && !stopping) {
  bed = await bedStarting;
  env = { ...env, TEST_BED_CONNECT_URL: bed.connectUrl, TEST_BED_BOOTSTRAP_SERVERS: bed.bootstrapServers };
}
if (bedFiles.length > 0 && !stopping) {
  const concurrency = Math.max(1, Number(process.env.TEST_BED_CONCURRENCY ?? 2) || 1);
  console.log(`${bedFiles.length} bed file(s), ${concurrency} at a time`);
  failed = (await runFiles(bedFiles, concurrency)) !== 0 || failed;
}
const logs = bed?.logFiles.map((file) => relative(root, file)) ?? [];
await stopBed();
const warnings = await timerWarnings.found();
await timerWarnings.remove();
if (warnings.length > 0) {
  console.error(
    `${warnings.length} timer warning(s), a timeout Node had to correct:\n${warnings.join("\n")}`,
  );
  failed = true;
}
if (failed && logs.length > 0) console.error(`Test bed logs: ${logs.join(", ")}`);
process.exit(failed ? 1 : 0);
