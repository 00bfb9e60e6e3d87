// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { createSlackClient } from "../src/slack/slack-adapter.js";
import { SlackAlertNotifier } from "../src/slack/slack-alerts.js";
import { type RecordedCall, SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { testRedis } from "./support/redis-prefix.js";
import {
  createTopicWithMessages,
  eventually,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";

const botToken = "xoxb-offsets-moved";
const channel = "C0MOVED";
const operator = { id: "U0MOVER", name: "mo", source: "slack" };

const configFile = (connectUrl: string) => `
alerts:
  channel: C0ELSEWHERE
  pollInterval: 1s
  thresholds: { sustain: 10m, stalled: 10m, fallingBehind: 10m, paused: 10m }
  routes:
    - { connector: "moved-*", channel: ${channel} }
clusters:
  - name: main
    connect: { url: "${connectUrl}" }
    kafka: { brokers: ["${testBed().bootstrapServers}"] }
    roles: { operator: [${operator.id}] }
    approvals: { required: [] }
`;

const textOf = (call: RecordedCall) => `${String(call.args.text)} ${JSON.stringify(call.args.blocks ?? [])}`;

describe("offsets that moved and nobody approved it", () => {
  const { prefix, cleanup } = testRedis("offsets-moved");
  const kafka = testKafka();
  let standIn: SlackApiStandIn;
  let app: App;
  let dir: string;
  const created: string[] = [];
  const connect = () => app.clusters[0]?.connect ?? assert.fail("no cluster");
  const alertsAbout = (connector: string) =>
    standIn
      .callsOf("chat.postMessage")
      .filter((call) => call.args.channel === channel && textOf(call).includes(connector))
      .map(textOf);

  /** A sink that read its topic's 5 messages, then STOPPED. */
  async function stoppedSink(): Promise<{ name: string; topic: string }> {
    const topic = uniqueName("moved-topic");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 5 });
    const name = uniqueName("moved-sink");
    created.push(name);
    await connect().putConfig(name, {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: topic,
      file: join(dir, `${name}.txt`),
    });
    await eventually("read everything", async () =>
      (await connect().offsets(name)).offsets[0]?.offset?.kafka_offset === 5 ? true : undefined,
    );
    await connect().stop(name);
    await eventually("STOPPED", async () =>
      (await connect().status(name)).connector.state === "STOPPED" ? true : undefined,
    );
    // A few polls see it committed at 5, stopped.
    await sleep(3_000);
    return { name, topic };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "offsets-moved-"));
    standIn = await SlackApiStandIn.start({ botToken, users: [{ id: operator.id, name: operator.name }] });
    const config = loadConfig(
      {
        CONFIG_FILE: "bot.yaml",
        LOG_LEVEL: "silent",
        SLACK_BOT_TOKEN: botToken,
        SLACK_API_URL: standIn.apiUrl,
      },
      () => configFile(testBed().connectUrl),
    );
    const client = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    app = createApp({
      config,
      keyPrefix: `${prefix}bot:`,
      alertNotifier: () => new SlackAlertNotifier(client),
    });
    await app.approvals.startWorker();
    await app.alerts.start();
  });
  after(async () => {
    for (const name of created)
      await connect()
        .deleteConnector(name)
        .catch(() => undefined);
    await app.close();
    await standIn.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("a rewind done behind the bot's back is an alert naming the partition and how far", async () => {
    const { name, topic } = await stoppedSink();
    // Someone else's change, straight to Connect: no request of the bot's.
    await connect().alterOffsets(name, [
      { partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 1 } },
    ]);
    const fired = await standIn.waitForCall(
      "chat.postMessage",
      (call) =>
        call.args.channel === channel &&
        /offsets moved unapproved/.test(textOf(call)) &&
        textOf(call).includes(name),
      30_000,
    );
    assert.match(
      textOf(fired),
      new RegExp(`${name}: offsets on ${topic}:0 moved back 4, no approved request did this`),
    );
    assert.match(textOf(fired), /committed 5 → 1 \(read again\)/);
  });

  test("the bot's own approved reset moves the same offsets and stays quiet", async () => {
    const { name } = await stoppedSink();
    const answer = await app.dispatcher.dispatch({
      actor: operator,
      text: `offsets reset ${name} --to-earliest --reason "replay for the test"`,
      requestId: "moved-own-reset",
    });
    assert.equal(answer.outcome, "succeeded", answer.summary);
    await eventually("the reset ran", async () =>
      (await connect().offsets(name)).offsets[0]?.offset?.kafka_offset === 0 ? true : undefined,
    );
    await sleep(5_000);
    assert.deepEqual(
      alertsAbout(name).filter((text) => /offsets moved unapproved/.test(text)),
      [],
      "no alert for the bot's own change",
    );
  });
});
