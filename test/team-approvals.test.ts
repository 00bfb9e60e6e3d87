// needs: bed
/**
 * Teams on one cluster, on the real Connect worker and broker, with Slack through its protocol: approvers scoped to
 * connector patterns, auto-approval rules judged at request time and again on the resolved plan, and reminders that
 * are BullMQ delayed jobs (a restarted bot, one of two replicas, sends each once).
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import {
  createSlackClient,
  type RunningSlackAdapter,
  startSlackAdapter,
} from "../src/slack/slack-adapter.js";
import { approveAction, SlackApprovalNotifier } from "../src/slack/slack-approvals.js";
import { type RecordedCall, SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { SlackSimulator } from "./slack/slack-signer.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import { eventually, fileSinkThatRead, produce, testBed, testKafka } from "./support/test-bed-env.js";

const botToken = "xoxb-teams-token";
const signingSecret = "teams-signing-secret";
const approvalsChannel = "C0APPROVALS";
const escalationChannel = "C0ESCALATE";
const otto = { id: "U0OTTO", name: "otto" }; // operator on the whole cluster
const pam = { id: "U0PAM", name: "pam" }; // approver on payments-*
const oren = { id: "U0OREN", name: "oren" }; // approver on orders-*

const textOf = (call: RecordedCall) => `${String(call.args.text)} ${JSON.stringify(call.args.blocks ?? [])}`;

describe("teams on one cluster: scoped approvers, rules that approve within bounds, reminders that do not wait silently", () => {
  const { prefix, cleanup } = testRedis("team-approvals");
  const kafka = testKafka();
  let standIn: SlackApiStandIn;
  let dir: string;
  const running: { app: App; slack?: RunningSlackAdapter }[] = [];

  const yaml = () => `
approvalsChannel: ${approvalsChannel}
clusters:
  - name: prod
    default: true
    connect: { url: "${testBed().connectUrl}" }
    kafka: { brokers: [${testBed().bootstrapServers}] }
    roles:
      operator: [${otto.id}]
      approver:
        - { principals: [${pam.id}], connectors: ["payments-*"] }
        - { principals: [${oren.id}], connectors: ["orders-*"] }
    approvals:
      remindAfter: 2s
      escalateAfter: 4s
      escalateTo: ${escalationChannel}
      autoApprove:
        - { name: small-replays, commands: ["offsets reset"], connectors: ["orders-*"], maxReplay: 10 }
`;

  /** A bot on the shared prefix; with `worker`, it runs requests and reminders; with `serve`, it answers Slack. */
  async function startBot({ worker = true, serve = true } = {}) {
    const config = loadConfig(
      {
        CONFIG_FILE: "teams.yaml",
        LOG_LEVEL: "silent",
        SLACK_BOT_TOKEN: botToken,
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_API_URL: standIn.apiUrl,
      },
      yaml,
    );
    const client = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    const app = createApp({
      config,
      keyPrefix: `${prefix}bot:`,
      approvalNotifier: ({ redis, keyPrefix }) =>
        new SlackApprovalNotifier({ client, redis, keyPrefix, channel: approvalsChannel }),
    });
    if (worker) await app.approvals.startWorker();
    const slack = serve
      ? await startSlackAdapter({ app, client, slack: { botToken, signingSecret }, port: 0 })
      : undefined;
    const bot = { app, ...(slack === undefined ? {} : { slack }) };
    running.push(bot);
    const simulator = slack === undefined ? undefined : new SlackSimulator(slack.url, signingSecret);
    const stop = async () => {
      await slack?.stop();
      await app.close();
      running.splice(running.indexOf(bot), 1);
    };
    return { app, simulator, stop };
  }

  const ask = async (app: App, who: { id: string; name: string }, text: string) =>
    app.dispatcher.dispatch({ actor: { ...who, source: "slack" }, text, requestId: `teams-${Date.now()}` });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "team-approvals-"));
    standIn = await SlackApiStandIn.start({ botToken, users: [otto, pam, oren] });
  });
  after(async () => {
    for (const { app, slack } of [...running]) {
      await slack?.stop();
      await app.close();
    }
    await standIn.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("a payments approver's Approve on an orders request is refused and audited; the orders approver's runs it", async () => {
    const bot = await startBot();
    const connect = bot.app.clusters[0]?.connect ?? assert.fail("no cluster");
    const { connector } = await fileSinkThatRead(connect, kafka, dir, 1, "orders-sink");
    const asked = await ask(bot.app, otto, `stop ${connector} --reason "schema change"`);
    const id = requestIdIn(asked.summary);
    const message = await standIn.waitForCall(
      "chat.postMessage",
      (call) => call.args.channel === approvalsChannel && textOf(call).includes(id),
    );
    // The message's own Approve button: its value carries the request's digest, as every click's does.
    // (Approve and Deny carry the same value.)
    const value = JSON.stringify(message?.args.blocks ?? []).match(
      new RegExp(`"value":"(${id}:[0-9a-f]+)"`),
    )?.[1];
    assert.ok(value, "the approval message has an Approve button with its digest");
    const click = async (who: { id: string; name: string }) => {
      const responseUrl = standIn.responseUrl();
      await bot.simulator?.buttonClick({
        userId: who.id,
        userName: who.name,
        actionId: approveAction,
        value,
        channelId: approvalsChannel,
        messageTs: "1700000000.000100",
        responseUrl,
      });
      return standIn.waitForCall("response_url", (call) => call.url === responseUrl).catch(() => undefined);
    };
    assert.ok(message);
    const refused = await click(pam);
    assert.match(
      String(refused?.args.text),
      new RegExp(
        `needs the approver role on ${connector} \\(cluster prod\\); you have no role there, and approver only on payments-\\*`,
      ),
    );
    assert.equal((await bot.app.approvals.get(id))?.state, "pending", "nothing was decided");
    const [audited] = (await bot.app.audit.query({ limit: 50 })).filter(
      (entry) => entry.actorId === pam.id && entry.command === "approve",
    );
    assert.equal(audited?.outcome, "refused");
    assert.equal(audited?.connector, connector, "the refusal is filed under the request's connector");

    await click(oren);
    const done = await eventually("the stop to run", async () => {
      const request = await bot.app.approvals.get(id);
      return request?.state === "succeeded" || request?.state === "failed" ? request : undefined;
    });
    assert.equal(done.state, "succeeded", done.outcome);
    assert.equal((await connect.status(connector)).connector.state, "STOPPED");
    await bot.stop();
  });

  test("a rule approves an offsets reset that replays at most its bound (10), and people decide one that replays 11", async () => {
    const bot = await startBot();
    const connect = bot.app.clusters[0]?.connect ?? assert.fail("no cluster");
    const within = await fileSinkThatRead(connect, kafka, dir, 10, "orders-sink");
    const asked = await ask(
      bot.app,
      otto,
      `offsets reset ${within.connector} --to-earliest --reason "replay"`,
    );
    assert.match(asked.summary, /approved by rule small-replays, so request \S+ runs now/);
    const id = requestIdIn(asked.summary);
    const done = await eventually("the reset to run", async () => {
      const request = await bot.app.approvals.get(id);
      return request?.state === "succeeded" || request?.state === "failed" ? request : undefined;
    });
    assert.equal(done.state, "succeeded", done.outcome);
    const approval = (await bot.app.audit.query({ limit: 100 })).find(
      (entry) => entry.command.includes(id) && entry.outcome === "approved",
    );
    assert.equal(approval?.actorName, "rule small-replays", "audited as approved by the named rule");

    const over = await fileSinkThatRead(connect, kafka, dir, 11, "orders-sink");
    const waiting = await ask(
      bot.app,
      otto,
      `offsets reset ${over.connector} --to-earliest --reason "replay"`,
    );
    assert.match(
      waiting.summary,
      /waiting for an approver .*not approved by rule: rule small-replays does not approve it: it replays 11 records, more than the 10 the rule allows/,
    );
    assert.equal((await bot.app.approvals.get(requestIdIn(waiting.summary)))?.state, "pending");
    await bot.stop();
  });

  test("a rule-approved reset that grew past the bound by the time it runs goes back to people, saying why", async () => {
    // Asked while no bot runs requests, so that records arrive between the request and the run.
    const asking = await startBot({ worker: false, serve: false });
    const connect = asking.app.clusters[0]?.connect ?? assert.fail("no cluster");
    const { connector, topic } = await fileSinkThatRead(connect, kafka, dir, 5, "orders-sink");
    const asked = await ask(asking.app, otto, `offsets reset ${connector} --to-earliest --reason "replay"`);
    assert.match(asked.summary, /approved by rule small-replays/);
    const id = requestIdIn(asked.summary);
    await produce(
      kafka,
      topic,
      Array.from({ length: 10 }, (_, i) => ({ value: `more-${i}`, partition: 0 })),
    );
    await eventually(`${connector} to commit 15 records`, async () =>
      (await connect.offsets(connector)).offsets[0]?.offset?.kafka_offset === 15 ? true : undefined,
    );
    await asking.app.approvals.startWorker();
    const back = await eventually("the request to go back to people", async () => {
      const request = await asking.app.approvals.get(id);
      return request?.state === "pending" ? request : undefined;
    });
    assert.equal(back.ruleWithdrawn?.rule, "small-replays");
    assert.match(back.ruleWithdrawn?.why ?? "", /it replays 15 records, more than the 10 the rule allows/);
    assert.match(back.ruleWithdrawn?.why ?? "", /returned to RUNNING/);
    assert.equal((await connect.status(connector)).connector.state, "RUNNING", "nothing was changed");
    assert.equal((await connect.offsets(connector)).offsets[0]?.offset?.kafka_offset, 15);
    const message = await standIn.waitForCall(
      "chat.update",
      (call) => textOf(call).includes(id) && textOf(call).includes("then back to waiting"),
    );
    assert.match(
      textOf(message),
      /Approved by rule small-replays, then back to waiting at <!date\^\d+\^\{date_short_pretty\} \{time_secs\}\|\d\d:\d\d:\d\d UTC>: rule small-replays does not approve it: it replays 15 records, more than the 10 the rule allows .*returned to RUNNING/,
    );
    const audited = (await asking.app.audit.query({ limit: 100 })).find(
      (entry) => entry.command.includes(id) && entry.errorCode === "RULE_WITHDRAWN",
    );
    assert.match(audited?.detail ?? "", /back to waiting for people/);
    await asking.stop();
  });

  test("a waiting request is reminded of once, and escalated once, by a restarted bot of two replicas; nudge once per interval", async () => {
    // The bot that asks stops at once: the reminders are jobs in Redis, not timers in its process.
    const asking = await startBot({ worker: false, serve: false });
    const connect = asking.app.clusters[0]?.connect ?? assert.fail("no cluster");
    const { connector } = await fileSinkThatRead(connect, kafka, dir, 1, "payments-sink");
    const asked = await ask(asking.app, otto, `stop ${connector} --reason "rotate credentials"`);
    const id = requestIdIn(asked.summary);
    const askedAt = Date.parse((await asking.app.approvals.get(id))?.createdAt ?? assert.fail("not stored"));
    await asking.stop();
    const replicas = [await startBot({ serve: false }), await startBot({ serve: false })];
    const reminders = () =>
      standIn
        .callsOf("chat.postMessage")
        .filter(
          (call) => textOf(call).includes(`Still waiting for an approver`) && textOf(call).includes(id),
        );
    const reminder = await standIn.waitForCall(
      "chat.postMessage",
      (call) => textOf(call).includes("Still waiting for an approver") && textOf(call).includes(id),
    );
    assert.ok(Date.now() - askedAt >= 2_000, "not before remindAfter");
    assert.equal(reminder.args.channel, approvalsChannel);
    assert.ok(reminder.args.thread_ts !== undefined, "in the request's thread");
    assert.match(
      String(reminder.args.text),
      new RegExp(`^<@${pam.id}> Still waiting`),
      "names who can approve it",
    );
    assert.doesNotMatch(
      String(reminder.args.text),
      new RegExp(oren.id),
      "not the approvers of other connectors",
    );
    const escalation = await standIn.waitForCall(
      "chat.postMessage",
      (call) => call.args.channel === escalationChannel && textOf(call).includes(id),
    );
    assert.match(String(escalation.args.text), /Escalated: .* has waited [\d.]+ s with no decision/);
    assert.equal(reminders().length, 1, "one reminder, though two replicas run");
    assert.equal(
      standIn
        .callsOf("chat.postMessage")
        .filter((call) => call.args.channel === escalationChannel && textOf(call).includes(id)).length,
      1,
      "one escalation",
    );

    const [first] = replicas;
    // Back to back: the second falls within the interval (2 s) however slow the machine.
    const nudged = await ask(first?.app ?? assert.fail(), otto, `nudge ${id}`);
    const again = await ask(first?.app ?? assert.fail(), otto, `nudge ${id}`);
    assert.equal(nudged.outcome, "succeeded", nudged.summary);
    await standIn.waitForCall("chat.postMessage", (call) =>
      textOf(call).includes(`otto asks for a decision on ${id}`),
    );
    assert.equal(again.outcome, "refused");
    assert.match(
      again.summary,
      new RegExp(
        `${id} was nudged at \\d\\d:\\d\\d:\\d\\d UTC; the next nudge may be from \\d\\d:\\d\\d:\\d\\d UTC \\(once every 2\\.0 s\\)`,
      ),
    );
    const notMine = await ask(first?.app ?? assert.fail(), pam, `nudge ${id}`);
    assert.match(notMine.summary, /Only otto, who asked, can nudge/);
    const listed = await ask(first?.app ?? assert.fail(), otto, "approvals");
    assert.match(
      JSON.stringify(listed.parts),
      new RegExp(`"${id}","pending","[\\d.]+ s"`),
      "approvals shows how long it waited",
    );
  });
});
