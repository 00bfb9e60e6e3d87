// needs: bed
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { PagerDutyStandIn } from "./support/receiver-stand-ins.js";
import { testRedis } from "./support/redis-prefix.js";
import {
  createTopicWithMessages,
  eventually,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";

const clusters = ["east", "west", "north"] as const;
const intervalMs = 1_000;
/** Each state request of `north` waits this long (a slow Connect): its polls must not hold the others back. */
const slowMs = 2_500;

/** Polls of each cluster counted on one app's /metrics (the poll-duration histogram's count). */
async function pollCounts(app: App): Promise<Record<string, number>> {
  const text = (await app.operations.metrics.exposition()).text;
  return Object.fromEntries(
    clusters.map((cluster) => {
      const line = text
        .split("\n")
        .find((l) => l.startsWith(`connect_ops_lag_poll_duration_seconds_count{cluster="${cluster}"}`));
      return [cluster, Number(line?.split(" ").at(-1) ?? 0)];
    }),
  );
}

/**
 * Two bot processes' apps on one Redis, three Connect "clusters" (the bed's one worker under three names), polled
 * every second: each cluster's poll is a job of its own, spread across both apps, once per interval; when one app
 * stops, the other polls every cluster and goes on from the alert state in Redis.
 */
describe("alert polls scale out: one job per cluster, spread across replicas, once per interval", () => {
  const { prefix, cleanup } = testRedis("alert-scale-out");
  const kafka = testKafka();
  let pagerDuty: PagerDutyStandIn;
  let slowNorth: FaultProxy;
  let dir: string;
  let first: App;
  let second: App;
  /** The app the test stops half-way is not closed again. */
  let firstOpen = true;
  const created: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "alert-scale-out-"));
    pagerDuty = await PagerDutyStandIn.start();
    slowNorth = await FaultProxy.start(testBed().connectUrl);
    for (let i = 0; i < 200; i++)
      slowNorth.delayNextMatching({ method: "GET", path: /^\/connectors\?expand/ }, slowMs);
    const start = async () => {
      const config = loadConfig(
        { CONFIG_FILE: "scale.yaml", LOG_LEVEL: "silent", TEST_PD_KEY: "pd-key" },
        () =>
          [
            "alerts:",
            "  pollInterval: 1s",
            "  receivers:",
            `    oncall: { type: pagerduty, url: "${pagerDuty.url}", routingKeyEnv: TEST_PD_KEY, resolveAfter: 0s, backoff: 1s }`,
            "  routes:",
            '    - { connector: "scale-*", rule: task-failed, receivers: [oncall] }',
            "clusters:",
            ...clusters.flatMap((name) => [
              `  - name: ${name}`,
              `    connect: { url: "${name === "north" ? slowNorth.url : testBed().connectUrl}", timeoutMs: 10000 }`,
              `    kafka: { brokers: ["${testBed().bootstrapServers}"] }`,
            ]),
          ].join("\n"),
      );
      const app = createApp({ config, keyPrefix: `${prefix}bot:` });
      await app.alerts.start();
      return app;
    };
    first = await start();
    second = await start();
  });

  after(async () => {
    for (const name of created)
      await second.clusters[0]?.connect.deleteConnector(name).catch(() => undefined);
    await Promise.all([
      firstOpen ? first.close({ drainMs: 2_000 }) : undefined,
      second.close({ drainMs: 2_000 }),
    ]);
    await Promise.all([pagerDuty.http.stop(), slowNorth.close()]);
    await rm(dir, { recursive: true, force: true });
    await cleanup();
  });

  test("3 clusters on 2 apps: both poll, each fast cluster once a second in all while the slow one takes 2.5 s a poll; a failed task is one incident per cluster however the polls move, and resolves once", async () => {
    const connect = second.clusters[0]?.connect ?? assert.fail("no cluster");
    const topic = uniqueName("scale-topic");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 2 });
    const missing = join(dir, `missing-${topic}`);
    const connector = uniqueName("scale-sink");
    created.push(connector);
    await connect.putConfig(connector, {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: topic,
      file: join(missing, "out.txt"),
    });
    const triggers = (cluster: string) =>
      pagerDuty.events.filter(
        (event) =>
          event.event_action === "trigger" && event.dedup_key === `${cluster}/${connector}/task-failed`,
      );
    await eventually("a trigger for the failed task on each cluster", async () =>
      clusters.every((cluster) => triggers(cluster).length > 0) ? true : undefined,
    );

    // Measured over a stretch of whole seconds: polls of each cluster on both apps together.
    const before = [await pollCounts(first), await pollCounts(second)];
    const started = performance.now();
    await sleep(6_000);
    const afterCounts = [await pollCounts(first), await pollCounts(second)];
    const seconds = (performance.now() - started) / 1000;
    const intervals = seconds * (1000 / intervalMs);
    const pollsOf = (cluster: string) =>
      afterCounts.reduce((sum, counts, i) => sum + (counts[cluster] ?? 0) - (before[i]?.[cluster] ?? 0), 0);
    for (const cluster of ["east", "west"]) {
      const polls = pollsOf(cluster);
      assert.ok(
        polls >= intervals - 2 && polls <= intervals + 1,
        `${cluster}: ${polls} polls in ${seconds.toFixed(1)} s, once per interval though north is slow`,
      );
    }
    const north = pollsOf("north");
    assert.ok(
      north >= 1 && north <= seconds / (slowMs / 1000) + 1,
      `north: ${north} polls, never two at once`,
    );
    const byApp = afterCounts.map((counts, i) =>
      clusters.reduce((sum, cluster) => sum + (counts[cluster] ?? 0) - (before[i]?.[cluster] ?? 0), 0),
    );
    assert.ok(
      byApp.every((polls) => polls > 0),
      `both apps poll: ${byApp.join(" and ")} polls`,
    );

    // One app stops: the other takes every cluster, from the alert state in Redis (no second trigger).
    firstOpen = false;
    await first.close({ drainMs: 2_000 });
    const alone = await pollCounts(second);
    await eventually("the remaining app polling every cluster", async () => {
      const now = await pollCounts(second);
      return clusters.every((cluster) => (now[cluster] ?? 0) >= (alone[cluster] ?? 0) + 3) ? true : undefined;
    });
    await mkdir(missing);
    await connect.restart(connector, { includeTasks: true, onlyFailed: true });
    const resolves = (cluster: string) =>
      pagerDuty.events.filter(
        (event) =>
          event.event_action === "resolve" && event.dedup_key === `${cluster}/${connector}/task-failed`,
      );
    await eventually("each cluster's incident resolved", async () =>
      clusters.every((cluster) => resolves(cluster).length > 0) ? true : undefined,
    );
    await sleep(2 * intervalMs);
    for (const cluster of clusters) {
      assert.equal(triggers(cluster).length, 1, `${cluster}: triggered once`);
      assert.equal(resolves(cluster).length, 1, `${cluster}: resolved once`);
    }
  });
});
