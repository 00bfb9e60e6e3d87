import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
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

const botToken = "xoxb-alerts-token";
const signingSecret = "alerts-signing-secret";
const alertsChannel = "C0ALERTS";
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
  const { prefix, cleanup } = testRedis("alerts");
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

  async function runningSink(topic: string, file: string) {
    const connector = uniqueName("alert-sink");
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
    await standIn.waitForCall(
      "chat.update",
      (call) => textOf(call).includes(connector) && /snoozed until \d\d:\d\d UTC/.test(textOf(call)),
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
        standIn.callsOf("chat.postMessage").filter((call) => /FIRING: Connect unreachable/.test(textOf(call)))
          .length,
        1,
        `posted once: ${String(fired.args.text)}`,
      );
    } finally {
      await watched.close();
      await proxy.close();
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
