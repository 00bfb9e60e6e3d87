/**
 * The bot at its Slack edge, side by side with references in the same run: the cold start (spawn → first
 * acknowledgement), the first 200 commands after a start, the acknowledgement of signed slash commands and the RSS
 * against a bare Bolt app that only acknowledges (bench/bare-bolt.js), the time until a person hears about a
 * Connect worker that never answers, and `list` of 1,000 connectors against one raw GET. The bot runs as the
 * built output (`node dist/src/main.js`, built by `npm run build`): plain, as `npm start` runs it, and for memory
 * also with the Dockerfile's V8 and malloc settings. Slack is replaced by the recording stand-in and Connect is
 * reached through a fault proxy.
 */

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { ConnectClient } from "../src/connect/connect-client.js";
import { offsetsResetForm } from "../src/slack/modals/offsets-reset-modal.js";
import { SlackApiStandIn } from "../test/slack/slack-api-stand-in.js";
import { SlackSimulator } from "../test/slack/slack-signer.js";
import { FaultProxy } from "../test/support/fault-proxy.js";
import { uniqueName } from "../test/support/test-bed-env.js";
import { inLanes } from "./in-lanes.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..");
const botToken = "xoxb-bench-token";
const signingSecret = "bench-signing-secret";
const operator = "U0OPER";
/** A database of its own on the shared Redis: the bot runs with its production key prefix. */
const redisUrl = "redis://127.0.0.1:6379/11";

export interface EdgeOptions {
  readonly rounds: number;
  /** Signed slash commands per round, and how many are in flight at once. */
  readonly commands: number;
  readonly concurrency: number;
  readonly connectors: number;
  readonly pendingRequests: number;
  /** How long RSS is sampled per round (the alert poll runs every 30 s). */
  readonly rssWindowMs: number;
  /** Fresh processes of each app for the cold start and the first commands after it (one pair per round). */
  readonly coldRounds: number;
  /** The alert poll's interval, and how many polls each memory phase waits out. */
  readonly pollIntervalMs: number;
  readonly polls: number;
  /** How long the plain bot's RSS is sampled for the soak (0: no soak). */
  readonly soakMs: number;
  /** `/connect offsets reset` clicks per round that open the form, and how many are in flight at once. */
  readonly formClicks: number;
  readonly formConcurrency: number;
}

/** One round of fresh processes: spawn → first acknowledged command, then the p99 of the next `commands`. */
export interface ColdRound {
  readonly startMs: { readonly bot: number; readonly bare: number };
  readonly earlyAckP99: { readonly bot: number; readonly bare: number };
}

/**
 * A fresh bot process's memory (MiB) while it watches the connectors and the pending requests wait: `idle` is the
 * median RSS over `polls` alert polls after one burst of commands and a `list`, `peak` its high-water mark (VmHWM)
 * from spawn to the last poll.
 */
export interface MemoryPhase {
  readonly idle: number;
  /** The RSS samples of the polls' window, one a second. */
  readonly samples: readonly number[];
  readonly peak: number;
}

/** The plain bot's RSS over the soak: a sample every 10 s, and the least-squares slope. */
export interface Soak {
  readonly minutes: number;
  readonly samples: number;
  readonly firstMiB: number;
  readonly lastMiB: number;
  readonly slopeMiBPer10Min: number;
}

export interface EdgeRound {
  readonly ackP99: { readonly bot: number; readonly bare: number };
  /** p99 of click (the signed slash command sent) → `views.open` at Slack, ms (issue 25 §1: ≤ 300 ms). */
  readonly formOpenP99: { readonly bot: number; readonly bare: number };
  readonly silenceMs: number;
  readonly list: { readonly bot: number; readonly rawGet: number };
  /** MiB: the median of the window's samples, and the window's highest. */
  readonly rss: {
    readonly bot: number;
    readonly bare: number;
    readonly botPeak: number;
    readonly barePeak: number;
  };
}

export interface BotMemory {
  /** MiB, from /proc: anonymous memory (heap, malloc) and file-backed pages (code). */
  readonly rssAnon: number;
  readonly rssFile: number;
  /** The anonymous part by mapping (MiB, /proc/<pid>/smaps): see `anonymousByKind`. */
  readonly anonymous: AnonymousMemory;
  /** bench/memory-probe.js's last line: V8 heap total and used, its spaces, external and ArrayBuffers (MiB). */
  readonly probe: Readonly<Record<string, number>>;
  /** MiB of live objects in the heap snapshot, and the largest holders by constructor. */
  readonly heapLive: number;
  readonly topConstructors: readonly {
    readonly name: string;
    readonly mib: number;
    readonly count: number;
  }[];
}

export interface EdgeFigures {
  readonly cold: readonly ColdRound[];
  readonly rounds: readonly EdgeRound[];
  /** Fresh bot processes' memory: run plain (`node dist/src/main.js`) and with the Dockerfile's settings. */
  readonly memory: { readonly plain: MemoryPhase; readonly image: MemoryPhase; readonly bare: MemoryPhase };
  readonly soak: Soak | undefined;
  /** MiB: each process's high-water mark (VmHWM) over the whole run. */
  readonly highWater: { readonly bot: number; readonly bare: number };
  /** What the bot's RSS was made of after the last round: its V8 heap (a heap snapshot) and the rest. */
  readonly botMemory: BotMemory;
  /** The bare Bolt app's split of its RSS at the same moment (MiB): the file-backed part is mostly Node itself. */
  readonly bareMemory: Pick<BotMemory, "rssAnon" | "rssFile">;
  readonly setupMs: { readonly build: number; readonly connectors: number; readonly pending: number };
  /** How the Dockerfile runs the bot: its CMD's Node arguments and its final stage's ENV. */
  readonly image: { readonly args: readonly string[]; readonly env: Readonly<Record<string, string>> };
  /** Connectors on the worker during the rounds: the bench's and any other user's of a shared test bed. */
  readonly connectorsOnWorker: number;
  readonly options: EdgeOptions;
}

const unmeasured: MemoryPhase = { idle: Number.NaN, samples: [], peak: Number.NaN };

interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  stop(): Promise<void>;
}

export async function measureSlackEdge(
  bed: { connectUrl: string; bootstrapServers: string },
  options: EdgeOptions,
): Promise<EdgeFigures> {
  const snapshots = await mkdtemp(join(tmpdir(), "bench-edge-"));
  let started = performance.now();
  await run("npm", ["run", "build"], { cwd: root });
  const buildMs = performance.now() - started;

  const standIn = await SlackApiStandIn.start({ botToken });
  const proxy = await FaultProxy.start(bed.connectUrl);
  const connect = new ConnectClient({ cluster: "bench", url: bed.connectUrl, timeoutMs: 60_000 });
  const prefix = uniqueName("bench-edge");
  const names = Array.from({ length: options.connectors }, (_, i) => `${prefix}-${i}`);
  const served: Served[] = [];
  try {
    const image = await dockerCommand();
    const botEnv = {
      CONNECT_URL: proxy.url,
      KAFKA_BROKERS: bed.bootstrapServers,
      REDIS_URL: redisUrl,
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: standIn.apiUrl,
      ROLE_OPERATORS: operator,
      APPROVALS_CHANNEL: "C0APPROVALS",
      ALERTS_CHANNEL: "C0ALERTS",
      ALERT_POLL_INTERVAL: `${options.pollIntervalMs / 1000}s`,
      LOG_LEVEL: "info",
    };
    const bareApp = {
      args: ["bench/bare-bolt.js"],
      env: { SLACK_API_URL: standIn.apiUrl, BARE_MODAL_VIEW: JSON.stringify(offsetsResetForm()) },
      ready: /^listening \d+$/,
    };
    const botReady = /Slack: listening for \/connect on /;
    const plainBot = { args: ["dist/src/main.js"], env: botEnv, ready: botReady };
    /** The bot as the Dockerfile runs it, and the probe and heap-snapshot signal the memory figures read. */
    const probed = (args: readonly string[], env: Record<string, string>) => ({
      args: [
        "--import",
        "./bench/memory-probe.js",
        "--heapsnapshot-signal=SIGUSR2",
        `--diagnostic-dir=${snapshots}`,
        ...args,
      ],
      env: { ...env, ...botEnv, MEMORY_PROBE_FILE: join(snapshots, "memory.jsonl") },
      ready: botReady,
    });
    const bare = await serve(bareApp);
    served.push(bare);
    let bot = await serve(probed(plainBot.args, {}));
    served.push(bot);
    let botSlack = new SlackSimulator(bot.url, signingSecret);
    const bareSlack = new SlackSimulator(bare.url, signingSecret);
    const answered = async (slack: SlackSimulator, text: string) => {
      const responseUrl = standIn.responseUrl();
      const begun = performance.now();
      await slack.slashCommand({ text, userId: operator, responseUrl });
      await standIn.waitForCall("response_url", (call) => call.url === responseUrl, 60_000);
      return performance.now() - begun;
    };

    // Warm-up: JIT, connection pools, Bolt's first-request work.
    await acks(bareSlack, standIn, options.commands, options.concurrency);
    await acks(botSlack, standIn, options.commands, options.concurrency);

    started = performance.now();
    const topic = `${prefix}-topic`;
    await inLanes(names, 8, (name) =>
      connect.createConnector(
        name,
        {
          "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
          topics: topic,
          file: "/dev/null",
        },
        "STOPPED",
      ),
    );
    const connectorsMs = performance.now() - started;

    started = performance.now();
    await inLanes(names.slice(0, options.pendingRequests), 8, async (name) => {
      await answered(botSlack, `stop ${name} --reason "benchmark"`);
    });
    const pendingMs = performance.now() - started;

    // The bot watches every connector of the worker, the bench's and those of anyone else sharing the test bed.
    const connectorsOnWorker = (await connect.listConnectors()).length;

    // Cold starts: a fresh process of each app per round (who goes first alternates), spawn → the first
    // acknowledged command, then the first `commands` after it. The bot's start meets the connectors and the
    // pending requests, as a restarted replica does.
    const cold: ColdRound[] = [];
    for (let round = 0; round < options.coldRounds; round++) {
      const order = round % 2 === 0 ? (["bare", "bot"] as const) : (["bot", "bare"] as const);
      const startMs = { bot: 0, bare: 0 };
      const earlyAckP99 = { bot: 0, bare: 0 };
      for (const who of order) {
        const fresh = await coldStart(who === "bot" ? plainBot : bareApp, standIn);
        try {
          startMs[who] = fresh.startMs;
          earlyAckP99[who] = p99(await acks(fresh.slack, standIn, options.commands, options.concurrency));
        } finally {
          await fresh.app.stop();
        }
      }
      cold.push({ startMs, earlyAckP99 });
    }

    const rounds: EdgeRound[] = [];
    for (let round = 0; round < options.rounds; round++) {
      // Alternate who goes first, so neither always meets a machine the other has just warmed or loaded.
      const order = round % 2 === 0 ? (["bare", "bot"] as const) : (["bot", "bare"] as const);
      const ackP99 = { bot: 0, bare: 0 };
      const formOpenP99 = { bot: 0, bare: 0 };
      for (const who of order) {
        const slack = who === "bot" ? botSlack : bareSlack;
        ackP99[who] = p99(await acks(slack, standIn, options.commands, options.concurrency));
        formOpenP99[who] = p99(await formOpens(slack, standIn, options.formClicks, options.formConcurrency));
      }

      proxy.hangNext(100);
      const silenceMs = await answered(botSlack, `status ${names[0] ?? "x"}`);
      proxy.clearFaults();

      const listMs = await answered(botSlack, "list");
      const rawBegun = performance.now();
      const raw = await fetch(`${proxy.url}/connectors?expand=status&expand=info`);
      await raw.text();
      const rawGet = performance.now() - rawBegun;

      const rss = await sampleRss([bot.child.pid ?? 0, bare.child.pid ?? 0], options.rssWindowMs, 250);
      rounds.push({
        ackP99,
        formOpenP99,
        silenceMs,
        list: { bot: listMs, rawGet },
        rss: {
          bot: median(rss[0] ?? []),
          bare: median(rss[1] ?? []),
          botPeak: Math.max(...(rss[0] ?? [])),
          barePeak: Math.max(...(rss[1] ?? [])),
        },
      });
    }
    const highWater = {
      bot: await statusMiB(bot.child.pid ?? 0, "VmHWM"),
      bare: await statusMiB(bare.child.pid ?? 0, "VmHWM"),
    };

    /** One burst of commands and a `list`, then RSS over `polls` alert polls (see `MemoryPhase`). */
    const memoryPhase = async (slack: SlackSimulator, pids: readonly number[]): Promise<MemoryPhase[]> => {
      await acks(slack, standIn, options.commands, options.concurrency);
      await answered(slack, "list");
      const rss = await sampleRss(pids, options.polls * options.pollIntervalMs, 1000);
      return Promise.all(
        pids.map(async (pid, i) => ({
          idle: median(rss[i] ?? []),
          samples: rss[i] ?? [],
          peak: await statusMiB(pid, "VmHWM"),
        })),
      );
    };
    const [plain, bareAtRest] = await memoryPhase(botSlack, [bot.child.pid ?? 0, bare.child.pid ?? 0]);
    const soak = options.soakMs > 0 ? await soakOf(bot.child.pid ?? 0, options.soakMs) : undefined;
    const bareMemory = {
      rssAnon: await statusMiB(bare.child.pid ?? 0, "RssAnon"),
      rssFile: await statusMiB(bare.child.pid ?? 0, "RssFile"),
    };
    const botMemory = await memoryOf(bot.child.pid ?? 0);

    // The same bot, fresh, with the Dockerfile's V8 and malloc settings.
    await bot.stop();
    bot = await serve(probed(image.args, image.env));
    served.push(bot);
    botSlack = new SlackSimulator(bot.url, signingSecret);
    const [withImage] = await memoryPhase(botSlack, [bot.child.pid ?? 0]);
    return {
      cold,
      rounds,
      highWater,
      memory: { plain: plain ?? unmeasured, image: withImage ?? unmeasured, bare: bareAtRest ?? unmeasured },
      soak,
      botMemory,
      bareMemory,
      setupMs: { build: buildMs, connectors: connectorsMs, pending: pendingMs },
      connectorsOnWorker,
      image,
      options,
    };
  } finally {
    for (const process of served.reverse()) await process.stop();
    await inLanes(names, 8, (name) => connect.deleteConnector(name).catch(() => undefined));
    await connect.close();
    await proxy.close();
    await standIn.close();
    await removeKeys(redisUrl, "connect-ops:*");
    await rm(snapshots, { recursive: true, force: true });
  }

  /** /proc's split of the RSS, then a heap snapshot (SIGUSR2) summed by constructor. */
  async function memoryOf(pid: number): Promise<BotMemory> {
    const rssAnon = await statusMiB(pid, "RssAnon");
    const rssFile = await statusMiB(pid, "RssFile");
    const anonymous = anonymousByKind(await readFile(`/proc/${pid}/smaps`, "utf8"));
    const probe = (await readFile(join(snapshots, "memory.jsonl"), "utf8")).trim().split("\n").at(-1) ?? "{}";
    process.kill(pid, "SIGUSR2");
    let file: string | undefined;
    for (let i = 0; i < 240 && file === undefined; i++) {
      await new Promise((done) => setTimeout(done, 500));
      const written = (await readdir(snapshots)).find((name) => name.endsWith(".heapsnapshot"));
      // The file is complete once its size stops changing.
      if (written !== undefined) {
        const size = (await stat(join(snapshots, written))).size;
        await new Promise((done) => setTimeout(done, 1000));
        if ((await stat(join(snapshots, written))).size === size && size > 0) file = join(snapshots, written);
      }
    }
    if (file === undefined) throw new Error("the bot wrote no heap snapshot");
    return {
      rssAnon,
      rssFile,
      anonymous,
      probe: JSON.parse(probe) as Record<string, number>,
      ...summarizeSnapshot(JSON.parse(await readFile(file, "utf8")) as HeapSnapshot),
    };
  }
}

export interface AnonymousMemory {
  /** V8's heap pages, resident: the spaces' committed pages and the freed pages V8 keeps in its pool. */
  readonly v8Pages: number;
  /** glibc malloc: the main arena ([heap]) and the arenas of other threads (64 MiB-aligned mappings). */
  readonly malloc: number;
  /** JIT code (the executable mappings), thread stacks and the rest. */
  readonly other: number;
}

/**
 * Resident anonymous memory of a Linux process by kind, from its smaps. V8 on x64 allocates its heap in 256 KiB
 * pages, each its own mapping; glibc gives each thread's arena a 64 MiB-aligned region (man 3 mallopt,
 * M_ARENA_MAX).
 */
function anonymousByKind(smaps: string): AnonymousMemory {
  const kib = { v8Pages: 0, malloc: 0, other: 0 };
  let kind: keyof typeof kib | undefined;
  for (const line of smaps.split("\n")) {
    const mapping = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping !== null) {
      const [, from = "0", to = "0", permissions = "", path = ""] = mapping;
      const start = BigInt(`0x${from}`);
      const size = BigInt(`0x${to}`) - start;
      kind =
        path === "[heap]"
          ? "malloc"
          : path !== ""
            ? undefined
            : permissions.includes("x")
              ? "other"
              : size === 256n << 10n
                ? "v8Pages"
                : start % (64n << 20n) === 0n && size <= 64n << 20n
                  ? "malloc"
                  : "other";
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line)?.[1];
    if (rss !== undefined && kind !== undefined) kib[kind] += Number(rss);
  }
  return { v8Pages: kib.v8Pages / 1024, malloc: kib.malloc / 1024, other: kib.other / 1024 };
}

interface HeapSnapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: string[]; readonly node_types: [string[]] } };
  readonly nodes: number[];
  readonly strings: string[];
}

/** Self sizes summed by constructor name (objects) or node type (strings, code, arrays…), largest first. */
function summarizeSnapshot(heap: HeapSnapshot): Pick<BotMemory, "heapLive" | "topConstructors"> {
  const fields = heap.snapshot.meta.node_fields;
  const width = fields.length;
  const type = fields.indexOf("type");
  const name = fields.indexOf("name");
  const size = fields.indexOf("self_size");
  const types = heap.snapshot.meta.node_types[0];
  const totals = new Map<string, { bytes: number; count: number }>();
  let live = 0;
  for (let i = 0; i < heap.nodes.length; i += width) {
    const bytes = heap.nodes[i + size] ?? 0;
    const kind = types[heap.nodes[i + type] ?? 0] ?? "?";
    const key =
      kind === "object" || kind === "closure" ? `${heap.strings[heap.nodes[i + name] ?? 0]}` : `(${kind})`;
    const total = totals.get(key) ?? { bytes: 0, count: 0 };
    total.bytes += bytes;
    total.count++;
    totals.set(key, total);
    live += bytes;
  }
  return {
    heapLive: live / 2 ** 20,
    topConstructors: [...totals]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .slice(0, 8)
      .map(([key, total]) => ({ name: key, mib: total.bytes / 2 ** 20, count: total.count })),
  };
}

/** Sends `count` signed `help` commands, `concurrency` at a time; the time until each is acknowledged (HTTP 200). */
async function acks(
  slack: SlackSimulator,
  standIn: SlackApiStandIn,
  count: number,
  concurrency: number,
): Promise<number[]> {
  const times: number[] = [];
  await inLanes(
    Array.from({ length: count }, (_, i) => i),
    concurrency,
    async () => {
      const sent = await slack.slashCommand({
        text: "help",
        userId: operator,
        responseUrl: standIn.responseUrl(),
      });
      if (sent.status !== 200) throw new Error(`slash command answered ${sent.status}: ${sent.body}`);
      times.push(sent.elapsedMs);
    },
  );
  return times;
}

/** A Node program of this repository: its arguments after `node`, its environment, the log line that says it listens. */
interface AppCommand {
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly ready: RegExp;
}

/** Spawns `app` on a port chosen here; every line of its stdout is read, so it never blocks on a full pipe. */
/**
 * `count` signed `/connect offsets reset` (no arguments: the form), `concurrency` at once: the time from sending
 * each to Slack's receiving the `views.open` with its trigger_id, in ms. Slack gives 3 s from the click
 * (api.slack.com/surfaces/modals, trigger_id).
 */
async function formOpens(
  slack: SlackSimulator,
  standIn: SlackApiStandIn,
  count: number,
  concurrency: number,
): Promise<number[]> {
  const times: number[] = [];
  await inLanes(
    Array.from({ length: count }, (_, i) => i),
    concurrency,
    async () => {
      const triggerId = `bench-form-${randomUUID()}`;
      const begun = performance.now();
      const opened = standIn.waitForCall("views.open", (call) => call.args.trigger_id === triggerId, 30_000);
      const sent = await slack.slashCommand({
        text: "offsets reset",
        userId: operator,
        responseUrl: standIn.responseUrl(),
        triggerId,
      });
      if (sent.status !== 200) throw new Error(`slash command answered ${sent.status}: ${sent.body}`);
      await opened;
      times.push(performance.now() - begun);
    },
  );
  return times;
}

async function spawnApp(
  app: AppCommand,
): Promise<Served & { readonly lines: ReturnType<typeof createInterface> }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...(process.env.BENCH_CHILD_NODE_ARGS?.split(" ").filter(Boolean) ?? []), ...app.args],
    {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_BOT_TOKEN: botToken,
        ...app.env,
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  lines.on("line", () => {});
  return {
    child,
    lines,
    url: `http://127.0.0.1:${port}/slack/events`,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Starts `app` and waits for the log line that says it listens. */
async function serve(app: AppCommand): Promise<Served> {
  const served = await spawnApp(app);
  const name = app.args.join(" ");
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s`)), 60_000);
    served.child.once("exit", (code) => reject(new Error(`${name} exited with ${code}`)));
    served.lines.on("line", (line) => {
      if (app.ready.test(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return served;
}

/**
 * Spawns `app` and sends it a signed `help` every 10 ms until one is acknowledged: the cold start is from the
 * spawn to that acknowledgement, whatever the app logs on the way (a refused connection is tried again).
 */
async function coldStart(
  app: AppCommand,
  standIn: SlackApiStandIn,
): Promise<{ app: Served; slack: SlackSimulator; startMs: number }> {
  const spawned = performance.now();
  const served = await spawnApp(app);
  const slack = new SlackSimulator(served.url, signingSecret);
  try {
    for (;;) {
      if (served.child.exitCode !== null)
        throw new Error(`${app.args.join(" ")} exited with ${served.child.exitCode}`);
      if (performance.now() - spawned > 60_000)
        throw new Error(`${app.args.join(" ")} did not ack within 60 s`);
      const sent = await slack
        .slashCommand({ text: "help", userId: operator, responseUrl: standIn.responseUrl() })
        .catch(() => undefined);
      if (sent?.status === 200) return { app: served, slack, startMs: performance.now() - spawned };
      await new Promise((done) => setTimeout(done, 10));
    }
  } catch (error) {
    await served.stop();
    throw error;
  }
}

/**
 * The Node flags and script of the Dockerfile's `CMD ["node", …]` and the `ENV KEY=value …` of its final stage
 * (but PORT, which the bench chooses): the bot runs here exactly as it runs there.
 */
async function dockerCommand(): Promise<{ args: string[]; env: Record<string, string> }> {
  const dockerfile = await readFile(join(root, "Dockerfile"), "utf8");
  const cmd = /^CMD (\[.*\])\s*$/m.exec(dockerfile)?.[1];
  const [node, ...args] = cmd === undefined ? [] : (JSON.parse(cmd) as string[]);
  if (node !== "node" || args.length === 0)
    throw new Error(`the Dockerfile's CMD is not ["node", …]: ${cmd}`);
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
  const env = Object.fromEntries(
    [...finalStage.matchAll(/^ENV (.+)$/gm)]
      .flatMap((line) => (line[1] ?? "").trim().split(/\s+/))
      .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)])
      .filter(([key]) => key !== "PORT"),
  );
  return { args, env };
}

/** A port the kernel has just handed out (the bot's config refuses port 0). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no TCP port assigned");
  return address.port;
}

/** RSS of each process (MiB), sampled every `everyMs` for `windowMs`. */
async function sampleRss(pids: readonly number[], windowMs: number, everyMs: number): Promise<number[][]> {
  const samples = pids.map((): number[] => []);
  const end = performance.now() + windowMs;
  while (performance.now() < end) {
    for (const [i, pid] of pids.entries()) samples[i]?.push(await statusMiB(pid, "VmRSS"));
    await new Promise((done) => setTimeout(done, everyMs));
  }
  return samples;
}

/** RSS of `pid` every 10 s for `windowMs`, and its trend: the least-squares slope in MiB per 10 minutes. */
async function soakOf(pid: number, windowMs: number): Promise<Soak> {
  const everyMs = 10_000;
  const rss = (await sampleRss([pid], windowMs, everyMs))[0] ?? [];
  const xs = rss.map((_, i) => (i * everyMs) / 600_000);
  const meanX = xs.reduce((a, b) => a + b, 0) / xs.length;
  const meanY = rss.reduce((a, b) => a + b, 0) / rss.length;
  const covariance = xs.reduce((sum, x, i) => sum + (x - meanX) * ((rss[i] ?? 0) - meanY), 0);
  const variance = xs.reduce((sum, x) => sum + (x - meanX) ** 2, 0);
  return {
    minutes: windowMs / 60_000,
    samples: rss.length,
    firstMiB: rss[0] ?? Number.NaN,
    lastMiB: rss.at(-1) ?? Number.NaN,
    slopeMiBPer10Min: variance > 0 ? covariance / variance : Number.NaN,
  };
}

/** A memory figure of /proc/<pid>/status (VmRSS, VmHWM), in MiB. */
async function statusMiB(pid: number, field: "VmRSS" | "VmHWM" | "RssAnon" | "RssFile"): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}

/** Deletes this benchmark's keys (its own database; never a FLUSHDB on the shared Redis). */
async function removeKeys(url: string, pattern: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

function p99(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? Number.NaN;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
