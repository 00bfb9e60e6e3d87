// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { RedisKeys } from "../src/redis-keys.js";
import { type RecordedCall, SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { AutomationBots } from "./support/automation-bots.js";
import { FaultProxy, type RecordedRequest } from "./support/fault-proxy.js";
import { testRedis } from "./support/redis-prefix.js";
import {
  createTopicWithMessages,
  eventually,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";

const botToken = "xoxb-poll-claim";
const alertsChannel = "C0POLLCLAIM";
const intervalMs = 1_000;
/** What the claim promises (pollLeaseMs in src/alerts/alerts.ts): a dead poller holds its cluster no longer. */
const leaseMs = 5_000;
/**
 * A slow Connect: the listing's first attempt outlasts the client's 4 s attempt timeout and its retry waits too, so
 * the poll takes over 7 s, longer than the lease: only its renewals keep the other replica off.
 */
const slowAttemptsMs = [4_500, 3_000] as const;
/** The start of every poll of the cluster: its one listing of the connectors. */
const listing = { method: "GET", path: /^\/connectors\?expand/ };

const configFile = (connectUrl: string) => `
alerts:
  channel: ${alertsChannel}
  pollInterval: 1s
clusters:
  - name: main
    connect: { url: "${connectUrl}", timeoutMs: 60000 }
    kafka: { brokers: ["${testBed().bootstrapServers}"] }
`;

/**
 * Two bot processes on one Redis poll one cluster (the bed's Connect behind a fault proxy, which records each poll's
 * listing and can slow it down). The cluster's poll claim is a short lease its poller renews: a slow poll is never
 * doubled, a poller killed with SIGKILL gives the cluster up within one interval and the lease, and a bot that
 * stops gracefully gives it up at once.
 */
describe("the poll claim: renewed while a poll runs, lost with its process, released on stop", () => {
  const { redis, prefix, cleanup } = testRedis("alert-poll-claim");
  const keyPrefix = `${prefix}bot:`;
  const claimKey = new RedisKeys(keyPrefix).alertPollLock("main");
  const kafka = testKafka();
  let standIn: SlackApiStandIn;
  let proxy: FaultProxy;
  let dir: string;
  let configPath: string;
  const apps: App[] = [];
  const created: string[] = [];

  const connect = () => apps[0]?.clusters[0]?.connect ?? assert.fail("no reader app");
  /** Each poll's listing, its retries left out (they carry the same request id). */
  const polls = (from = 0): RecordedRequest[] =>
    listings(from).filter(
      (request, i, all) =>
        all.findIndex((other) => other.headers["x-request-id"] === request.headers["x-request-id"]) === i,
    );
  const listings = (from: number): RecordedRequest[] =>
    proxy.requests
      .slice(from)
      .filter((request) => request.method === "GET" && listing.path.test(request.url));
  /** The process (pid) that holds the cluster's claim now: the holder id starts with host and pid. */
  const claimHolder = async (): Promise<number | undefined> => {
    const holder = await redis.get(claimKey);
    return holder === null ? undefined : Number(holder.split(":").at(-2));
  };
  const alertPosts = (connector: string): RecordedCall[] =>
    standIn
      .callsOf("chat.postMessage")
      .filter(
        (call) =>
          call.args.channel === alertsChannel &&
          call.args.thread_ts === undefined &&
          JSON.stringify(call.args).includes(connector),
      );

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "alert-poll-claim-"));
    standIn = await SlackApiStandIn.start({ botToken });
    proxy = await FaultProxy.start(testBed().connectUrl);
    configPath = join(dir, "bot.yaml");
    await writeFile(configPath, configFile(proxy.url));
    // Creates and deletes connectors straight on the bed; it never polls.
    apps.push(
      createApp({
        config: loadConfig({ CONFIG_FILE: "reader.yaml", LOG_LEVEL: "silent" }, () =>
          configFile(testBed().connectUrl),
        ),
        keyPrefix,
      }),
    );
  });

  after(async () => {
    for (const name of created)
      await connect()
        .deleteConnector(name)
        .catch(() => undefined);
    for (const app of apps) await app.close({ drainMs: 1_000 });
    await Promise.all([standIn.close(), proxy.close()]);
    await rm(dir, { recursive: true, force: true });
    await cleanup();
  });

  test("a poll slower than the lease is not doubled; its bot killed mid-poll, the other polls within an interval and the lease, and the failed task stays one alert", async (t) => {
    const bots = new AutomationBots({
      configFile: configPath,
      keyPrefix,
      slack: { botToken, apiUrl: standIn.apiUrl },
    });
    try {
      const [one, two] = [await bots.start(), await bots.start()];
      const topic = uniqueName("claim-topic");
      await createTopicWithMessages(kafka, topic, { partitions: 1, count: 1 });
      const connector = uniqueName("claim-sink");
      created.push(connector);
      await connect().putConfig(connector, {
        "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
        topics: topic,
        file: join(dir, "missing", "out.txt"),
      });
      await eventually("the failed task's alert", async () =>
        alertPosts(connector).length > 0 ? true : undefined,
      );

      // A slow poll: the lease runs out twice over unless renewed, and the other bot tries every second.
      const slowFrom = proxy.requests.length;
      for (const ms of slowAttemptsMs) proxy.delayNextMatching(listing, ms);
      const slow = await eventually("the slow poll", async () => polls(slowFrom)[0]);
      const answered = await eventually(
        "the slow poll's answer",
        async () => listings(slowFrom).find((request) => request.finishedMs !== undefined)?.finishedMs,
        { timeoutMs: 20_000 },
      );
      t.diagnostic(`the slow poll's listing took ${Math.round(answered - slow.startedMs)} ms`);
      const during = polls(slowFrom).filter((request) => request.startedMs < answered);
      assert.deepEqual(during, [slow], "no second poll of the cluster while the slow one ran");

      // The poller is killed mid-poll (it waits on Connect far longer than the lease).
      const hungFrom = proxy.requests.length;
      proxy.hangNextMatching(listing);
      const hung = await eventually("a poll waiting on Connect", async () => polls(hungFrom)[0]);
      const pid = await claimHolder();
      const [victim, survivor] = pid === one.pid ? [one, two] : [two, one];
      assert.equal(pid, victim.pid, "one of the two bots holds the claim while it polls");
      await bots.kill(victim);
      const killedAt = performance.now();
      // One interval and the lease, with 2 s for a loaded machine: never the minute the claim used to hold.
      const next = await eventually(
        "the other bot's first poll",
        async () => polls(hungFrom).find((request) => request !== hung),
        { timeoutMs: intervalMs + leaseMs + 2_000, intervalMs: 50 },
      );
      t.diagnostic(`kill to the other bot's first poll: ${Math.round(next.startedMs - killedAt)} ms`);
      assert.equal(
        await claimHolder().then((holder) => holder === undefined || holder === survivor.pid),
        true,
      );

      await sleep(3 * intervalMs);
      assert.ok(polls(hungFrom).length >= 3, "the other bot polls on, every interval");
      assert.equal(alertPosts(connector).length, 1, "the failed task is one alert across the handover");
    } finally {
      await bots.closeAll();
    }
  });

  test("a bot stopping gracefully mid-poll gives the claim up at once: the other bot polls next interval", async (t) => {
    const start = async () => {
      const app = createApp({
        config: loadConfig({ CONFIG_FILE: configPath, LOG_LEVEL: "silent" }, () => configFile(proxy.url)),
        keyPrefix,
      });
      apps.push(app);
      await app.alerts.start();
      return app;
    };
    const hungFrom = proxy.requests.length;
    proxy.hangNextMatching(listing);
    // The first bot alone: the poll that hangs is its own; the second starts while it waits on Connect.
    const stopping = await start();
    const hung = await eventually("a poll waiting on Connect", async () => polls(hungFrom)[0]);
    await start();
    const stoppingHolder = await redis.get(claimKey);
    assert.notEqual(stoppingHolder, null, "the first bot holds the claim while its poll waits");
    apps.splice(apps.indexOf(stopping), 1);
    const stoppingAt = performance.now();
    await stopping.close({ drainMs: 500 });
    assert.notEqual(
      await redis.get(claimKey),
      stoppingHolder,
      "the stopped bot's claim is released, not left to expire",
    );
    const next = await eventually(
      "the other bot's first poll",
      async () => polls(hungFrom).find((request) => request !== hung),
      { timeoutMs: intervalMs + 2_000, intervalMs: 50 },
    );
    t.diagnostic(
      `graceful stop (500 ms drain) to the other bot's first poll: ${Math.round(next.startedMs - stoppingAt)} ms`,
    );
  });
});
