// needs: bed
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { reply } from "../src/core/reply.js";
import { renderBlocks } from "../src/slack/block-kit.js";
import {
  auditChannelMirror,
  createSlackClient,
  type RunningSlackAdapter,
  SlackUserGroups,
  startSlackAdapter,
} from "../src/slack/slack-adapter.js";
import { SlackOutbox } from "../src/slack/slack-outbox.js";
import { type RecordedCall, SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { SlackSimulator, signSlackRequest } from "./slack/slack-signer.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { testRedis } from "./support/redis-prefix.js";
import { eventually, testBed, uniqueName } from "./support/test-bed-env.js";

const botToken = "xoxb-test-token";
const signingSecret = "test-signing-secret";
const appToken = "xapp-test-app-token";
const operator = "U0OPER";
const groupMember = "U0INGROUP";
const stranger = "U0STRANGER";

interface Running {
  app: App;
  slack: RunningSlackAdapter;
  simulator: SlackSimulator;
}

describe("/connect through Slack's protocol", () => {
  const { prefix, cleanup, redis } = testRedis("slack");
  let standIn: SlackApiStandIn;
  let proxy: FaultProxy;
  let bot: Running;
  const connector = uniqueName("slack-sink");
  const logLines: string[] = [];

  const start = async (connectUrl: string, keyPrefix: string): Promise<Running> => {
    const config = loadConfig({
      CONNECT_URL: connectUrl,
      LOG_LEVEL: "silent",
      KAFKA_BROKERS: testBed().bootstrapServers,
      ROLE_OPERATORS: `${operator},S0ONCALL`,
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: standIn.apiUrl,
    });
    const client = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    const app = createApp({
      config,
      keyPrefix,
      logger: pino({ level: "warn" }, { write: (line: string) => void logLines.push(line) }),
      userGroups: new SlackUserGroups(client),
      mirrorAudit: auditChannelMirror(client, "C0AUDIT"),
    });
    const slack = await startSlackAdapter({
      app,
      client,
      slack: { botToken, signingSecret, apiUrl: standIn.apiUrl },
      port: 0,
    });
    return { app, slack, simulator: new SlackSimulator(slack.url, signingSecret) };
  };
  const answerTo = async (responseUrl: string): Promise<RecordedCall> =>
    standIn.waitForCall("response_url", (call) => call.url === responseUrl);

  before(async () => {
    standIn = await SlackApiStandIn.start({ botToken, appToken, userGroups: { S0ONCALL: [groupMember] } });
    proxy = await FaultProxy.start(testBed().connectUrl);
    bot = await start(proxy.url, `${prefix}main:`);
    await bot.app.clusters[0]?.connect.putConfig(connector, {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: uniqueName("slack-topic"),
      file: "/tmp/connect-ops-slack-test.txt",
    });
    await eventually("the connector running", async () =>
      (await bot.app.clusters[0]?.connect.status(connector))?.connector.state === "RUNNING"
        ? true
        : undefined,
    );
  });
  after(async () => {
    await bot.app.clusters[0]?.connect.deleteConnector(connector).catch(() => undefined);
    await bot.slack.stop();
    await bot.app.close();
    await proxy.close();
    await standIn.close();
    await cleanup();
  });

  test("a slash command is acknowledged at once and answered through its response_url", async () => {
    const responseUrl = standIn.responseUrl();
    const sent = await bot.simulator.slashCommand({
      text: `status ${connector}`,
      userId: operator,
      responseUrl,
    });
    assert.equal(sent.status, 200);
    const answer = await answerTo(responseUrl);
    assert.equal(answer.args.response_type, "ephemeral");
    assert.match(JSON.stringify(answer.args.blocks), new RegExp(`${connector} on default: RUNNING`));
  });

  test("Socket Mode: a command arrives over the socket, is acknowledged at once and answered the same way", async () => {
    const config = loadConfig({
      CONNECT_URL: testBed().connectUrl,
      LOG_LEVEL: "silent",
      KAFKA_BROKERS: testBed().bootstrapServers,
      ROLE_OPERATORS: operator,
      SLACK_BOT_TOKEN: botToken,
      SLACK_APP_TOKEN: appToken,
      SLACK_API_URL: standIn.apiUrl,
    });
    const client = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    const app = createApp({ config, keyPrefix: `${prefix}socket:` });
    const socket = await startSlackAdapter({
      app,
      client,
      slack: { botToken, signingSecret: "", appToken, apiUrl: standIn.apiUrl },
      port: 0,
    });
    try {
      assert.equal(socket.url, "socket-mode");
      assert.ok(standIn.socketConnected);
      const responseUrl = standIn.responseUrl();
      await standIn.deliverOverSocket("slash_commands", {
        team_id: "T0TEAM",
        channel_id: "C0OPS",
        user_id: operator,
        user_name: "otto",
        command: "/connect",
        text: `status ${connector}`,
        api_app_id: "A0APP",
        response_url: responseUrl,
        trigger_id: "socket-trigger-1",
      });
      const answer = await answerTo(responseUrl);
      assert.match(JSON.stringify(answer.args.blocks), new RegExp(`${connector} on default: RUNNING`));
    } finally {
      await socket.stop();
      await app.close();
    }
  });

  test("a change is answered in the channel; a user in an operator user group may make it", async () => {
    const responseUrl = standIn.responseUrl();
    await bot.simulator.slashCommand({ text: `pause ${connector}`, userId: groupMember, responseUrl });
    const answer = await answerTo(responseUrl);
    assert.equal(answer.args.response_type, "in_channel");
    assert.match(String(answer.args.text), /is PAUSED/);
    await bot.app.clusters[0]?.connect.resume(connector);
  });

  test("permissions follow the signed user id, never the user name", async () => {
    const responseUrl = standIn.responseUrl();
    const before = proxy.requests.length;
    await bot.simulator.slashCommand({
      text: `pause ${connector}`,
      userId: stranger,
      userName: operator.toLowerCase(),
      responseUrl,
    });
    const answer = await answerTo(responseUrl);
    assert.match(String(answer.args.text), /needs the operator role/);
    assert.equal(proxy.requests.filter((r, i) => i >= before && r.method !== "GET").length, 0);
  });

  test("bad signature, stale or future timestamp, missing headers: 401 and nothing runs", async () => {
    const responseUrl = standIn.responseUrl();
    const body = new URLSearchParams({
      command: "/connect",
      text: `pause ${connector}`,
      user_id: operator,
      response_url: responseUrl,
      trigger_id: "t-bad",
    }).toString();
    const now = Math.floor(Date.now() / 1000);
    const attempts = [
      signSlackRequest("wrong-secret", body),
      signSlackRequest(signingSecret, body, now - 6 * 60),
      signSlackRequest(signingSecret, body, now + 6 * 60),
      { "content-type": "application/x-www-form-urlencoded" },
    ];
    for (const headers of attempts) {
      const sent = await bot.simulator.raw(body, headers);
      assert.equal(sent.status, 401, JSON.stringify(headers));
    }
    await new Promise((done) => setTimeout(done, 300));
    assert.equal(standIn.calls.filter((c) => c.url === responseUrl).length, 0);
  });

  test("a retried request (same trigger id) runs once", async () => {
    const responseUrl = standIn.responseUrl();
    const triggerId = uniqueName("trigger");
    const before = (await bot.app.audit.query({ limit: 200 })).length;
    await bot.simulator.slashCommand({ text: "whoami", userId: operator, responseUrl, triggerId });
    await bot.simulator.slashCommand({
      text: "whoami",
      userId: operator,
      responseUrl,
      triggerId,
      retryNum: 1,
    });
    await answerTo(responseUrl);
    await new Promise((done) => setTimeout(done, 500));
    assert.equal(standIn.calls.filter((c) => c.url === responseUrl).length, 1);
    assert.equal((await bot.app.audit.query({ limit: 200 })).length, before + 1);
  });

  test("user text is escaped: a connector name cannot mention the channel or make a link", async () => {
    const responseUrl = standIn.responseUrl();
    await bot.simulator.slashCommand({
      text: 'status "<!channel> <mailto:a@evil.example|click> &"',
      userId: operator,
      responseUrl,
    });
    const answer = await answerTo(responseUrl);
    const sentText = JSON.stringify([answer.args.text, answer.args.blocks]);
    assert.doesNotMatch(sentText, /<!channel>|<mailto/);
    assert.match(sentText, /&lt;!channel&gt;/);
  });

  test("a slash command is acknowledged within 3 s even when Connect does not answer", async () => {
    const hanging = await FaultProxy.start(testBed().connectUrl);
    hanging.hangNext(50);
    const slow = await start(hanging.url, `${prefix}slow:`);
    try {
      const sent = await slow.simulator.slashCommand({
        text: "list",
        userId: operator,
        responseUrl: standIn.responseUrl(),
      });
      assert.equal(sent.status, 200);
      assert.ok(sent.elapsedMs < 3000, `acknowledged after ${Math.round(sent.elapsedMs)} ms`);
    } finally {
      await slow.slack.stop();
      await slow.app.close();
      await hanging.close();
    }
  });

  test("a long reply fits Slack's limits: at most 50 blocks, each within its size, with a count of what was cut", async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => [
      `connector-${i}`,
      "sink",
      "RUNNING",
      // Too many characters for a data table (Slack caps a table's cells): written as text, and cut.
      "x".repeat(200),
    ]);
    const blocks = renderBlocks(
      reply("many", [
        { kind: "heading", text: "h".repeat(400) },
        { kind: "table", columns: ["a", "b", "c", "d"], rows, omitted: { count: 10, hint: "narrow it" } },
      ]),
    );
    const client = createSlackClient({ botToken, apiUrl: standIn.apiUrl }, { retryConfig: { retries: 0 } });
    await client.chat.postMessage({ channel: "C0OPS", text: "many", blocks });
    assert.ok(blocks.length <= 50);
    assert.match(JSON.stringify(blocks.at(-1)), /more blocks did not fit/);
    const text = JSON.stringify(blocks).length;
    assert.ok(text < 16_000, `the whole message stays small (${text} characters of JSON)`);
  });

  test("each audit entry is mirrored to the audit channel", async () => {
    const responseUrl = standIn.responseUrl();
    await bot.simulator.slashCommand({ text: `config ${connector}`, userId: operator, responseUrl });
    const mirrored = await standIn.waitForCall(
      "chat.postMessage",
      (call) => call.args.channel === "C0AUDIT" && String(call.args.text).includes(`config ${connector}`),
    );
    assert.match(String(mirrored.args.text), /u0oper \(slack\): `config .*` on default \/ .*: succeeded/);
  });

  test("a 429 holds its own method alone; what is owed follows through the outbox after Retry-After, once, in order", async () => {
    const client = createSlackClient({ botToken, apiUrl: standIn.apiUrl });
    const outbox = new SlackOutbox({ client, redis, keyPrefix: `${prefix}outbox:` });
    try {
      standIn.rateLimitNext("chat.postMessage", 1);
      const started = Date.now();
      await assert.rejects(client.chat.postMessage({ channel: "C0RATE", text: "first" }), {
        code: "SLACK_UNAVAILABLE",
        reason: /^ratelimited \(retry after 1 s\)$/,
      });
      // Slack's tiers are per method: another method is not held by chat.postMessage's limit.
      const identity = await client.auth.test();
      const otherMethodMs = Date.now() - started;
      assert.equal(identity.user_id, "U0BOT");
      assert.ok(otherMethodMs < 500, `auth.test waited ${otherMethodMs} ms behind another method's 429`);
      // The limited method is not called again before its Retry-After: it fails at once, unsent.
      await assert.rejects(client.chat.postMessage({ channel: "C0RATE", text: "early" }), {
        code: "SLACK_UNAVAILABLE",
      });
      assert.equal(standIn.calls.filter((call) => call.args.channel === "C0RATE").length, 1);

      for (const text of ["one", "two", "three"])
        await outbox.send("chat.postMessage", { channel: "C0RATE", text });
      await standIn.waitForCall("chat.postMessage", (call) => call.args.text === "one");
      assert.ok(Date.now() - started >= 1000, "waited for Retry-After");
      await eventually("the outbox to be empty", async () =>
        (await outbox.owed()) === 0 ? true : undefined,
      );
      const toChannel = standIn.calls.filter((call) => call.args.channel === "C0RATE");
      assert.deepEqual(
        toChannel.map((call) => `${String(call.args.text)}: ${call.rejected ?? "delivered"}`),
        ["first: ratelimited", "one: delivered", "two: delivered", "three: delivered"],
      );
    } finally {
      outbox.close();
    }
  });

  test("messages sent one at a time, each as the last arrives, all arrive: none waits for the next to be sent", async () => {
    const client = createSlackClient({ botToken, apiUrl: standIn.apiUrl });
    const outbox = new SlackOutbox({ client, redis, keyPrefix: `${prefix}outbox-paced:` });
    try {
      // Each send lands just as the outbox has emptied its list and is letting go of the channel: the moment a
      // wake-up was once lost in, leaving the message owed until something else was sent there.
      // The delay after the list empties, in Redis round trips, sweeps across that moment.
      for (let step = 0; step < 150; step++) {
        await outbox.send("chat.update", { channel: "C0PACED", ts: "1.2", text: `step ${step}` });
        await standIn.waitForCall("chat.update", (call) => call.args.text === `step ${step}`, 5_000);
        while ((await outbox.owed()) > 0);
        for (let trip = 0; trip < step % 6; trip++) await redis.ping();
      }
    } finally {
      outbox.close();
    }
  });

  test("a body larger than any Slack request gets 413 before it is read, with or without a length, and is logged", async () => {
    const url = new URL(bot.slack.url);
    const oversized = 2 * 1024 * 1024;
    /** Sends at most `sendBytes` of the body, 64 KB at a time, and stops as soon as the bot answers. */
    const send = (headers: Record<string, string>, sendBytes: number) =>
      new Promise<{ status: number; sent: number }>((resolve, reject) => {
        let sent = 0;
        let answered = false;
        const request = httpRequest({
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          headers,
        });
        request.on("response", (response) => {
          answered = true;
          response.resume();
          resolve({ status: response.statusCode ?? 0, sent });
          request.destroy();
        });
        request.on("error", (error) => {
          if (!answered) reject(error);
        });
        const chunk = Buffer.alloc(64 * 1024, "x");
        const pump = () => {
          while (!answered && sent < sendBytes) {
            sent += chunk.length;
            if (!request.write(chunk)) return void request.once("drain", pump);
          }
        };
        pump();
      });
    const signed = signSlackRequest(signingSecret, "x".repeat(oversized));
    // A declared 2 MB: answered after the first 64 KB, without waiting for the rest.
    const declared = await send({ ...signed, "content-length": String(oversized) }, 64 * 1024);
    assert.equal(declared.status, 413);
    // No length (chunked): counted as it streams and cut at the limit, long before an endless body ends.
    const endless = 64 * 1024 * 1024;
    const chunked = await send({ ...signed, "transfer-encoding": "chunked" }, endless);
    assert.equal(chunked.status, 413);
    assert.ok(chunked.sent < endless / 4, `sent ${chunked.sent} bytes before the answer`);
    await eventually("both refusals logged", async () =>
      logLines.filter((line) => /413|maximum allowed size/.test(line)).length >= 2 ? true : undefined,
    );
    // A normal command still runs.
    const responseUrl = standIn.responseUrl();
    assert.equal(
      (await bot.simulator.slashCommand({ text: "whoami", userId: operator, responseUrl })).status,
      200,
    );
    await answerTo(responseUrl);
  });

  test("with Redis down, a command is answered with what is down and how to start it", async () => {
    const config = loadConfig({
      CONNECT_URL: testBed().connectUrl,
      LOG_LEVEL: "silent",
      KAFKA_BROKERS: testBed().bootstrapServers,
      ROLE_OPERATORS: operator,
      // Port 1: nothing listens there.
      REDIS_URL: "redis://127.0.0.1:1",
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: standIn.apiUrl,
    });
    const client = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    const app = createApp({ config, keyPrefix: `${prefix}down:`, reportRedis: () => {} });
    const slack = await startSlackAdapter({
      app,
      client,
      slack: { botToken, signingSecret, apiUrl: standIn.apiUrl },
      port: 0,
    });
    try {
      const simulator = new SlackSimulator(slack.url, signingSecret);
      const responseUrl = standIn.responseUrl();
      assert.equal(
        (await simulator.slashCommand({ text: "whoami", userId: operator, responseUrl })).status,
        200,
      );
      const answer = await answerTo(responseUrl);
      assert.match(String(answer.args.text), /Redis at 127\.0\.0\.1:1 is not answering/);
    } finally {
      await slack.stop();
      await app.close();
    }
  });

  test("Slack never rejected anything the bot sent", () => {
    assert.deepEqual(
      standIn.rejections().filter((call) => call.rejected !== "ratelimited"),
      [],
    );
  });
});
