/**
 * `npm run bench`: starts the test bed (or reuses the one named by TEST_BED_* variables), runs each benchmark and
 * prints a Markdown report, also written to bench/RESULTS.md and the Performance table in docs/performance.md. A
 * run of some parts replaces only theirs there (bench/results-file.ts). Figures, not pass/fail: nothing here is a
 * test. One thing fails a run: a timer warning (a negative, overflowing or NaN timeout Node had to correct) in the
 * bench or in any Node process it started; the part that saw it writes no figures, and the error names the warning (issue 28).
 */
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { stopOnSignalOrOrphan } from "../test/kafka/lifeline.js";
import { defaultKafkaVersion, startTestBed, type TestBed } from "../test/kafka/test-bed.js";
import { watchTimerWarnings } from "../test/support/timer-warnings.js";
import { measureApprovalOverhead } from "./approval-overhead.js";
import { measureKillResume } from "./kill-resume.js";
import { type Cycle, measureLagPoll, type RequestCounts, requestTotal } from "./lag-poll.js";
import { type Measured, measureLagScale, parseScaleSizes, type ScaleFigures } from "./lag-scale.js";
import { measureMcpOverhead } from "./mcp-overhead.js";
import { type BenchPart, benchParts, type PartResult, type RunLabel, writeResults } from "./results-file.js";
import { measureScaleOut } from "./scale-out.js";
import { type ColdRound, type EdgeRound, type MemoryPhase, measureSlackEdge } from "./slack-edge.js";

const root = join(import.meta.dirname, "..");
const kafkaVersion = process.env.KAFKA_VERSION ?? defaultKafkaVersion;
/** The library the bot reads Kafka with, as the figures name it (package.json pins the version). */
const kafkaLibrary = "@platformatic/kafka 2.12.1";

/** `npm run bench -- edge scale` runs only those parts: edge, scale, approvals, kill, lag, mcp, scaleout. */
const parts = process.argv.slice(2);
const unknown = parts.filter((part) => !(benchParts as readonly string[]).includes(part));
if (unknown.length > 0)
  throw new Error(`unknown bench part(s) ${unknown.join(", ")}; the parts: ${benchParts.join(", ")}`);
const wanted = (part: BenchPart) => parts.length === 0 || parts.includes(part);

const timerWarnings = await watchTimerWarnings();
let bed: TestBed | undefined;
if (process.env.TEST_BED_CONNECT_URL === undefined || process.env.TEST_BED_BOOTSTRAP_SERVERS === undefined) {
  console.log(`Starting the test bed: Kafka ${kafkaVersion} broker and Connect worker`);
  bed = await startTestBed({ kafkaVersion, workDir: join(root, ".test-bed", "bench"), log: () => {} });
  process.env.TEST_BED_CONNECT_URL = bed.connectUrl;
  process.env.TEST_BED_BOOTSTRAP_SERVERS = bed.bootstrapServers;
}
stopOnSignalOrOrphan(async () => {
  await bed?.stop();
});
const addresses = {
  connectUrl: process.env.TEST_BED_CONNECT_URL ?? "",
  bootstrapServers: process.env.TEST_BED_BOOTSTRAP_SERVERS ?? "",
};

/** Which sizes' sinks share topics, in words for the scale section. */
function sharing(scale: readonly ScaleFigures[]): string {
  const shared = scale.filter((f) => f.sinksPerTopic > 1);
  const own = scale.filter((f) => f.sinksPerTopic === 1);
  const names = (figures: readonly ScaleFigures[]) => figures.map((f) => n(f.sinks)).join(", ");
  return [
    own.length > 0 ? `At ${names(own)} sinks each sink reads a topic of its own.` : "",
    ...shared.map(
      (f) =>
        `At ${n(f.sinks)} sinks, ${f.sinksPerTopic} sinks read each topic (${n(f.topics)} topics, ${n(f.partitions)} partitions).`,
    ),
  ]
    .filter((sentence) => sentence !== "")
    .join(" ");
}

/** The largest size against issue 27's target: one poll ≤ 1 s and ≤ 3× the request lower bound. */
function issueTarget(
  f: ScaleFigures,
  medianOf: (measured: readonly Measured[], pick: (m: Measured) => number) => number,
): string {
  const requests = medianOf(f.cycles, (m) => m.requests);
  const time = medianOf(f.cycles, (m) => m.ms);
  return `**At ${n(f.sinks)} sinks: ${n(requests)} requests for a bound of ${f.cycleBound} (${(requests / f.cycleBound).toFixed(1)}×, ${requests <= 3 * f.cycleBound ? "within" : "over"} 3×); median ${ms(time)}, ${time <= 1000 ? "within" : "over"} 1 s.**`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
const max = (values: readonly number[]) => Math.max(...values);
const ms = (value: number) => `${Math.round(value)} ms`;
const seconds = (value: number) => `${(value / 1000).toFixed(1)} s`;
const mib = (value: number) => `${Math.round(value)} MiB`;
const n = (value: number) => value.toLocaleString("en-US");

/** "median (min–max)" of a figure over the rounds. */
function spread(values: readonly number[], unit: (value: number) => string): string {
  return `${unit(median(values))} (${unit(Math.min(...values))}–${unit(Math.max(...values))})`;
}

/** A row of the issue's table: the bot, the reference and their ratio, each over the rounds. */
function ratioRow(
  what: string,
  bot: readonly number[],
  reference: string,
  referenceValues: readonly number[],
  unit: (value: number) => string,
): string {
  const ratios = bot.map((value, i) => value / (referenceValues[i] ?? Number.NaN));
  const times = (value: number) => `${value.toFixed(2)}×`;
  return `| ${what} | ${spread(bot, unit)} | ${reference}: ${spread(referenceValues, unit)} | ${spread(ratios, times)} |`;
}

try {
  /** The current part's rows of the issue's table (without their "from" cell) and its section, heading first. */
  const summary: string[] = [];
  const details: string[] = [];
  const measured = new Map<BenchPart, { result: PartResult; label: RunLabel }>();
  let partStarted = performance.now();
  let written = "";
  /**
   * Files what the part just run measured (what `summary` and `details` hold), then writes the results: a part
   * that fails later does not lose the parts before it, and parts not run keep their earlier rows and sections.
   */
  const record = async (part: BenchPart) => {
    if (!wanted(part)) return;
    const warnings = await timerWarnings.found();
    if (warnings.length > 0)
      throw new Error(
        `bench part "${part}": ${warnings.length} timer warning(s), a timeout Node had to correct:\n${warnings.join("\n")}`,
      );
    measured.set(part, {
      result: { rows: summary.splice(0), section: details.splice(0) },
      label: {
        command: `npm run bench${parts.length === 0 ? "" : ` -- ${parts.join(" ")}`}`,
        finishedAt: new Date().toISOString(),
        machine: `Node ${process.version}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Kafka ${kafkaVersion} test bed (one broker, one distributed Connect worker), Redis on localhost.`,
        partMinutes: Math.round((performance.now() - partStarted) / 60_000),
      },
    });
    partStarted = performance.now();
    written = await writeResults(
      join(root, "bench", "RESULTS.md"),
      join(root, "docs", "performance.md"),
      measured,
    );
  };

  if (wanted("edge")) {
    // BENCH_SOAK_MINUTES=2 and BENCH_EDGE_POLL_SECONDS=5 for a short run while developing.
    const pollIntervalMs = Number(process.env.BENCH_EDGE_POLL_SECONDS ?? 30) * 1000;
    const edge = await measureSlackEdge(addresses, {
      rounds: 5,
      commands: 200,
      concurrency: 50,
      connectors: 1000,
      pendingRequests: 500,
      rssWindowMs: 30_000,
      coldRounds: 9,
      pollIntervalMs,
      polls: 10,
      soakMs: Number(process.env.BENCH_SOAK_MINUTES ?? 30) * 60_000,
      formClicks: 100,
      formConcurrency: 10,
    });
    const { rounds, cold, memory, soak, options } = edge;
    const per = (pick: (round: EdgeRound) => number) => rounds.map(pick);
    const coldPer = (pick: (round: ColdRound) => number) => cold.map(pick);
    const watched = `${n(options.connectors)} connectors watched (${pollIntervalMs / 1000} s polls), ${options.pendingRequests} pending requests`;
    const phase = (figures: MemoryPhase) => spread(figures.samples, mib);
    summary.push(
      ratioRow(
        `cold start, spawn → first ack of a signed \`help\` (\`node dist/src/main.js\`, ${cold.length} fresh processes)`,
        coldPer((r) => r.startMs.bot),
        "bare Bolt app",
        coldPer((r) => r.startMs.bare),
        ms,
      ),
      ratioRow(
        `ack p99 of the first ${options.commands} commands after start (concurrency ${options.concurrency}), fresh processes`,
        coldPer((r) => r.earlyAckP99.bot),
        "bare Bolt app",
        coldPer((r) => r.earlyAckP99.bare),
        ms,
      ),
      ratioRow(
        `ack of \`help\`, ${options.commands} signed commands at concurrency ${options.concurrency}, p99, a warm process`,
        per((r) => r.ackP99.bot),
        "bare Bolt app that only acks",
        per((r) => r.ackP99.bare),
        ms,
      ),
      ratioRow(
        `the offsets reset form: click (\`/connect offsets reset\`) → \`views.open\` at Slack, p99 of ${options.formClicks} at concurrency ${options.formConcurrency}, ${n(options.connectors)} connectors on the worker`,
        per((r) => r.formOpenP99.bot),
        "bare Bolt app opening the same modal",
        per((r) => r.formOpenP99.bare),
        ms,
      ),
      `| Connect accepts connections but never answers: time until the person hears | ${spread(
        per((r) => r.silenceMs),
        ms,
      )} | — | — |`,
      `| RSS idle, ${watched}, \`node dist/src/main.js\` (no flags): median (min–max) of ${options.polls} polls' samples | ${phase(memory.plain)} | bare Bolt: ${phase(memory.bare)} | ${(memory.plain.idle / memory.bare.idle).toFixed(2)}× |`,
      `| the same, a fresh process with the Dockerfile's flags (\`${[...Object.entries(edge.image.env).map(([key, value]) => `${key}=${value}`), "node", ...edge.image.args].join(" ")}\`) | ${phase(memory.image)} | | |`,
      `| RSS peak (VmHWM) from spawn through bursts of commands, \`list\` and ${options.polls} polls, no flags / flags | ${mib(memory.plain.peak)} / ${mib(memory.image.peak)} | bare Bolt: ${mib(memory.bare.peak)} | ${(memory.plain.peak / memory.bare.peak).toFixed(2)}× |`,
      ...(soak === undefined
        ? []
        : [
            `| soak, no flags: RSS slope over ${soak.minutes} min (${soak.samples} samples, first → last) | ${soak.slopeMiBPer10Min.toFixed(1)} MiB per 10 min (${mib(soak.firstMiB)} → ${mib(soak.lastMiB)}) | — | — |`,
          ]),
      ratioRow(
        `\`list\`, ${n(options.connectors)} connectors, slash command → reply`,
        per((r) => r.list.bot),
        "one raw `GET /connectors?expand=status&expand=info`",
        per((r) => r.list.rawGet),
        ms,
      ),
    );
    details.push(
      "## The Slack edge",
      "",
      `The bot runs as the built output, \`node dist/src/main.js\` (built in ${ms(edge.setupMs.build)}), without flags as \`npm start\` and the README run it; the memory row "with the Dockerfile's flags" runs it as the image does. The reference is bench/bare-bolt.js (\`node\`, no loader); both get the same signed requests from this process, Slack's Web API and response_urls are the recording stand-in, Connect is reached through the fault proxy. Setup: ${n(options.connectors)} STOPPED FileStreamSink connectors created in ${ms(edge.setupMs.connectors)} (the worker had ${n(edge.connectorsOnWorker)} in all during the rounds, other users' of the test bed included, and the bot watches them all); ${options.pendingRequests} \`stop\` requests left pending (asked over Slack) in ${ms(edge.setupMs.pending)}.`,
      "",
      `Cold start: ${cold.length} rounds, each a fresh process of each app (who goes first alternates), timed from the spawn to the first acknowledged signed \`help\` (one sent every 10 ms until one is answered), then ${options.commands} more at concurrency ${options.concurrency} (their p99 is the "first commands" row). The bot's start meets the connectors and the pending requests, as a restarted replica does.`,
      "",
      "| round | start bot / bare | first commands' ack p99 bot / bare |",
      "| --- | --- | --- |",
      ...cold.map(
        (r, i) =>
          `| ${i + 1} | ${ms(r.startMs.bot)} / ${ms(r.startMs.bare)} | ${ms(r.earlyAckP99.bot)} / ${ms(r.earlyAckP99.bare)} |`,
      ),
      "",
      `Warm rounds, one long-lived process of each: ${options.commands} \`help\` commands to each app (who goes first alternates) and ${options.formClicks} clicks that open the offsets reset form (the bare app opens the same view, built by the bot's own \`offsetsResetForm\`), one \`status\` while the proxy holds every request, one \`list\` and one raw GET, then RSS sampled every 250 ms for ${options.rssWindowMs / 1000} s while the alert poll runs.`,
      "",
      "| round | ack p99 bot / bare | form open p99 bot / bare | silence | list bot / raw GET | RSS bot / bare (peak) |",
      "| --- | --- | --- | --- | --- | --- |",
      ...rounds.map(
        (r, i) =>
          `| ${i + 1} | ${ms(r.ackP99.bot)} / ${ms(r.ackP99.bare)} | ${ms(r.formOpenP99.bot)} / ${ms(r.formOpenP99.bare)} | ${ms(r.silenceMs)} | ${ms(r.list.bot)} / ${ms(r.list.rawGet)} | ${mib(r.rss.bot)} / ${mib(r.rss.bare)} (${mib(r.rss.botPeak)} / ${mib(r.rss.barePeak)}) |`,
      ),
      "",
      `Memory: after the warm rounds, one more burst and a \`list\`, then RSS sampled every second over ${options.polls} alert polls (${seconds(options.polls * pollIntervalMs)}); then ${soak === undefined ? "no soak (BENCH_SOAK_MINUTES=0)" : `the soak, RSS every 10 s for ${soak.minutes} min with the polls running, its slope by least squares`}; then the same burst, \`list\` and polls for a fresh bot with the Dockerfile's flags. Peak: each process's VmHWM from spawn. High-water mark over the warm rounds: bot ${mib(edge.highWater.bot)}, bare ${mib(edge.highWater.bare)}.`,
      "",
      `What the plain bot's memory was after its polls: RSS ${mib(edge.botMemory.rssAnon + edge.botMemory.rssFile)}, of which ${mib(edge.botMemory.rssAnon)} anonymous (V8's heap pages ${mib(edge.botMemory.anonymous.v8Pages)}, malloc ${mib(edge.botMemory.anonymous.malloc)}, JIT code, stacks and the rest ${mib(edge.botMemory.anonymous.other)}; /proc/<pid>/smaps) and ${mib(edge.botMemory.rssFile)} file-backed (mostly the pages of the \`node\` binary it has touched; the bare Bolt app at the same moment: ${mib(edge.bareMemory.rssAnon)} anonymous, ${mib(edge.bareMemory.rssFile)} file-backed); V8 heap ${Object.entries(
        edge.botMemory.probe,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ", ",
        )} (MiB, bench/memory-probe.js); a heap snapshot holds ${mib(edge.botMemory.heapLive)} of live objects, the largest by constructor: ${edge.botMemory.topConstructors.map((c) => `${c.name} ${c.mib.toFixed(1)} MiB (${n(c.count)})`).join(", ")}.`,
      "",
    );
  }

  await record("edge");

  if (wanted("scale")) {
    // BENCH_LAG_SIZES=100,1000:2 for a shorter run while developing (`:2`: two sinks per topic).
    const partitionsPerTopic = 2;
    const sizes = parseScaleSizes(process.env.BENCH_LAG_SIZES ?? "1000,5000:2,10000:4", partitionsPerTopic);
    const scale = await measureLagScale(addresses.bootstrapServers, { sizes, rounds: 3, partitionsPerTopic });
    const arrow = (pick: (figures: ScaleFigures) => string) => scale.map(pick).join(" → ");
    const medianOf = (measured: readonly Measured[], pick: (m: Measured) => number) =>
      median(measured.map(pick));
    const first = scale[0];
    const last = scale.at(-1);
    const growth =
      first === undefined || last === undefined
        ? ""
        : `time grows ${(medianOf(last.cycles, (m) => m.ms) / medianOf(first.cycles, (m) => m.ms)).toFixed(1)}× for ${last.sinks / first.sinks}× sinks`;
    summary.push(
      `| lag poll, the bot's cycle on ${kafkaLibrary}, ${arrow((f) => (f.sinksPerTopic > 1 ? `${n(f.sinks)} (${f.sinksPerTopic} per topic)` : n(f.sinks)))} sinks | ${arrow(
        (f) =>
          spread(
            f.cycles.map((m) => m.ms),
            ms,
          ),
      )} | requests ${arrow((f) => n(medianOf(f.cycles, (m) => m.requests)))}; lower bound ${first?.cycleBound ?? 3} | ${growth} |`,
    );
    details.push(
      "## Lag poll at scale: the bot's cycle",
      "",
      `Per size: topics × 2 partitions (2 rather than 10, and sinks sharing topics at the larger sizes, to stay within the broker's open-file limit of 20,000, which this machine does not let us raise: a fresh bed ran out of files at 10,000 partitions), 4 messages per partition. ${sharing(scale)} Every sink has its own group \`connect-<sink>\` committed 0–2 behind on each partition (sinks sharing a topic lag differently, so a mixed-up group would show), made by admin OffsetCommits, 32 at a time; earlier runs' \`bench-*\` topics and groups are deleted and waited out before each size and its own after it. The cycle is \`SinkLagReader.lagOfSinks\` on ${kafkaLibrary}, as the alert poll and \`lag\` call it, on one long-lived reader: one warm-up round, then 3 timed rounds. CPU is this process's (user + system) during the cycle.`,
      "",
      "| sinks (topics, partitions) | setup (of which commits) | time, median (min–max) | Kafka requests (by API, last round) | CPU | lag found / expected |",
      "| --- | --- | --- | --- | --- | --- |",
      ...scale.map((f) => {
        const measured = f.cycles;
        const byApi = Object.entries(measured.at(-1)?.byApi ?? {})
          .sort(([, a], [, b]) => b - a)
          .map(([api, count]) => `${api} ${n(count)}`)
          .join(", ");
        return `| ${n(f.sinks)} (${n(f.topics)}, ${n(f.partitions)}) | ${ms(f.setupMs)} (${ms(f.commitMs)}) | ${spread(
          measured.map((m) => m.ms),
          ms,
        )} | ${n(medianOf(measured, (m) => m.requests))} (${byApi}) | ${spread(
          measured.map((m) => m.cpuMs),
          ms,
        )} | ${n(medianOf(measured, (m) => m.lag))} / ${n(f.expectedLag)}${medianOf(measured, (m) => m.errors) > 0 ? `, ${n(medianOf(measured, (m) => m.errors))} sinks unread` : ""} |`;
      }),
      "",
      `Lower bound on one broker: ${first?.cycleBound ?? 3} requests at every size (one OffsetFetch v8 for all the groups, ListOffsets latest and earliest for all the distinct partitions: a topic two sinks read is asked for once, its groups' offsets are not). The reader also sends Metadata for the topic list; Fetch requests are the scans for transaction markers (a small lag that stood still since the last poll) and for the age of the oldest unread record, each made once per position and then cached.`,
      "",
      ...(last === undefined ? [] : [issueTarget(last, medianOf), ""]),
    );
  }

  await record("scale");

  if (wanted("approvals")) {
    const runs = 10;
    const overhead = await measureApprovalOverhead(addresses, runs);
    const column = (pick: (o: (typeof overhead)[number]) => number) => overhead.map(pick);
    details.push(
      "## Approve → done: `offsets reset --to-earliest` of a 4-partition sink",
      "",
      `${runs} runs after one warm-up. Connect calls are timed at a proxy in front of the worker.`,
      "",
      "| | median | max |",
      "| --- | --- | --- |",
      `| approve → succeeded, in all | ${ms(median(column((o) => o.totalMs)))} | ${ms(max(column((o) => o.totalMs)))} |`,
      `| Connect's own calls (${median(column((o) => o.connectCalls))} calls: status, offsets, stop, offsets and config after the stop, PATCH/DELETE, read-back, resume) | ${ms(median(column((o) => o.connectCallsMs)))} | ${ms(max(column((o) => o.connectCallsMs)))} |`,
      `| waiting for Connect's asynchronous stop (polled every 250 ms; polling every 100 ms measured the same ~510 ms) | ${ms(median(column((o) => o.stopWaitMs)))} | ${ms(max(column((o) => o.stopWaitMs)))} |`,
      `| **added by the bot** (BullMQ pickup, the target resolved from Kafka after the stop, Redis lock and step saves, audit appends) | **${ms(median(column((o) => o.botMs)))}** | ${ms(max(column((o) => o.botMs)))} |`,
      "",
    );
  }

  await record("approvals");

  if (wanted("kill")) {
    const killRuns = 5;
    const kills = await measureKillResume(addresses, killRuns);
    const former = await measureKillResume(addresses, 1, 60_000);
    const pick = (list: readonly { doneMs: number; takenOverMs: number }[], key: "doneMs" | "takenOverMs") =>
      list.map((k) => k[key]);
    details.push(
      "## Kill → done: a bot SIGKILLed mid-execution, another bot running",
      "",
      `\`offsets reset --shift-by -10\` of a 1-partition sink; the executing bot is killed right after the connector is STOPPED (before the change) while a second bot process runs. ${killRuns} runs with the app's settings (BullMQ job lock 6 s, renewed every 3 s, stalled check every 3 s; per-connector lock 5 s), and 1 run with the former settings (job lock 60 s, stalled check 30 s).`,
      "",
      "| | median | max |",
      "| --- | --- | --- |",
      `| kill → the other bot owns the request (its execution started) | ${seconds(median(pick(kills, "takenOverMs")))} | ${seconds(max(pick(kills, "takenOverMs")))} |`,
      `| **kill → done** (offsets changed, verified, connector RUNNING) | **${seconds(median(pick(kills, "doneMs")))}** | ${seconds(max(pick(kills, "doneMs")))} |`,
      `| kill → done with the former settings (1 run) | ${seconds(pick(former, "doneMs")[0] ?? Number.NaN)} | |`,
      "",
    );
  }

  await record("kill");

  if (wanted("lag")) {
    const lagRuns = 3;
    const poll = await measureLagPoll(addresses, { kafkaVersion, runs: lagRuns });
    const boundTotal = requestTotal(poll.bound);
    // The warm cycles' times, and the request tally of the median run (the runs' tallies barely differ).
    const figures = poll.reader;
    const warmMs = figures.warmCycles.map((c) => c.ms);
    const warm = figures.warmCycles.find((c) => c.ms === median(warmMs)) ?? (figures.warmCycles[0] as Cycle);
    const ratio = requestTotal(warm.requests) / boundTotal;
    const cli = "unavailable" in poll.cli ? undefined : poll.cli;
    const cliUnavailable = "unavailable" in poll.cli ? poll.cli.unavailable : "";
    const apis = [
      ...new Set([
        ...Object.keys(poll.bound),
        ...Object.keys(warm.requests),
        ...Object.keys(figures.firstCycle.requests),
        ...Object.keys(cli?.requests ?? {}),
      ]),
    ].sort((a, b) => (poll.bound[b] ?? 0) - (poll.bound[a] ?? 0) || a.localeCompare(b));
    const cell = (counts: RequestCounts, api: string) => n(counts[api] ?? 0);
    const { scale } = poll;
    details.push(
      `## One lag poll cycle: ${n(scale.sinks)} sink connectors' groups, ${n(scale.partitions)} partitions`,
      "",
      ...(scale.sinks < scale.sinksAsked
        ? [
            `**Scaled down**: topic creation ran out of its time budget at ${n(scale.sinks)} of the ${n(scale.sinksAsked)} topics asked for.`,
            "",
          ]
        : []),
      `Setup: ${n(scale.sinks)} topics × ${scale.partitionsPerTopic} partitions, ${scale.messagesPerPartition} messages each; per topic one group \`connect-<sink>\` whose committed offsets are 0–2 messages behind (${n(figures.lag.expected)} in all), made by an admin OffsetCommit (an Empty group holding offsets, as a stopped sink leaves). Created in ${ms(poll.setupMs.topics)} (topics) + ${ms(poll.setupMs.produce)} (messages) + ${ms(poll.setupMs.commits)} (commits); deleted afterwards.`,
      "",
      `Our cycle is \`SinkLagReader.lagOfSinks\` on ${kafkaLibrary}: one untimed cycle on a new reader, then ${lagRuns} timed ones on the same reader, as the app's long-lived reader polls. Lag read: ${n(figures.lag.read)} (${figures.lag.errors} errors)${cli ? `; \`kafka-consumer-groups\` read ${n(cli.ourLag)} over ${n(cli.ourRows)} rows of our partitions` : ""}. The CLI is \`ConsumerGroupCommand\` from the test bed's own Kafka ${kafkaVersion} jars in a new JVM (-Xmx256m, as the script), ${lagRuns} timed runs; its requests were counted on one more run from its NetworkClient's DEBUG log.`,
      "",
      "| | median | max | Kafka requests |",
      "| --- | --- | --- | --- |",
      `| our cycle, long-lived reader | ${ms(median(warmMs))} | ${ms(max(warmMs))} | ${n(requestTotal(warm.requests))} |`,
      `| our cycle, a new reader's first (untimed warm-up) | ${ms(figures.firstCycle.ms)} | | ${n(requestTotal(figures.firstCycle.requests))} |`,
      ...(cli
        ? [
            `| \`kafka-consumer-groups --describe --all-groups\` (${n(cli.groupsOnBroker)} groups on the broker, ${n(scale.sinks)} ours), JVM included | ${ms(median(cli.describeMs))} | ${ms(max(cli.describeMs))} | ${n(requestTotal(cli.requests))} |`,
            `| of which JVM start, bootstrap and one ListGroups (\`--list\`) | ${ms(median(cli.listMs))} | ${ms(max(cli.listMs))} | |`,
            `| of which describing (difference of the medians) | ${ms(median(cli.describeMs) - median(cli.listMs))} | | |`,
          ]
        : [`| \`kafka-consumer-groups\`: not measured (${cliUnavailable}) | | | |`]),
      `| lower bound (${poll.brokers} broker${poll.brokers === 1 ? "" : "s"}): OffsetFetch v8 per coordinator, ListOffsets latest + earliest per leader | | | ${n(boundTotal)} |`,
      "",
      `| API | lower bound | long-lived | first cycle |${cli ? " `kafka-consumer-groups --describe` |" : ""}`,
      `| --- | --- | --- | --- |${cli ? " --- |" : ""}`,
      ...apis.map(
        (api) =>
          `| ${api} | ${cell(poll.bound, api)} | ${cell(warm.requests, api)} | ${cell(figures.firstCycle.requests, api)} |${cli ? ` ${cell(cli.requests, api)} |` : ""}`,
      ),
      `| **total** | **${n(boundTotal)}** | **${n(requestTotal(warm.requests))}** | **${n(requestTotal(figures.firstCycle.requests))}** |${cli ? ` **${n(requestTotal(cli.requests))}** |` : ""}`,
      "",
      `**Against the bound: ${ratio.toFixed(1)}× (${n(requestTotal(warm.requests))} requests for ${n(boundTotal)}), ${ratio > 3 ? "over" : "within"} 3×. Wall time: median ${ms(median(warmMs))}, ${median(warmMs) > 1000 ? "over" : "within"} 1 s; a new reader's first cycle ${ms(figures.firstCycle.ms)}.**`,
      "",
      `${kafkaLibrary} batches the groups per coordinator (FindCoordinator v4 and OffsetFetch v8 carry many) and the partitions per leader.${cli ? ` The Java CLI is no closer to the bound: per group it sends about ${((cli.requests.FindCoordinator ?? 0) / cli.groupsOnBroker).toFixed(1)} FindCoordinator, ${((cli.requests.OffsetFetch ?? 0) / cli.groupsOnBroker).toFixed(1)} OffsetFetch, ${((cli.requests.Metadata ?? 0) / cli.groupsOnBroker).toFixed(1)} Metadata and ${((cli.requests.ListOffsets ?? 0) / cli.groupsOnBroker).toFixed(1)} ListOffsets (latest only).` : ""}`,
      "",
    );
  }

  await record("lag");

  if (wanted("mcp")) {
    const rounds = (await measureMcpOverhead(addresses, { rounds: 3, calls: 100 })).map((round) => ({
      shellMs: median(round.shellMs),
      mcpMs: median(round.mcpMs),
    }));
    summary.push(
      ratioRow(
        "a read tool over MCP (Streamable HTTP): `status`, median per call",
        rounds.map((r) => r.mcpMs),
        "the same command in the shell",
        rounds.map((r) => r.shellMs),
        (value) => `${value.toFixed(1)} ms`,
      ),
    );
    details.push(
      "## A read tool over MCP beside the shell",
      "",
      "`status <connector>` on a real sink, 100 calls a round, each MCP call (the SDK's `Client` over Streamable HTTP, a bearer token, a server per request) right after the same command through the shell's path (dispatch, text, redaction). Both read Connect and append an audit entry; MCP adds HTTP, JSON-RPC and the agent's per-minute count in Redis.",
      "",
      "| round | shell | MCP | ratio |",
      "| --- | --- | --- | --- |",
      ...rounds.map(
        (r, i) =>
          `| ${i + 1} | ${r.shellMs.toFixed(1)} ms | ${r.mcpMs.toFixed(1)} ms | ${(r.mcpMs / r.shellMs).toFixed(2)}× |`,
      ),
      "",
    );
  }

  await record("mcp");

  if (wanted("scaleout")) {
    // The issue's size; BENCH_SCALEOUT_CLUSTERS, _CONNECTORS, _INTERVAL (s) and _CYCLES make a small check run.
    const env = (name: string, fallback: number) => Number(process.env[`BENCH_SCALEOUT_${name}`] ?? fallback);
    const size = {
      clusters: env("CLUSTERS", 10),
      connectors: env("CONNECTORS", 500),
      replicas: [1, 2, 3],
      pollIntervalMs: env("INTERVAL", 10) * 1000,
      cycles: env("CYCLES", 3),
    };
    const rows = await measureScaleOut(size);
    const one = median(rows[0]?.cycleMs ?? []);
    summary.push(
      ...rows.map(
        (row) =>
          `| one poll cycle, ${size.clusters} clusters × ${n(size.connectors)} connectors, ${row.replicas} replica${row.replicas === 1 ? "" : "s"} | ${spread(row.cycleMs, ms)} | 1 replica: ${ms(one)} | ${(one / median(row.cycleMs)).toFixed(2)}× faster |`,
      ),
    );
    details.push(
      `## Polling that scales out: ${size.clusters} clusters × ${n(size.connectors)} connectors, 1–3 replicas`,
      "",
      `Each cluster a Connect stand-in of ${n(size.connectors)} source connectors (bench/scale-out.ts), each replica a bot process of its own on one Redis, polls every ${size.pollIntervalMs / 1000} s, ${size.cycles} cycles measured after one to warm up. A cycle: from the first cluster's poll start to the last one's end in one interval. Then a task fails half-way through an interval: the time until its Slack post and until a real Alertmanager holds its alert (target: one interval + 2 s).`,
      "",
      "| replicas | cycle wall time, median (min–max) | speed-up | CPU per replica per cycle | clusters polled per replica | task failed → Slack | task failed → Alertmanager |",
      "| --- | --- | --- | --- | --- | --- | --- |",
      ...rows.map(
        (row) =>
          `| ${row.replicas} | ${spread(row.cycleMs, ms)} | ${(one / median(row.cycleMs)).toFixed(2)}× | ${row.cpuMsPerCycle.map(ms).join(", ")} | ${row.pollsByReplica.join(", ")} | ${ms(row.failToSlackMs)} | ${row.failToAlertmanagerMs === undefined ? "no Alertmanager here" : ms(row.failToAlertmanagerMs)} |`,
      ),
      "",
    );
  }

  await record("scaleout");
  console.log(written);
} finally {
  await bed?.stop();
  await timerWarnings.remove();
}
