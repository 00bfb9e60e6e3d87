/**
 * One bot replica for the scale-out bench (bench/scale-out.ts), in a process of its own: the app with its alert
 * polls, a notifier that reports each alert post, and a watch on the poll-duration histogram that reports each
 * cluster's poll as it ends. Talks to the parent over IPC: `{ kind: "cpu" }` asks for process.cpuUsage(),
 * `{ kind: "stop" }` closes the app and exits.
 */
import { MessageAddress } from "../src/alerts/alert-store.js";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { Metrics } from "../src/ops/metrics.js";

const send = (message: object) => process.send?.(message);
const config = loadConfig(
  { CONFIG_FILE: "bench.yaml", LOG_LEVEL: "silent" },
  () => process.env.BENCH_CONFIG ?? "",
);
const metrics = new Metrics();
let posted = 0;
const app = createApp({
  config,
  keyPrefix: process.env.BENCH_PREFIX ?? "bench-scale-out:",
  metrics,
  alertNotifier: () => ({
    async post(_channel, alerts) {
      send({ kind: "posted", at: Date.now(), keys: alerts.map((alert) => alert.key) });
      return MessageAddress.parse(`C0BENCH:${process.pid}.${++posted}`);
    },
    async update() {},
    async tell() {},
  }),
});

/** Each cluster's poll count and summed seconds, as last read: a change is a poll that just ended. */
const seen = new Map<string, { count: number; sum: number }>();
const watch = setInterval(async () => {
  const { values } = await metrics.lagPollDuration.get();
  const now = Date.now();
  const read = new Map<string, { count: number; sum: number }>();
  for (const { labels, value, metricName } of values) {
    const cluster = String(labels.cluster);
    const entry = read.get(cluster) ?? { count: 0, sum: 0 };
    if (metricName?.endsWith("_count")) entry.count = value;
    if (metricName?.endsWith("_sum")) entry.sum = value;
    read.set(cluster, entry);
  }
  for (const [cluster, { count, sum }] of read) {
    const before = seen.get(cluster) ?? { count: 0, sum: 0 };
    // Polls ending between two reads 20 ms apart are rare; each is reported with their mean duration.
    for (let i = before.count; i < count; i++) {
      const seconds = (sum - before.sum) / (count - before.count);
      send({ kind: "polled", cluster, endMs: now, startMs: now - seconds * 1000 });
    }
    seen.set(cluster, { count, sum });
  }
}, 20);

process.on("message", async (message: { kind: string }) => {
  if (message.kind === "cpu") send({ kind: "cpu", usage: process.cpuUsage() });
  if (message.kind === "stop") {
    clearInterval(watch);
    await app.close({ drainMs: 5_000 });
    process.exit(0);
  }
});
await app.alerts.start();
send({ kind: "started" });
