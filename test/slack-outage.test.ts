// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Redis } from "ioredis";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import {
  createSlackClient,
  type RunningSlackAdapter,
  startSlackAdapter,
} from "../src/slack/slack-adapter.js";
import { SlackAlertNotifier } from "../src/slack/slack-alerts.js";
import { approveAction, SlackApprovalNotifier } from "../src/slack/slack-approvals.js";
import { SlackOutbox } from "../src/slack/slack-outbox.js";
import { SlackAccounts } from "../src/slack/slack-principals.js";
import { type RecordedCall, SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { SlackSimulator } from "./slack/slack-signer.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import { eventually, fileSinkThatRead, testBed, testKafka, uniqueName } from "./support/test-bed-env.js";

const botToken = "xoxb-outage-token";
const signingSecret = "outage-signing-secret";
const approvalsChannel = "C0APPROVALS";
const alertsChannel = "C0ALERTS";
const operator = { id: "U0OPER", name: "otto" };
const approver = { id: "U0APPR", name: "anna" };

const textOf = (call: RecordedCall) => `${String(call.args.text)} ${JSON.stringify(call.args.blocks ?? [])}`;
function approveValue(call: RecordedCall): string {
  const blocks = call.args.blocks as { elements?: { action_id?: string; value?: string }[] }[];
  const button = blocks.flatMap((block) => block.elements ?? []).find((e) => e.action_id === approveAction);
  return button?.value ?? assert.fail("no Approve button");
}

/**
 * The bot as production wires it (main.ts): one Web API client with its production policy for approvals, the
 * approver check, alerts and the adapter, alert polls running, over Slack's protocol against the stand-in.
 */
describe("Slack slow or failing: decisions are not frozen, Slack's failures are told as Slack's, work goes on", () => {
  const { prefix, cleanup } = testRedis("slack-outage");
  const kafka = testKafka();
  let standIn: SlackApiStandIn;
  let dir: string;
  let app: App;
  let slack: RunningSlackAdapter;
  let simulator: SlackSimulator;
  const warnings: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "slack-outage-"));
    standIn = await SlackApiStandIn.start({
      botToken,
      users: [
        { id: operator.id, name: operator.name },
        { id: approver.id, name: approver.name },
      ],
    });
    const config = loadConfig({
      CONNECT_URL: testBed().connectUrl,
      KAFKA_BROKERS: testBed().bootstrapServers,
      LOG_LEVEL: "silent",
      ROLE_OPERATORS: operator.id,
      ROLE_APPROVERS: approver.id,
      APPROVALS_CHANNEL: approvalsChannel,
      ALERTS_CHANNEL: alertsChannel,
      ALERT_POLL_INTERVAL: "2s",
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: standIn.apiUrl,
    });
    const client = createSlackClient(config.slack);
    // One outbox for approvals and alerts, as main.ts wires it.
    let outbox: SlackOutbox | undefined;
    const outboxOf = (redis: Redis, keyPrefix: string) => {
      outbox ??= new SlackOutbox({ client, redis, keyPrefix, warn: (line) => warnings.push(line) });
      return outbox;
    };
    app = createApp({
      config,
      keyPrefix: `${prefix}bot:`,
      approvalNotifier: ({ redis, keyPrefix }) =>
        new SlackApprovalNotifier({
          client,
          redis,
          keyPrefix,
          channel: approvalsChannel,
          outbox: outboxOf(redis, keyPrefix),
        }),
      accounts: new SlackAccounts(client),
      alertNotifier: ({ redis, keyPrefix }) => new SlackAlertNotifier(client, outboxOf(redis, keyPrefix)),
    });
    await app.approvals.startWorker();
    slack = await startSlackAdapter({ app, client, slack: { botToken, signingSecret }, port: 0 });
    simulator = new SlackSimulator(slack.url, signingSecret);
    await app.alerts.start();
  });
  after(async () => {
    standIn.heal();
    await slack.stop();
    await app.close();
    await standIn.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  /** Asks to stop a fresh sink; returns the request's id and its approval message, once posted. */
  async function askToStop(
    reason: string,
  ): Promise<{ id: string; message: RecordedCall; connector: string }> {
    const connect = app.clusters[0]?.connect ?? assert.fail("no cluster");
    const { connector } = await fileSinkThatRead(connect, kafka, dir, 2);
    const responseUrl = standIn.responseUrl();
    await simulator.slashCommand({
      text: `stop ${connector} --reason "${reason}"`,
      userId: operator.id,
      userName: operator.name,
      responseUrl,
    });
    const answer = await standIn.waitForCall("response_url", (call) => call.url === responseUrl);
    const id = requestIdIn(String(answer.args.text));
    const message = await standIn.waitForCall(
      "chat.postMessage",
      (call) => call.args.channel === approvalsChannel && textOf(call).includes(id),
    );
    // The link to the message, sent to the requester: nothing of the ask is left in flight.
    await standIn.waitForCall(
      "chat.postMessage",
      (call) => call.args.channel === operator.id && String(call.args.text).includes(`${id} waits`),
    );
    return { id, message, connector };
  }

  /** Clicks Approve as the approver; returns Slack's view of the HTTP answer and the click's response_url. */
  async function clickApprove(message: RecordedCall) {
    const responseUrl = standIn.responseUrl();
    const sent = await simulator.buttonClick({
      userId: approver.id,
      userName: approver.name,
      actionId: approveAction,
      value: approveValue(message),
      channelId: approvalsChannel,
      messageTs: "1764000000.000100",
      responseUrl,
    });
    assert.equal(sent.status, 200);
    return { sent, responseUrl };
  }

  /** A sink whose file cannot be written: its task fails, and the next poll posts an alert about it. */
  async function failingSink(): Promise<string> {
    const connect = app.clusters[0]?.connect ?? assert.fail("no cluster");
    const name = uniqueName("outage-failing-sink");
    await connect.putConfig(name, {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: uniqueName("outage-topic"),
      file: join(dir, "no-such-dir", "out.txt"),
    });
    return name;
  }

  const stateOf = async (id: string) => (await app.approvals.get(id))?.state;

  for (const [fault, label] of [
    [{ error: "fatal_error" }, "fatal_error"],
    [{ httpStatus: 503 }, "HTTP 503"],
  ] as const) {
    test(`users.info failing (${label}) is told as Slack's failure, not a verdict on the approver; the next click decides`, async () => {
      const { id, message } = await askToStop(`users.info ${label}`);
      standIn.failFor("users.info", fault, 60_000);
      const { sent, responseUrl } = await clickApprove(message);
      assert.ok(sent.elapsedMs < 3_000, `answered in ${sent.elapsedMs} ms`);
      const told = await standIn.waitForCall("response_url", (call) => call.url === responseUrl, 5_000);
      assert.match(
        String(told.args.text),
        new RegExp(`Slack could not answer whether ${approver.id} may do this \\(${label}\\).*Try again`),
      );
      assert.doesNotMatch(String(told.args.text), /does not know/);
      assert.equal(await stateOf(id), "pending", "nothing was decided");

      standIn.heal("users.info");
      await clickApprove(message);
      await eventually("the approval", async () => ((await stateOf(id)) === "pending" ? undefined : true));
    });
  }

  test("Slack's Web API failing right after an Approve: the change runs, polls go on, /readyz stays 200, and the messages follow in order, once", async () => {
    const { id, message, connector } = await askToStop("outage after approve");
    const outageMs = 12_000;
    const pollBefore = (await app.alerts.lastPollAt()) ?? 0;
    const { sent } = await clickApprove(message);
    assert.ok(sent.elapsedMs < 3_000);
    const outageStarted = Date.now();
    for (const method of ["chat.update", "chat.postMessage", "chat.getPermalink"])
      standIn.failFor(method, { httpStatus: 503 }, outageMs);

    const done = await eventually("the change to run during the outage", async () => {
      const state = await stateOf(id);
      return state === "succeeded" || state === "failed" ? state : undefined;
    });
    const ranAfterMs = Date.now() - outageStarted;
    assert.equal(done, "succeeded");
    const connect = app.clusters[0]?.connect ?? assert.fail("no cluster");
    assert.equal((await connect.status(connector)).connector.state, "STOPPED");
    const ready = await fetch(`${slack.operationsUrl}/readyz`);
    const pollDuring = await eventually("an alert poll during the outage", async () => {
      const at = (await app.alerts.lastPollAt()) ?? 0;
      return at > Math.max(pollBefore, outageStarted) ? at : undefined;
    });
    const stillOut = Date.now() - outageStarted < outageMs;
    console.log(
      `Web API outage of ${outageMs / 1000} s after Approve: the change ran in ${ranAfterMs} ms, /readyz ${ready.status}, polls went on (${pollDuring - outageStarted} ms in), still out: ${stillOut}`,
    );
    assert.ok(stillOut, "all of this happened while Slack was still failing");
    assert.equal(ready.status, 200, await ready.text());
    assert.ok(
      standIn.rejections().some((call) => call.rejected === "HTTP 503" && call.method === "chat.update"),
      "the bot did try Slack during the outage",
    );

    // After the outage: the message shows each step in order, ending Done; the outcome once in its thread; the
    // requester hears of the approval, then of the outcome, once each.
    const inThread = (call: RecordedCall) => call.args.thread_ts !== undefined && textOf(call).includes(id);
    await standIn.waitForCall(
      "chat.postMessage",
      (call) => inThread(call) && /is done/.test(textOf(call)),
      outageMs + 40_000,
    );
    await eventually("every owed message to be sent", async () =>
      standIn
        .callsOf("chat.postMessage")
        .some(
          (call) =>
            call.args.channel === operator.id &&
            String(call.args.text).includes(`${id} (`) &&
            /is done/.test(String(call.args.text)),
        )
        ? true
        : undefined,
    );
    const updates = standIn
      .callsOf("chat.update")
      .filter((call) => textOf(call).includes(`(${id})`))
      .map((call) =>
        /Done/.test(textOf(call)) ? "Done" : /Running/.test(textOf(call)) ? "Running" : "other",
      );
    assert.deepEqual(updates, ["Running", "Running", "Done"]);
    const thread = standIn.callsOf("chat.postMessage").filter(inThread);
    assert.equal(thread.length, 1, "the outcome once in the thread");
    const news = standIn
      .callsOf("chat.postMessage")
      .filter(
        (call) =>
          call.args.channel === operator.id && String(call.args.text).includes(`Your request ${id} (`),
      )
      .map((call) => String(call.args.text).replace(/.*\) /, ""));
    assert.deepEqual(news, [`was approved by ${approver.name}.`, "is done."]);
    assert.ok(
      warnings.some((line) => /they wait and follow/.test(line)),
      warnings.join("\n"),
    );
  });

  test("an alert that clears while Slack fails: polls go on, and its RESOLVED edit and thread news follow once Slack answers", async () => {
    const connect = app.clusters[0]?.connect ?? assert.fail("no cluster");
    const failing = await failingSink();
    try {
      await standIn.waitForCall(
        "chat.postMessage",
        (call) => call.args.channel === alertsChannel && textOf(call).includes(failing),
        60_000,
      );
      const outageMs = 15_000;
      const outageStarted = Date.now();
      for (const method of ["chat.update", "chat.postMessage"])
        standIn.failFor(method, { httpStatus: 503 }, outageMs);
      await connect.deleteConnector(failing);
      await eventually("the alert to clear during the outage", async () =>
        (await app.alerts.firing("default")).some((alert) => alert.connector === failing) ? undefined : true,
      );
      assert.ok(Date.now() - outageStarted < outageMs, "it cleared while Slack was still failing");
      const resolved = await standIn.waitForCall(
        "chat.update",
        (call) => textOf(call).includes(failing) && /RESOLVED/.test(textOf(call)),
        outageMs + 40_000,
      );
      assert.ok(Date.now() - outageStarted >= outageMs, "sent once Slack answered again");
      await standIn.waitForCall(
        "chat.postMessage",
        (call) => call.args.thread_ts === resolved.args.ts && /Deleted: no longer exists/.test(textOf(call)),
      );
    } finally {
      await connect.deleteConnector(failing).catch(() => undefined);
    }
  });

  // Last: chat.postMessage stays limited for 30 s after it.
  test("an alert post waiting out a 429 (Retry-After 30 s) never holds an Approve click: decided and answered within 3 s", async () => {
    const { id, message, connector } = await askToStop("decide under a 429");
    standIn.rateLimitNext("chat.postMessage", 30);
    // The next poll posts the failing sink's alert, which meets the 429.
    const connect = app.clusters[0]?.connect ?? assert.fail("no cluster");
    const failing = await failingSink();
    try {
      const limited = await eventually("an alert post to meet the 429", async () =>
        standIn.rejections().find((call) => call.rejected === "ratelimited"),
      );
      assert.equal(limited.args.channel, alertsChannel, "the 429 fell on an alert post");

      const clicked = performance.now();
      const { sent } = await clickApprove(message);
      const answeredState = await stateOf(id);
      const decided = await eventually("the approval to be saved", async () =>
        (await stateOf(id)) === "pending" ? undefined : performance.now(),
      );
      // Rendered on another method than the 429's (chat.update), the message shows the decision at once.
      await standIn.waitForCall(
        "chat.update",
        (call) => textOf(call).includes(`(${id})`) && /Running/.test(textOf(call)),
        3_000,
      );
      const shown = performance.now();
      console.log(
        `decision latency under a 429 on an alert post: click answered in ${sent.elapsedMs.toFixed(0)} ms, decision saved after ${(decided - clicked).toFixed(0)} ms, message updated after ${(shown - clicked).toFixed(0)} ms`,
      );
      assert.ok(sent.elapsedMs < 3_000, `the click was answered in ${sent.elapsedMs} ms`);
      assert.notEqual(answeredState, "pending", "the decision was saved before Slack heard back");
      assert.ok(decided - clicked < 3_000);
      const done = await eventually("the approved stop to run", async () => {
        const state = await stateOf(id);
        return state === "succeeded" || state === "failed" ? state : undefined;
      });
      assert.equal(done, "succeeded");
      assert.equal((await connect.status(connector)).connector.state, "STOPPED");
    } finally {
      await connect.deleteConnector(failing).catch(() => undefined);
    }
  });
});
