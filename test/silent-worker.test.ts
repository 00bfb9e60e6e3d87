// needs: bed
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import {
  createSlackClient,
  type RunningSlackAdapter,
  startSlackAdapter,
} from "../src/slack/slack-adapter.js";
import { SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { SlackSimulator } from "./slack/slack-signer.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { testRedis } from "./support/redis-prefix.js";
import { testBed } from "./support/test-bed-env.js";

const botToken = "xoxb-test-token";
const signingSecret = "test-signing-secret";
const operator = "U0OPER";

describe("a Connect worker that takes connections but never answers", () => {
  const { prefix, cleanup } = testRedis("silent-worker");
  let standIn: SlackApiStandIn;
  let proxy: FaultProxy;
  let app: App;
  let slack: RunningSlackAdapter;
  let simulator: SlackSimulator;

  before(async () => {
    standIn = await SlackApiStandIn.start({ botToken });
    proxy = await FaultProxy.start(testBed().connectUrl);
    const config = loadConfig({
      CONNECT_URL: proxy.url,
      LOG_LEVEL: "silent",
      KAFKA_BROKERS: testBed().bootstrapServers,
      ROLE_OPERATORS: operator,
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: standIn.apiUrl,
    });
    app = createApp({ config, keyPrefix: prefix });
    const client = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    slack = await startSlackAdapter({
      app,
      client,
      slack: { botToken, signingSecret, apiUrl: standIn.apiUrl },
      port: 0,
    });
    simulator = new SlackSimulator(slack.url, signingSecret);
  });
  after(async () => {
    await slack.stop();
    await app.close();
    await proxy.close();
    await standIn.close();
    await cleanup();
  });

  test("the person hears within 10 s which cluster and URL, how long the bot waited and what to check", async () => {
    proxy.hangNext(20);
    const responseUrl = standIn.responseUrl();
    const started = performance.now();
    const sent = await simulator.slashCommand({ text: "status orders-sink", userId: operator, responseUrl });
    assert.equal(sent.status, 200);
    const answer = await standIn.waitForCall("response_url", (call) => call.url === responseUrl, 15_000);
    const heardAfterMs = performance.now() - started;
    assert.ok(heardAfterMs < 10_000, `heard after ${Math.round(heardAfterMs)} ms`);
    const text = String(answer.args.text);
    assert.match(text, /Connect on cluster default/);
    assert.match(text, new RegExp(`\\(${proxy.url.replaceAll(".", "\\.")}\\)`));
    assert.match(text, /took the connection but did not answer `GET \/connectors\/orders-sink\/status`/);
    assert.match(text, /the bot waited [5-9]\.\d s \((one attempt|\d attempts)\)/);
    assert.match(text, /Check that the worker is alive/);
    // Reads are retried, but only inside the deadline: at least one attempt, never one started after it.
    const attempts = proxy.requests.filter((request) => request.url === "/connectors/orders-sink/status");
    assert.ok(attempts.length >= 1 && attempts.length <= 4, `${attempts.length} attempts`);
    assert.ok(attempts.every((request) => request.startedMs - started < 9_000));
  });

  test("a command that calls a silent worker several times still answers within one deadline", async () => {
    // `pause` calls PUT …/pause, then polls the status: every call hangs, yet the whole command ends in time.
    proxy.hangNext(50);
    const started = performance.now();
    const reply = await app.dispatcher.dispatch({
      actor: { id: operator, name: "otto", source: "slack" },
      text: "pause orders-sink",
      requestId: "silent-pause",
    });
    const tookMs = performance.now() - started;
    assert.equal(reply.outcome, "failed");
    assert.match(reply.summary, /did not answer `PUT \/connectors\/orders-sink\/pause`/);
    assert.ok(tookMs < 10_000, `took ${Math.round(tookMs)} ms`);
  });
});
