/**
 * `npm run bench`: starts the test bed (or reuses the one named by TEST_BED_* variables), runs each benchmark and
 * prints a Markdown report, also written to bench/RESULTS.md. Figures, not pass/fail: nothing here is a test.
 */
import { writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { startTestBed, type TestBed } from "../test/kafka/test-bed.js";
import { measureApprovalOverhead } from "./approval-overhead.js";

const root = join(import.meta.dirname, "..");
const kafkaVersion = process.env.KAFKA_VERSION ?? "4.1.1";

let bed: TestBed | undefined;
if (process.env.TEST_BED_CONNECT_URL === undefined || process.env.TEST_BED_BOOTSTRAP_SERVERS === undefined) {
  console.log(`Starting the test bed: Kafka ${kafkaVersion} broker and Connect worker`);
  bed = await startTestBed({ kafkaVersion, workDir: join(root, ".test-bed", "bench"), log: () => {} });
  process.env.TEST_BED_CONNECT_URL = bed.connectUrl;
  process.env.TEST_BED_BOOTSTRAP_SERVERS = bed.bootstrapServers;
}
const addresses = {
  connectUrl: process.env.TEST_BED_CONNECT_URL ?? "",
  bootstrapServers: process.env.TEST_BED_BOOTSTRAP_SERVERS ?? "",
};

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const max = (values: readonly number[]) => Math.max(...values);
const ms = (value: number) => `${Math.round(value)} ms`;

try {
  const report: string[] = [
    `# Benchmarks`,
    "",
    `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Kafka ${kafkaVersion} test bed (one broker, one distributed Connect worker), Redis on localhost.`,
    "",
  ];

  const runs = 10;
  const overhead = await measureApprovalOverhead(addresses, runs);
  const column = (pick: (o: (typeof overhead)[number]) => number) => overhead.map(pick);
  report.push(
    "## Approve → done: `offsets reset --to-earliest` of a 4-partition sink",
    "",
    `${runs} runs after one warm-up. Connect calls are timed at a proxy in front of the worker.`,
    "",
    "| | median | max |",
    "| --- | --- | --- |",
    `| approve → succeeded, in all | ${ms(median(column((o) => o.totalMs)))} | ${ms(max(column((o) => o.totalMs)))} |`,
    `| Connect's own calls (${median(column((o) => o.connectCalls))} calls: status, offsets, stop, PATCH/DELETE, read-back, resume) | ${ms(median(column((o) => o.connectCallsMs)))} | ${ms(max(column((o) => o.connectCallsMs)))} |`,
    `| waiting for Connect's asynchronous stop (polled every 250 ms; polling every 100 ms measured the same ~510 ms) | ${ms(median(column((o) => o.stopWaitMs)))} | ${ms(max(column((o) => o.stopWaitMs)))} |`,
    `| **added by the bot** (BullMQ pickup, Redis step saves, audit appends) | **${ms(median(column((o) => o.botMs)))}** | ${ms(max(column((o) => o.botMs)))} |`,
    "",
  );

  const text = report.join("\n");
  console.log(text);
  await writeFile(join(root, "bench", "RESULTS.md"), `${text}\n`);
} finally {
  await bed?.stop();
}
