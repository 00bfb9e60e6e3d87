// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Alert } from "../src/alerts/alert-store.js";
import { approvalButtonValue, approveAction } from "../src/slack/slack-approvals.js";
import type { SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import { eventually, fileSinkThatRead, testBed, testKafka } from "./support/test-bed-env.js";
import { type SlackTestBot, startSlackTestBot } from "./support/test-bot.js";

const botToken = "xoxb-home-token";
const signingSecret = "home-signing-secret";
const operator = { id: "U0OPER", name: "otto" };
const approver = { id: "U0APPR", name: "anna" };
const stranger = { id: "U0STRANGER", name: "sam" };

/** The text of every block of the latest Home tab published for `userId`, once it satisfies `ready`. */
async function latestHome(standIn: SlackApiStandIn, userId: string, ready: (text: string) => boolean) {
  return eventually(
    `the Home tab of ${userId}`,
    async () => {
      const last = standIn
        .callsOf("views.publish")
        .filter((call) => call.args.user_id === userId)
        .at(-1);
      const text = last === undefined ? "" : JSON.stringify(last.args.view);
      return ready(text) ? text : undefined;
    },
    { timeoutMs: 15_000 },
  );
}

function firing(cluster: string, connector: string, summary: string): Alert {
  const firedAt = Date.now() - 7 * 60_000;
  return {
    key: `${cluster}/${connector}/lag-high`,
    cluster,
    connector,
    rule: "lag-high",
    summary,
    details: [],
    value: 12_400,
    firedAt,
    announcedValue: 12_400,
  };
}

describe("App Home: what waits for the viewer, their requests, alerts they can see, their roles", () => {
  const { prefix, cleanup } = testRedis("app-home");
  const kafka = testKafka();
  let bot: SlackTestBot;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "app-home-"));
    const bed = `connect: { url: "${testBed().connectUrl}" }
    kafka: { brokers: [${testBed().bootstrapServers}] }`;
    bot = await startSlackTestBot({
      configFile: `
approvalsChannel: C0APPROVALS
clusters:
  - name: prod
    default: true
    ${bed}
    roles: { operator: [${operator.id}], approver: [${approver.id}] }
  - name: lab
    ${bed}
    roles: { viewer: [${operator.id}] }
`,
      keyPrefix: `${prefix}bot:`,
      standIn: {
        botToken,
        users: [operator, approver, stranger].map((person) => ({ ...person })),
      },
      signingSecret,
      approvalsChannel: "C0APPROVALS",
    });
    await bot.app.alerts.store.saveFiring(firing("prod", "orders-sink", "lag 12,400 messages, 7 min behind"));
    await bot.app.alerts.store.saveFiring(firing("lab", "lab-sink", "lag 900 messages, 2 min behind"));
  });
  after(async () => {
    await bot.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("opening the Home tab shows the viewer's roles per cluster and only the alerts where they have a role", async () => {
    await bot.simulator.event({ type: "app_home_opened", user: operator.id, channel: "D0HOME", tab: "home" });
    const otto = await latestHome(bot.standIn, operator.id, (text) => text.includes("Your roles"));
    assert.match(otto, /\*prod\*\\noperator/);
    assert.match(otto, /\*lab\*\\nviewer/);
    assert.match(otto, /Alerts firing on your clusters \(2\)/);
    assert.match(otto, /prod \/ orders-sink: lag high: lag 12,400 messages, 7 min behind \(for 7 min\)/);

    await bot.simulator.event({ type: "app_home_opened", user: approver.id, channel: "D0HOME", tab: "home" });
    const anna = await latestHome(bot.standIn, approver.id, (text) => text.includes("Your roles"));
    assert.match(anna, /\*prod\*\\napprover/);
    assert.match(anna, /\*lab\*\\nnone/);
    assert.match(anna, /Alerts firing on your clusters \(1\)/);
    assert.doesNotMatch(anna, /lab-sink/);

    await bot.simulator.event({ type: "app_home_opened", user: stranger.id, channel: "D0HOME", tab: "home" });
    const sam = await latestHome(bot.standIn, stranger.id, (text) => text.includes("Your roles"));
    assert.match(sam, /Alerts firing on your clusters \(0\)/);
    assert.match(sam, /Waiting for you \(0\)/);
  });

  test("a request refreshes the Homes it concerns; Approve in the Home tab runs it, and both Homes clear", async () => {
    const connect = bot.connect();
    const { connector } = await fileSinkThatRead(connect, kafka, dir, 1);
    const responseUrl = bot.standIn.responseUrl();
    await bot.simulator.slashCommand({
      text: `stop ${connector} --reason "home test"`,
      userId: operator.id,
      userName: operator.name,
      responseUrl,
    });
    const answer = await bot.standIn.waitForCall("response_url", (call) => call.url === responseUrl);
    const id = requestIdIn(String(answer.args.text));

    const anna = await latestHome(bot.standIn, approver.id, (text) => text.includes("Waiting for you (1)"));
    assert.match(anna, new RegExp(`${id}: stop ${connector} on prod, asked by otto: \\\\"home test\\\\"`));
    // The Home tab's buttons name what they approve, as a message's do.
    const value =
      new RegExp(`"action_id":"${approveAction}".{0,120}"value":"(${id}:[0-9a-f]{12})"`).exec(anna)?.[1] ??
      assert.fail("the Approve button carries the request's id and digest");
    await latestHome(
      bot.standIn,
      operator.id,
      (text) => text.includes("Your open requests (1)") && text.includes(id),
    );
    const sam = bot.standIn.callsOf("views.publish").filter((call) => call.args.user_id === stranger.id);
    assert.doesNotMatch(
      JSON.stringify(sam.at(-1)?.args.view),
      new RegExp(id),
      "not for someone with no role",
    );

    await bot.simulator.homeClick({
      userId: approver.id,
      userName: approver.name,
      actionId: approveAction,
      value,
    });
    const done = await eventually("the request to finish", async () => {
      const request = await bot.app.approvals.get(id);
      return request?.state === "succeeded" || request?.state === "failed" ? request : undefined;
    });
    assert.equal(done.state, "succeeded", done.outcome);
    await latestHome(bot.standIn, approver.id, (text) => text.includes("Waiting for you (0)"));
    await latestHome(bot.standIn, operator.id, (text) => text.includes("Your open requests (0)"));
  });

  test("a refused click in the Home tab (no response_url there) is told to the clicker in a direct message", async () => {
    const connect = bot.connect();
    const { connector } = await fileSinkThatRead(connect, kafka, dir, 1);
    const asked = await bot.app.dispatcher.dispatch({
      actor: { ...operator, source: "slack" },
      text: `stop ${connector} --reason "refused click"`,
      requestId: "home-refused",
    });
    const id = requestIdIn(asked.summary);
    const request = (await bot.app.approvals.get(id)) ?? assert.fail(`no request ${id}`);
    await bot.simulator.homeClick({
      userId: stranger.id,
      actionId: approveAction,
      value: approvalButtonValue(request),
    });
    const told = await bot.standIn.waitForCall(
      "chat.postMessage",
      (call) => call.args.channel === stranger.id,
    );
    assert.match(String(told.args.text), /needs the approver role/);
    assert.equal((await bot.app.approvals.get(id))?.state, "pending");
    assert.deepEqual(bot.standIn.rejections(), []);
  });
});
