// needs: bed
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { checkRedisDurability } from "../src/redis-durability.js";
import { renderText } from "../src/shell/render-text.js";
import type { RunningSlackAdapter } from "../src/slack/slack-adapter.js";
import { createSlackClient, startSlackAdapter } from "../src/slack/slack-adapter.js";
import { acknowledgeAction, restartAction, SlackAlertNotifier } from "../src/slack/slack-alerts.js";
import { type RecordedCall, SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { SlackSimulator } from "./slack/slack-signer.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { testRedis } from "./support/redis-prefix.js";
import {
  createTopicWithMessages,
  eventually,
  produce,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";
import { deleteTopics, inTransaction } from "./support/test-kafka.js";

const botToken = "xoxb-alerts-token";
const signingSecret = "alerts-signing-secret";
const alertsChannel = "C0ALERTS";
const stoppedChannel = "C0STOPPED";
const operator = { id: "U0OPER", name: "otto" };

/** Small windows so that a test sees a whole lifecycle in seconds; the rules are the production ones. */
const configFile = (connectUrl: string) => `
alerts:
  channel: ${alertsChannel}
  pollInterval: 1s
  repeatInterval: 1h
  thresholds: { lagMessages: 50, lagClearMessages: 10, sustain: 5s, stalled: 10m, fallingBehind: 10m, paused: 10m }
clusters:
  - name: main
    connect: { url: "${connectUrl}" }
    kafka: { brokers: ["${testBed().bootstrapServers}"] }
    roles: { operator: [${operator.id}] }
`;

const textOf = (call: RecordedCall) => `${String(call.args.text)} ${JSON.stringify(call.args.blocks ?? [])}`;

describe("alerts: polled on a schedule, posted once, kept up to date in Slack", () => {
  const { prefix, cleanup, redis } = testRedis("alerts");
  /** Deletes every key under the pattern in one command: a flush of this bot's data, as one atomic moment. */
  const deleteKeys = async (pattern: string) => {
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, found] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      keys.push(...found);
      cursor = next;
    } while (cursor !== "0");
    if (keys.length > 0) await redis.del(...keys);
  };
  const kafka = testKafka();
  let standIn: SlackApiStandIn;
  let dir: string;
  // Two bot instances on one Redis, as two replicas would run: every alert must still be posted once.
  let first: App;
  let second: App;
  let slack: RunningSlackAdapter;
  let simulator: SlackSimulator;

  const start = async (): Promise<App> => {
    const config = loadConfig(
      {
        CONFIG_FILE: "alerts.yaml",
        LOG_LEVEL: "silent",
        SLACK_BOT_TOKEN: botToken,
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_API_URL: standIn.apiUrl,
      },
      () => configFile(testBed().connectUrl),
    );
    const client = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    const app = createApp({
      config,
      keyPrefix: `${prefix}bot:`,
      alertNotifier: () => new SlackAlertNotifier(client),
    });
    await app.alerts.start();
    return app;
  };
  const connect = () => first.clusters[0]?.connect ?? assert.fail("no cluster");
  const postsAbout = (connector: string) =>
    standIn
      .callsOf("chat.postMessage")
      .filter((call) => call.args.channel === alertsChannel && call.args.thread_ts === undefined)
      .filter((call) => textOf(call).includes(connector));

  /** Every connector a test creates, deleted after the suite even when a test failed half-way. */
  const createdConnectors: string[] = [];

  async function runningSink(topic: string, file: string) {
    const connector = uniqueName("alert-sink");
    createdConnectors.push(connector);
    await connect().putConfig(connector, {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: topic,
      file,
    });
    return connector;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "alerts-"));
    standIn = await SlackApiStandIn.start({ botToken, users: [{ id: operator.id, name: operator.name }] });
    first = await start();
    second = await start();
    const client = createSlackClient({ botToken, apiUrl: standIn.apiUrl }, { retryConfig: { retries: 0 } });
    slack = await startSlackAdapter({ app: first, client, slack: { botToken, signingSecret }, port: 0 });
    simulator = new SlackSimulator(slack.url, signingSecret);
  });
  after(async () => {
    for (const connector of createdConnectors)
      await connect()
        .deleteConnector(connector)
        .catch(() => undefined);
    await slack.stop();
    await first.close();
    await second.close();
    await standIn.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("a stopped sink: lag high fires after the sustain window with the exact lag, grows in its thread, resolves after it catches up", async () => {
    const topic = uniqueName("alert-topic");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 5 });
    const connector = await runningSink(topic, join(dir, "lagging.txt"));
    await eventually("the sink to read everything", async () =>
      (await connect().offsets(connector)).offsets[0]?.offset?.kafka_offset === 5 ? true : undefined,
    );
    await connect().stop(connector);
    await eventually("STOPPED", async () =>
      (await connect().status(connector)).connector.state === "STOPPED" ? true : undefined,
    );
    const stoppedAt = Date.now();
    await produce(
      kafka,
      topic,
      Array.from({ length: 80 }, (_, i) => ({ value: `late-${i}`, partition: 0 })),
    );

    const fired = await standIn.waitForCall(
      "chat.postMessage",
      (call) =>
        call.args.channel === alertsChannel &&
        /lag high/.test(textOf(call)) &&
        textOf(call).includes(connector),
      30_000,
    );
    assert.ok(
      Date.now() - stoppedAt >= 5_000,
      `not before the sustain window: ${Date.now() - stoppedAt} ms ${textOf(fired)}`,
    );
    assert.match(textOf(fired), /lag 80 messages, \d+(\.\d)? (ms|s) behind/);
    assert.doesNotMatch(textOf(fired), /unexpectedly halted/, "the pause window (10m) has not passed");
    assert.ok(JSON.stringify(fired.args.blocks).includes(acknowledgeAction));
    // The thread opens with the lag drawn over the samples the alerts keep, as Slack accepted it.
    const chart = await standIn.waitForCall(
      "chat.postMessage",
      (call) =>
        call.args.thread_ts !== undefined &&
        JSON.stringify(call.args.blocks ?? []).includes("data_visualization") &&
        textOf(call).includes(connector),
    );
    assert.equal(chart.rejected, undefined);
    const drawn = (
      chart.args.blocks as {
        type: string;
        title?: string;
        chart?: { series: { data: { value: number }[] }[] };
      }[]
    ).filter((block) => block.type === "data_visualization");
    assert.match(drawn[0]?.title ?? "", /^Lag of /);
    assert.ok(
      drawn.length <= 2 && drawn.every((block) => (block.title ?? "").length <= 50),
      "Slack's limits",
    );
    assert.equal(
      drawn[0]?.chart?.series[0]?.data.at(-1)?.value,
      80,
      "the newest lag drawn is the one alerted on",
    );
    assert.match(
      String(chart.args.text),
      /lag: [\d,]+ at \d\d:\d\d UTC, 80 at \d\d:\d\d UTC/,
      "and said in words",
    );

    const lag = await first.dispatcher.dispatch({
      actor: { ...operator, source: "slack" },
      text: `lag ${connector}`,
      requestId: "lag-while-stopped",
    });
    // 80 unread, the oldest written seconds ago; 5 read messages stand between the sink and retention.
    assert.match(
      renderText(lag),
      new RegExp(`${topic} +0 +5 +85 +80 +\\d+(\\.\\d)? (ms|s) +5 message\\(s\\)`),
    );
    assert.match(renderText(lag), /trend: not known yet/, "a minute of samples is needed for a trend");
    assert.ok(
      lag.parts.some((part) => part.kind === "chart" && part.unit === "messages"),
      "lag draws the lag over the samples the alerts keep",
    );
    await produce(
      kafka,
      topic,
      Array.from({ length: 80 }, (_, i) => ({ value: `later-${i}`, partition: 0 })),
    );
    const grew = await standIn.waitForCall(
      "chat.postMessage",
      (call) => call.args.thread_ts !== undefined && /lag 160 messages/.test(textOf(call)),
      30_000,
    );
    const messageTs = String(grew.args.thread_ts);
    await standIn.waitForCall(
      "chat.update",
      (call) => call.args.ts === messageTs && /lag 160 messages/.test(textOf(call)),
    );

    await connect().resume(connector);
    const resolved = await standIn.waitForCall(
      "chat.update",
      (call) => call.args.ts === messageTs && /RESOLVED: lag high/.test(textOf(call)),
      60_000,
    );
    assert.ok(!JSON.stringify(resolved.args.blocks).includes(acknowledgeAction), "no buttons once resolved");
    await standIn.waitForCall(
      "chat.postMessage",
      (call) => call.args.thread_ts === messageTs && /lag high resolved after/.test(textOf(call)),
    );
    assert.equal(postsAbout(connector).length, 1, "two bot instances, one message");
    await connect().deleteConnector(connector);
  });

  test("a sink whose file cannot be written fails its task: the alert shows the trace, and Restart brings it back once the file is writable", async () => {
    const topic = uniqueName("alert-fail-topic");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 3 });
    const missing = join(dir, `not-yet-${topic}`);
    const connector = await runningSink(topic, join(missing, "out.txt"));
    const fired = await standIn.waitForCall(
      "chat.postMessage",
      (call) =>
        call.args.channel === alertsChannel &&
        /task failed/.test(textOf(call)) &&
        textOf(call).includes(connector),
      30_000,
    );
    assert.match(textOf(fired), /1 of 1 task FAILED \(task 0\)/);
    assert.match(textOf(fired), /task 0: .*Couldn't find or create file/);
    assert.ok(JSON.stringify(fired.args.blocks).includes(restartAction));

    const listed = await first.dispatcher.dispatch({
      actor: { ...operator, source: "slack" },
      text: "alerts",
      requestId: "alerts-list",
    });
    assert.match(JSON.stringify(listed.parts), new RegExp(`${connector}.*task failed`));

    const alertKey = `main/${connector}/task-failed`;
    const clickAs = (actionId: string) =>
      simulator.buttonClick({
        userId: operator.id,
        userName: operator.name,
        actionId,
        value: alertKey,
        channelId: alertsChannel,
        messageTs: "1764000000.000100",
        responseUrl: standIn.responseUrl(),
      });
    await clickAs(acknowledgeAction);
    const acknowledged = await standIn.waitForCall(
      "chat.update",
      (call) => textOf(call).includes(connector) && /acknowledged by otto/.test(textOf(call)),
    );
    assert.ok(
      !JSON.stringify(acknowledged.args.blocks).includes(acknowledgeAction),
      "Acknowledge is gone once used",
    );
    await clickAs("alert_snooze_1h");
    // The snooze's end in each reader's own time zone, UTC where the client cannot.
    await standIn.waitForCall(
      "chat.update",
      (call) =>
        textOf(call).includes(connector) &&
        /snoozed until <!date\^\d+\^\{date_short_pretty\} \{time\}\|\d\d:\d\d UTC>/.test(textOf(call)),
    );
    await standIn.waitForCall(
      "chat.postMessage",
      (call) => call.args.thread_ts !== undefined && /Snoozed by otto for 60 min/.test(textOf(call)),
    );

    await mkdir(missing);
    await clickAs(restartAction);
    await eventually("the task RUNNING again", async () =>
      (await connect().status(connector)).tasks[0]?.state === "RUNNING" ? true : undefined,
    );
    await standIn.waitForCall(
      "chat.postMessage",
      (call) => call.args.thread_ts !== undefined && /otto: .*restart/i.test(textOf(call)),
    );
    await standIn.waitForCall(
      "chat.update",
      (call) => textOf(call).includes(connector) && /RESOLVED: task failed/.test(textOf(call)),
      30_000,
    );
    assert.equal(postsAbout(connector).length, 1, "two bot instances, one message");
    const trail = await first.audit.query({ connector, limit: 20 });
    assert.ok(trail.some((entry) => entry.command === "restart" && entry.actorId === operator.id));
    await connect().deleteConnector(connector);
  });

  test("a sink whose task fails, is restarted and fails again five times is one alert: one message with its flap count, each return in its thread", async () => {
    const topic = uniqueName("alert-flap-task-topic");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 2 });
    const missing = join(dir, `flapping-${topic}`);
    const connector = await runningSink(topic, join(missing, "out.txt"));
    const isAbout = (call: RecordedCall) => textOf(call).includes(connector);
    let messageTs = "";
    await standIn.waitForCall(
      "chat.postMessage",
      (call) => isAbout(call) && /task failed/.test(textOf(call)),
      30_000,
    );
    for (let fired = 2; fired <= 5; fired++) {
      // Writable: the restarted task runs and the alert resolves; unwritable again: the next restart fails it.
      await mkdir(missing);
      await connect().restartTask(connector, 0);
      await standIn.waitForCall(
        "chat.update",
        (call) =>
          isAbout(call) &&
          /RESOLVED: task failed/.test(textOf(call)) &&
          (fired === 2 || new RegExp(`fired ${fired - 1} times`).test(textOf(call))),
        30_000,
      );
      await rm(missing, { recursive: true, force: true });
      await connect().restartTask(connector, 0);
      const back = await standIn.waitForCall(
        "chat.update",
        (call) =>
          isAbout(call) &&
          /FIRING: task failed/.test(textOf(call)) &&
          new RegExp(`flapping: fired ${fired} times`).test(textOf(call)),
        30_000,
      );
      messageTs = String(back.args.ts);
      await standIn.waitForCall(
        "chat.postMessage",
        (call) =>
          call.args.thread_ts === messageTs &&
          new RegExp(`task failed fired again, .* after it resolved \\(fired ${fired} times`).test(
            textOf(call),
          ),
      );
    }
    assert.equal(postsAbout(connector).length, 1, "five failures, one message");
    const returns = standIn
      .callsOf("chat.postMessage")
      .filter((call) => call.args.thread_ts !== undefined && /task failed fired again/.test(textOf(call)))
      .filter((call) => call.args.thread_ts === messageTs);
    assert.equal(returns.length, 4, "each return told once in the message's thread");
    await connect().deleteConnector(connector);
  });

  test("a failed task's trace quoting a password: the alert history and every alert key in Redis hold it redacted", async () => {
    const topic = uniqueName("alert-secret-topic");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 1 });
    // The worker quotes the file path in the trace: a path that reads like a credential is a credential in a trace.
    const secret = `s3cr3t-${topic}`;
    const connector = await runningSink(
      topic,
      join(dir, `missing-${topic}`, `password=${secret}`, "out.txt"),
    );
    await standIn.waitForCall(
      "chat.postMessage",
      (call) => textOf(call).includes(connector) && /task failed/.test(textOf(call)),
      30_000,
    );
    const trace = (await connect().status(connector)).tasks[0]?.trace ?? "";
    assert.ok(trace.includes(secret), "Connect's trace quotes it");
    const history = await first.alerts.history("main", connector);
    assert.ok(history.some((sample) => sample.tasks.some((task) => task.trace?.includes("password=••••••"))));
    const stored: string[] = [];
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === "string") stored.push((await redis.get(key)) ?? "");
        if (type === "hash") stored.push(JSON.stringify(await redis.hgetall(key)));
        if (type === "list") stored.push(JSON.stringify(await redis.lrange(key, 0, -1)));
        if (type === "zset") stored.push(JSON.stringify(await redis.zrange(key, "0", "-1")));
        if (type === "stream") stored.push(JSON.stringify(await redis.xrange(key, "-", "+")));
      }
    } while (cursor !== "0");
    assert.ok(stored.join("\n").includes(connector), "the scan sees the alert's keys");
    assert.ok(!stored.join("\n").includes(secret), "the password is nowhere in Redis in clear");
    await connect().deleteConnector(connector);
  });

  test('a connector whose name holds a quote and a space (orders"v2 …): Restart acts on exactly that connector', async () => {
    const topic = uniqueName("alert-quote-topic");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 1 });
    const missing = join(dir, `not-yet-${topic}`);
    // Connect accepts any name without a `/`; the button must carry this one whole, quote and space included.
    const connector = uniqueName('orders"v2 sink');
    createdConnectors.push(connector);
    await connect().putConfig(connector, {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: topic,
      file: join(missing, "out.txt"),
    });
    await standIn.waitForCall(
      "chat.postMessage",
      (call) =>
        call.args.channel === alertsChannel &&
        /task failed/.test(textOf(call)) &&
        textOf(call).includes(connector),
      30_000,
    );
    await mkdir(missing);
    await simulator.buttonClick({
      userId: operator.id,
      userName: operator.name,
      actionId: restartAction,
      value: `main/${connector}/task-failed`,
      channelId: alertsChannel,
      messageTs: "1764000000.000200",
      responseUrl: standIn.responseUrl(),
    });
    await eventually("the quoted connector's task RUNNING again", async () =>
      (await connect().status(connector)).tasks[0]?.state === "RUNNING" ? true : undefined,
    );
    const restarts = (await first.audit.query({ connector, limit: 20 })).filter(
      (entry) => entry.command === "restart",
    );
    assert.equal(restarts.length, 1, "the restart is audited against the exact name");
    assert.equal(restarts[0]?.outcome, "succeeded");
    assert.equal(restarts[0]?.connector, connector);
    await connect().deleteConnector(connector);
  });

  test("lag flapping around the threshold: no fire while it never stays high, and once fired no resolve until under the clear level", async () => {
    const topic = uniqueName("alert-flap-topic");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 100 });
    const connector = await runningSink(topic, join(dir, "flapping.txt"));
    await eventually("the sink to read everything", async () =>
      (await connect().offsets(connector)).offsets[0]?.offset?.kafka_offset === 100 ? true : undefined,
    );
    await connect().stop(connector);
    await eventually("STOPPED", async () =>
      (await connect().status(connector)).connector.state === "STOPPED" ? true : undefined,
    );
    // Lag is log end (100) minus the committed offset: 45 is under the threshold (50), 55 over it.
    const lagOf = async (lag: number) => {
      await connect().alterOffsets(connector, [
        { partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 100 - lag } },
      ]);
    };
    const flap = async (rounds: number) => {
      for (let i = 0; i < rounds; i++) {
        await lagOf(i % 2 === 0 ? 55 : 45);
        await sleep(1_000);
      }
    };
    const fired = () => postsAbout(connector).filter((call) => /FIRING: lag high/.test(textOf(call)));
    const resolved = () =>
      standIn
        .callsOf("chat.update")
        .filter((call) => textOf(call).includes(connector) && /RESOLVED/.test(textOf(call)));

    await flap(8);
    assert.equal(fired().length, 0, "high for a second or two at a time never covers the 5 s sustain window");

    await lagOf(55);
    await standIn.waitForCall(
      "chat.postMessage",
      (call) => textOf(call).includes(connector) && /FIRING: lag high/.test(textOf(call)),
      30_000,
    );
    await flap(8);
    assert.equal(fired().length, 1, "one message");
    assert.equal(resolved().length, 0, "45 is above the clear level (10): no resolve, no fire again");
    await connect().deleteConnector(connector);
  });

  test("Connect unreachable for two polls in a row is one alert for the cluster, resolved when it answers again", async () => {
    const proxy = await FaultProxy.start(testBed().connectUrl);
    const config = loadConfig(
      {
        CONFIG_FILE: "alerts.yaml",
        LOG_LEVEL: "silent",
        SLACK_BOT_TOKEN: botToken,
        SLACK_API_URL: standIn.apiUrl,
      },
      () => configFile(proxy.url).replace("name: main", "name: behind-proxy"),
    );
    const client = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    const watched = createApp({
      config,
      keyPrefix: `${prefix}proxy:`,
      alertNotifier: () => new SlackAlertNotifier(client),
    });
    try {
      proxy.setDown(true);
      await watched.alerts.start();
      const fired = await standIn.waitForCall(
        "chat.postMessage",
        (call) => /FIRING: Connect unreachable, cluster behind-proxy/.test(textOf(call)),
        60_000,
      );
      proxy.setDown(false);
      await standIn.waitForCall(
        "chat.update",
        (call) =>
          call.args.ts !== undefined &&
          /RESOLVED: Connect unreachable, cluster behind-proxy/.test(textOf(call)),
        60_000,
      );
      await standIn.waitForCall(
        "chat.postMessage",
        (call) => call.args.thread_ts !== undefined && /Connect answers again/.test(textOf(call)),
      );
      assert.equal(
        standIn
          .callsOf("chat.postMessage")
          // Only this cluster's: under load, the other bots' two slow polls of the shared bed are news too.
          .filter((call) => /FIRING: Connect unreachable, cluster behind-proxy/.test(textOf(call))).length,
        1,
        `posted once: ${String(fired.args.text)}`,
      );
    } finally {
      await watched.close();
      await proxy.close();
    }
  });

  async function stoppedSinkThatRead(topic: string, count: number, file: string) {
    const connector = await runningSink(topic, file);
    await eventually(`${connector} to read ${count} messages`, async () =>
      (await connect().offsets(connector)).offsets[0]?.offset?.kafka_offset === count ? true : undefined,
    );
    await connect().stop(connector);
    await eventually("STOPPED", async () =>
      (await connect().status(connector)).connector.state === "STOPPED" ? true : undefined,
    );
    return connector;
  }

  /** The connector a FIRING post is about (the stand-in does not record the ts it answered with). */
  const connectorOf = (call: RecordedCall) => /FIRING: [a-z ]+, (\S+) on main/.exec(textOf(call))?.[1] ?? "?";

  /** Waits until a poll recorded lag for the connector that passes `check`, and returns that sample. */
  const polledLag = (connector: string, check: (lag: number) => boolean) =>
    eventually(`a poll to record the lag of ${connector}`, async () => {
      const newest = (await first.alerts.history("main", connector)).at(-1);
      const partitions = newest?.partitions;
      if (partitions === undefined || partitions.length === 0) return undefined;
      const lag = partitions.reduce((sum, p) => sum + (p.lag ?? p.logEnd - (p.committed ?? p.logStart)), 0);
      return check(lag) ? newest : undefined;
    });

  test("one deleted topic blinds nothing: of two stopped sinks, the one whose topic was deleted is marked gone; the other's lag alert fires and resolves", async () => {
    const [kept, deleted] = [uniqueName("alert-kept"), uniqueName("alert-deleted")];
    await createTopicWithMessages(kafka, kept, { partitions: 1, count: 5 });
    await createTopicWithMessages(kafka, deleted, { partitions: 1, count: 5 });
    const watched = await stoppedSinkThatRead(kept, 5, join(dir, "kept.txt"));
    const orphaned = await stoppedSinkThatRead(deleted, 5, join(dir, "deleted.txt"));
    // The long-lived readers of both bot instances have read both topics before one goes.
    await sleep(2_500);
    await polledLag(orphaned, (lag) => lag === 0);
    await deleteTopics(kafka, [deleted]);
    await produce(
      kafka,
      kept,
      Array.from({ length: 80 }, (_, i) => ({ value: `late-${i}`, partition: 0 })),
    );

    const fired = await standIn.waitForCall(
      "chat.postMessage",
      (call) => /FIRING: lag high/.test(textOf(call)) && textOf(call).includes(watched),
      30_000,
    );
    assert.match(textOf(fired), /lag 80 messages/);
    const all = renderText(
      await first.dispatcher.dispatch({
        actor: { ...operator, source: "slack" },
        text: "lag",
        requestId: "lag-after-delete",
      }),
    );
    assert.match(all, new RegExp(`${watched} +STOPPED +1 +80\\b`));
    assert.match(all, new RegExp(`${orphaned} +STOPPED +0 +0 \\(${deleted} gone\\)`));
    const one = renderText(
      await first.dispatcher.dispatch({
        actor: { ...operator, source: "slack" },
        text: `lag ${orphaned}`,
        requestId: "lag-of-orphan",
      }),
    );
    assert.match(one, new RegExp(`Not counted: ${deleted} \\(gone: topic deleted\\)`));

    await connect().resume(watched);
    await standIn.waitForCall(
      "chat.update",
      (call) => textOf(call).includes(connectorOf(fired)) && /RESOLVED: lag high/.test(textOf(call)),
      60_000,
    );
    await connect().deleteConnector(watched);
    await connect().deleteConnector(orphaned);
  });

  test("nothing committed yet with auto.offset.reset=latest: lag 0, not the 500 old messages, and no lag alert", async () => {
    const topic = uniqueName("alert-latest");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 500 });
    const connector = uniqueName("alert-latest-sink");
    createdConnectors.push(connector);
    // Created, then stopped at once (every version; `initial_state` needs 3.7): with `latest` and nothing new to
    // read, the sink's position never moves, so its group never commits.
    await connect().putConfig(connector, {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: topic,
      file: join(dir, "latest.txt"),
      "consumer.override.auto.offset.reset": "latest",
    });
    await connect().stop(connector);
    await eventually("STOPPED", async () =>
      (await connect().status(connector)).connector.state === "STOPPED" ? true : undefined,
    );
    const sample = await polledLag(connector, () => true);
    assert.deepEqual(
      sample.partitions?.map((p) => [p.committed, p.logEnd, p.lag]),
      [[null, 500, 0]],
    );
    await sleep(7_000); // past the 5 s sustain window
    assert.deepEqual(
      postsAbout(connector).map((call) => String(call.args.text)),
      [],
      "no lag high, no stalled",
    );
    await connect().deleteConnector(connector);
  });

  test("a sink that read a committed transaction: lag 0, and no stalled alert for the marker it can never read", async () => {
    const config = loadConfig(
      {
        CONFIG_FILE: "alerts.yaml",
        LOG_LEVEL: "silent",
        SLACK_BOT_TOKEN: botToken,
        SLACK_API_URL: standIn.apiUrl,
      },
      () =>
        configFile(testBed().connectUrl)
          .replace("name: main", "name: txn-bot")
          .replace("stalled: 10m", "stalled: 3s")
          .replace(`channel: ${alertsChannel}`, "channel: C0TXN"),
    );
    const client = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    const watching = createApp({
      config,
      keyPrefix: `${prefix}txn:`,
      alertNotifier: () => new SlackAlertNotifier(client),
    });
    const topic = uniqueName("alert-txn");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 0 });
    await inTransaction(
      kafka,
      topic,
      [
        { value: "t0", partition: 0 },
        { value: "t1", partition: 0 },
      ],
      "commit",
      uniqueName("alert-txn"),
    );
    const connector = await runningSink(topic, join(dir, "txn.txt"));
    try {
      // Records 0 and 1, the commit marker at 2: the sink commits 2 and the log ends at 3, for ever.
      await eventually("the sink to read the transaction", async () =>
        (await connect().offsets(connector)).offsets[0]?.offset?.kafka_offset === 2 ? true : undefined,
      );
      await watching.alerts.start();
      // Polls covering well past the 3 s stalled window (a cold first poll of the shared bed can take a while).
      const samples = await eventually(
        "polls covering 6 s",
        async () => {
          const polled = await watching.alerts.history("txn-bot", connector);
          const span = (polled.at(-1)?.at ?? 0) - (polled[0]?.at ?? 0);
          return polled.length >= 4 && span >= 6_000 ? polled : undefined;
        },
        { timeoutMs: 90_000 },
      );
      assert.deepEqual(
        samples.at(-1)?.partitions?.map((p) => [p.committed, p.logEnd, p.lag]),
        [[2, 3, 0]],
      );
      assert.deepEqual(
        postsAbout(connector).map((call) => String(call.args.text)),
        [],
        "no stalled alert",
      );
    } finally {
      await watching.close();
      await connect().deleteConnector(connector);
    }
  });

  test("Redis loses the bot's keys while it polls: polling resumes by itself and the firing alert still resolves, in its own message", async () => {
    const topic = uniqueName("alert-flush");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 5 });
    const connector = await stoppedSinkThatRead(topic, 5, join(dir, "flushed.txt"));
    await produce(
      kafka,
      topic,
      Array.from({ length: 80 }, (_, i) => ({ value: `late-${i}`, partition: 0 })),
    );
    const fired = await standIn.waitForCall(
      "chat.postMessage",
      (call) => /FIRING: lag high/.test(textOf(call)) && textOf(call).includes(connector),
      30_000,
    );
    assert.ok(
      (await redis.keys(`${prefix}bot:*bull:alerts:repeat*`)).length > 0,
      "the poll schedule is in Redis",
    );
    const flushedAt = Date.now();
    await deleteKeys(`${prefix}bot:*`);
    // A poll under way when the keys went may still finish; polling resumed means several polls after it.
    const resumed = await eventually(
      "three polls after the flush",
      async () => {
        const samples = await first.alerts.history("main", connector);
        return samples.filter((sample) => sample.at > flushedAt).length >= 3
          ? Date.now() - flushedAt
          : undefined;
      },
      { timeoutMs: 30_000 },
    );
    assert.ok(resumed < 15_000, `three polls within ${resumed} ms of the flush`);
    assert.ok((first.alerts.pollFreshness().lastPollAt ?? 0) > flushedAt, "readiness sees the polls");

    await connect().resume(connector);
    await standIn.waitForCall(
      "chat.update",
      (call) => textOf(call).includes(connectorOf(fired)) && /RESOLVED: lag high/.test(textOf(call)),
      60_000,
    );
    assert.equal(
      postsAbout(connector).filter((call) => /FIRING: lag high/.test(textOf(call))).length,
      1,
      "not posted again after the flush",
    );
    await connect().deleteConnector(connector);
  });

  test("no poll completes for three intervals and a minute: an error log line, readiness false, one 'alerting has stopped' message, resolved when polls run again", async () => {
    const logs: string[] = [];
    const config = loadConfig(
      {
        CONFIG_FILE: "alerts.yaml",
        LOG_LEVEL: "info",
        SLACK_BOT_TOKEN: botToken,
        SLACK_API_URL: standIn.apiUrl,
      },
      () =>
        configFile(testBed().connectUrl)
          .replace("name: main", "name: watched-bot")
          .replace(`channel: ${alertsChannel}`, `channel: ${stoppedChannel}`),
    );
    const client = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    const keyPrefix = `${prefix}stopped:`;
    const watchedBot = createApp({
      config,
      keyPrefix,
      logger: pino({ level: "info" }, { write: (line: string) => void logs.push(line) }),
      alertNotifier: () => new SlackAlertNotifier(client),
    });
    const queue = new Queue("alerts", { connection: redis, prefix: `${keyPrefix}bull` });
    try {
      assert.equal(watchedBot.alerts.pollFreshness().watching, false);
      await watchedBot.alerts.start();
      await eventually("a first poll", async () => watchedBot.alerts.pollFreshness().lastPollAt);
      // The queue paused: jobs wait, no poll runs, as when the worker is wedged or Redis refuses it.
      await queue.pause();
      const stopped = await standIn.waitForCall(
        "chat.postMessage",
        (call) =>
          call.args.channel === stoppedChannel &&
          /FIRING: alerting has stopped, every cluster/.test(textOf(call)),
        // The rule readiness uses too: three 1 s intervals and a minute, and the watchdog's next tick.
        90_000,
      );
      assert.match(textOf(stopped), /no alert poll has completed for \d+ min \(polls every 1(\.0)? s\)/);
      assert.equal(watchedBot.alerts.pollFreshness().fresh, false);
      assert.ok(
        logs.some((line) => line.includes('"level":50') && line.includes("alerting has stopped")),
        "an error log line",
      );
      await queue.resume();
      await standIn.waitForCall(
        "chat.update",
        (call) =>
          call.args.channel === stoppedChannel &&
          /RESOLVED: alerting has stopped, every cluster/.test(textOf(call)),
        30_000,
      );
      assert.equal(watchedBot.alerts.pollFreshness().fresh, true);
      // Only this bot's channel is asserted: with 1 s polls, the other bots' cold first poll over the shared test
      // bed can outlast three intervals and a minute, and saying so is the rule.
      const notices = standIn
        .callsOf("chat.postMessage")
        .filter((call) => call.args.channel === stoppedChannel && /alerting has stopped/.test(textOf(call)));
      assert.equal(notices.length, 1, "one message");
      assert.ok(
        !textOf(stopped).includes(acknowledgeAction),
        "no buttons: there is nothing to snooze or acknowledge",
      );
    } finally {
      await queue.close();
      await watchedBot.close();
    }
  });

  test("Redis is checked at start: noeviction and persistence, or a clear note that the check was skipped", async () => {
    const found = await checkRedisDurability(redis);
    assert.equal(found.checked, true);
    // The shared test Redis runs without persistence (--save "" --appendonly no) and with noeviction.
    assert.deepEqual(
      found.warnings.map((warning) => warning.slice(0, 35)),
      ["Redis persistence is off (appendonl"],
    );
    const user = uniqueName("no-config").replace(/-/g, "_");
    await redis.call("ACL", "SETUSER", user, "on", ">secret-pass", "~*", "&*", "+@all", "-config");
    const managed = new Redis({ host: "127.0.0.1", port: 6379, username: user, password: "secret-pass" });
    try {
      const skipped = await checkRedisDurability(managed);
      assert.equal(skipped.checked, false);
      assert.match(skipped.warnings[0] ?? "", /^Redis durability check skipped: CONFIG GET was refused/);
    } finally {
      managed.disconnect();
      await redis.call("ACL", "DELUSER", user);
    }
  });

  test("snooze and silence are refused with bad input and change nothing", async () => {
    const run = (text: string) =>
      first.dispatcher.dispatch({ actor: { ...operator, source: "slack" }, text, requestId: `a-${text}` });
    assert.match((await run("alerts snooze some-sink soon")).summary, /<duration>: "soon" is not a duration/);
    assert.match((await run("alerts snooze some-sink 30d")).summary, /at most 7d/);
    assert.match((await run('alerts silence "orders-*" 2h')).summary, /--reason/);
    assert.match((await run("alerts unsnooze some-sink")).summary, /is not snoozed/);
    // A pattern that matches no connector silences nothing and is refused.
    assert.match(
      (await run(`alerts silence "${uniqueName("nothing")}-*" 2h --reason "planned migration"`)).summary,
      /matches no connector/,
    );
    assert.equal((await first.alerts.silences()).length, 0);
    const connector = await runningSink(uniqueName("alert-topic"), join(dir, "silenced.txt"));
    const silenced = await run(`alerts silence "${connector}*" 2h --reason "planned migration"`);
    assert.equal(silenced.outcome, "succeeded", silenced.summary);
    assert.deepEqual(
      (await first.alerts.silences()).map((silence) => silence.pattern),
      [`${connector}*`],
    );
    await connect().deleteConnector(connector);
  });
});
