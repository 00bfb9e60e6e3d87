// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
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
import {
  approvalButtonValue,
  approveAction,
  denyAction,
  SlackApprovalNotifier,
} from "../src/slack/slack-approvals.js";
import { SlackAccounts } from "../src/slack/slack-principals.js";
import { type RecordedCall, SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { SlackSimulator } from "./slack/slack-signer.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import { eventually, fileSinkThatRead, testBed, testKafka } from "./support/test-bed-env.js";

const botToken = "xoxb-approvals-token";
const signingSecret = "approvals-signing-secret";
const approvalsChannel = "C0APPROVALS";
const operator = { id: "U0OPER", name: "otto" };
const approver = { id: "U0APPR", name: "anna" };
const guest = { id: "U0GUEST", name: "gus" };

interface Bot {
  app: App;
  slack: RunningSlackAdapter;
  simulator: SlackSimulator;
  stop(): Promise<void>;
}

const textOf = (call: RecordedCall) => `${String(call.args.text)} ${JSON.stringify(call.args.blocks ?? [])}`;
const hasButtons = (call: RecordedCall) => JSON.stringify(call.args.blocks ?? []).includes(approveAction);
/** The value the message's Approve button carries: the request's id and the digest of what it does. */
function buttonValue(call: RecordedCall): string {
  const raw = call.args.blocks;
  const blocks = (typeof raw === "string" ? JSON.parse(raw) : raw) as {
    elements?: { action_id?: string; value?: string }[];
  }[];
  const button = blocks.flatMap((block) => block.elements ?? []).find((e) => e.action_id === approveAction);
  return button?.value ?? assert.fail("no Approve button");
}

describe("approvals in Slack: the message, its buttons, and what the requester hears", () => {
  const { prefix, cleanup, redis } = testRedis("slack-approvals");
  const kafka = testKafka();
  let standIn: SlackApiStandIn;
  let dir: string;
  let bot: Bot;

  const start = async (channel = approvalsChannel, keyPrefix = `${prefix}bot:`): Promise<Bot> => {
    const config = loadConfig({
      CONNECT_URL: testBed().connectUrl,
      KAFKA_BROKERS: testBed().bootstrapServers,
      LOG_LEVEL: "silent",
      ROLE_OPERATORS: operator.id,
      // The guest has the role in the config; Slack says it is a guest account, and that wins.
      ROLE_APPROVERS: `${approver.id},${guest.id}`,
      APPROVALS_CHANNEL: channel,
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: standIn.apiUrl,
    });
    const client = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    const app = createApp({
      config,
      keyPrefix,
      approvalNotifier: ({ redis, keyPrefix }) =>
        new SlackApprovalNotifier({ client, redis, keyPrefix, channel }),
      accounts: new SlackAccounts(client),
    });
    await app.approvals.startWorker();
    const slack = await startSlackAdapter({ app, client, slack: { botToken, signingSecret }, port: 0 });
    return {
      app,
      slack,
      simulator: new SlackSimulator(slack.url, signingSecret),
      async stop() {
        await slack.stop();
        await app.close();
      },
    };
  };

  const sinkThatRead = (count: number) =>
    fileSinkThatRead(bot.app.clusters[0]?.connect ?? assert.fail("no cluster"), kafka, dir, count);

  /** Asks through the slash command; returns the approval message as posted. */
  async function ask(text: string): Promise<{ id: string; message: RecordedCall }> {
    const responseUrl = standIn.responseUrl();
    await bot.simulator.slashCommand({ text, userId: operator.id, userName: operator.name, responseUrl });
    const answer = await standIn.waitForCall("response_url", (call) => call.url === responseUrl);
    const id = requestIdIn(String(answer.args.text));
    const message = await standIn.waitForCall(
      "chat.postMessage",
      (call) => call.args.channel === approvalsChannel && textOf(call).includes(id),
    );
    return { id, message };
  }

  /** Clicks a button of the request's message as `user` (on `on`, one replica); returns the click's response_url. */
  async function click(
    user: { id: string; name: string },
    actionId: string,
    value: string,
    messageTs = "1764000000.000100",
    on = bot,
  ) {
    const responseUrl = standIn.responseUrl();
    const sent = await on.simulator.buttonClick({
      userId: user.id,
      userName: user.name,
      actionId,
      value,
      channelId: approvalsChannel,
      messageTs,
      responseUrl,
    });
    assert.equal(sent.status, 200);
    return responseUrl;
  }
  const refusalTo = async (user: { id: string; name: string }, id: string) => {
    const request = (await bot.app.approvals.get(id)) ?? assert.fail(`no request ${id}`);
    const responseUrl = await click(user, approveAction, approvalButtonValue(request));
    return standIn.waitForCall("response_url", (call) => call.url === responseUrl);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "slack-approvals-"));
    standIn = await SlackApiStandIn.start({
      botToken,
      channelsWithoutBot: ["C0NOTIN"],
      missingChannels: ["C0GONE"],
      users: [
        { id: operator.id, name: operator.name },
        { id: approver.id, name: approver.name },
        { id: guest.id, name: guest.name, isRestricted: true },
      ],
    });
    bot = await start();
  });
  after(async () => {
    await bot.stop();
    await standIn.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("request → message with buttons; refusals go to the clicker alone; approval after a bot restart with the original button runs it", async () => {
    const { connector, topic, file } = await sinkThatRead(10);
    const { id, message } = await ask(
      `offsets reset ${connector} --to-offset 4 --reason "replay the bad batch"`,
    );
    assert.ok(hasButtons(message), "the message carries Approve and Deny");
    assert.match(
      buttonValue(message),
      new RegExp(`^${id}:[0-9a-f]{12}$`),
      "each button names what it approves",
    );
    assert.match(textOf(message), /replay the bad batch/);
    assert.match(textOf(message), new RegExp(`${topic}:0  10 → 4  \\(replays 6\\)`));
    const link = await standIn.waitForCall("chat.postMessage", (call) => call.args.channel === operator.id);
    assert.match(String(link.args.text), new RegExp(`Your request ${id} waits for approval here: https://`));

    const own = await refusalTo(operator, id);
    assert.equal(own.args.response_type, "ephemeral");
    assert.match(String(own.args.text), /needs the approver role/);
    assert.match(String((await refusalTo(guest, id)).args.text), /guests never approve/);
    assert.equal((await bot.app.approvals.get(id))?.state, "pending");

    // The bot restarts while the request waits; the button in the old message still works.
    await bot.stop();
    bot = await start();
    await click(approver, approveAction, buttonValue(message));
    const done = await eventually("the request to finish", async () => {
      const request = await bot.app.approvals.get(id);
      return request?.state === "succeeded" || request?.state === "failed" ? request : undefined;
    });
    assert.equal(done.state, "succeeded", done.outcome);

    const final = await standIn.waitForCall(
      "chat.update",
      (call) => call.args.channel === approvalsChannel && /Done: offsets reset/.test(textOf(call)),
    );
    assert.ok(!hasButtons(final), "the buttons are gone once decided");
    assert.match(textOf(final), /approved by anna/);
    const thread = await standIn.waitForCall(
      "chat.postMessage",
      (call) => call.args.thread_ts === final.args.ts,
    );
    // Too wide for a phone as a table: a list, each partition with its figures.
    assert.match(textOf(thread), new RegExp(`\\*${topic}:0\\*  before: 10 · after: 4`));
    assert.match(textOf(thread), new RegExp(`offsets restore ${id}`));
    // The requester's direct messages come after the thread reply: wait for them rather than look once.
    const toldRequester = (words: string) =>
      standIn.waitForCall(
        "chat.postMessage",
        (call) =>
          call.args.channel === operator.id &&
          String(call.args.text).includes(`${id}`) &&
          String(call.args.text).includes(words),
      );
    await toldRequester("was approved by anna");
    await toldRequester("is done");
    assert.equal(standIn.rejections().length, 0, JSON.stringify(standIn.rejections()));

    const lines = await eventually("messages 4-9 again", async () => {
      const text = (await readFile(file, "utf8")).split("\n").filter(Boolean);
      return text.length >= 16 ? text : undefined;
    });
    assert.deepEqual(
      lines.slice(10),
      Array.from({ length: 6 }, (_, i) => `${topic}-${4 + i}`),
    );
  });

  test("Deny edits the message with who denied, and the requester hears it; a second click is told it is decided", async () => {
    const { connector } = await sinkThatRead(3);
    const { id, message } = await ask(`stop ${connector} --reason "maintenance"`);
    await click(approver, denyAction, buttonValue(message));
    const denied = await standIn.waitForCall(
      "chat.update",
      (call) => textOf(call).includes(id) && /Denied by anna/.test(textOf(call)),
    );
    assert.ok(!hasButtons(denied));
    assert.match(textOf(denied), /denied with the button in Slack/);
    await standIn.waitForCall(
      "chat.postMessage",
      (call) =>
        call.args.channel === operator.id &&
        String(call.args.text).includes(`${id}`) &&
        /was denied by anna/.test(String(call.args.text)),
    );
    const answer = await refusalTo(approver, id);
    assert.match(String(answer.args.text), new RegExp(`${id} is already denied by anna`));
    assert.equal((await bot.app.clusters[0]?.connect.status(connector))?.connector.state, "RUNNING");
  });

  test("a button carrying the request's id but no digest (an older message) decides nothing: a missing digest is a mismatch", async () => {
    const { connector } = await sinkThatRead(3);
    const { id, message } = await ask(`stop ${connector} --reason "old message format"`);
    for (const actionId of [approveAction, denyAction]) {
      const clicked = await click(approver, actionId, id, "1764000000.000400");
      const answer = await standIn.waitForCall("response_url", (call) => call.url === clicked);
      assert.equal(answer.args.response_type, "ephemeral");
      assert.match(
        String(answer.args.text),
        new RegExp(`^Stale: this button is from an older message that does not show what ${id} does`),
      );
    }
    const request = await bot.app.approvals.get(id);
    assert.equal(request?.state, "pending", "neither approved nor denied");
    assert.deepEqual(request?.approvedBy, []);
    assert.equal((await bot.app.clusters[0]?.connect.status(connector))?.connector.state, "RUNNING");
    // The message's own buttons, which carry the digest, still decide it.
    await click(approver, denyAction, buttonValue(message));
    await eventually("the request denied", async () =>
      (await bot.app.approvals.get(id))?.state === "denied" ? true : undefined,
    );
  });

  test("Redis loses its data: Approve on an old message is refused as stale, the new request is untouched, the old message says so", async () => {
    const a = await sinkThatRead(3);
    const b = await sinkThatRead(3);
    const old = await ask(`stop ${a.connector} --reason "maintenance"`);
    const oldValue = buttonValue(old.message);
    const counter = Number(/-(\d+)-[a-z0-9]{4}$/.exec(old.id)?.[1]);
    // Redis loses every key of this bot (only this test's prefix), and its counter comes round to the same number.
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}bot:*`, "COUNT", 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
    await redis.set(`${prefix}bot:approval:counter`, String(counter - 1));
    const fresh = await ask(`delete ${b.connector} --reason "replaced by v2"`);
    assert.match(fresh.id, new RegExp(`-${counter}-[a-z0-9]{4}$`), "the counter gave the same number again");
    assert.notEqual(fresh.id, old.id, "the random tail keeps the two ids apart");

    const staleTs = "1764000000.000200";
    const clicked = await click(approver, approveAction, oldValue, staleTs);
    const refusal = await standIn.waitForCall("response_url", (call) => call.url === clicked);
    assert.match(String(refusal.args.text), new RegExp(`There is no request ${old.id}`));
    const marked = await standIn.waitForCall("chat.update", (call) => call.args.ts === staleTs);
    assert.match(textOf(marked), new RegExp(`Stale: .*${old.id} no longer exists`));
    assert.ok(!hasButtons(marked), "the stale message loses its buttons");

    // Had the ids collided too, the digest tells the two requests apart.
    const collidedTs = "1764000000.000300";
    const collided = `${fresh.id}:${oldValue.split(":")[1]}`;
    const second = await click(approver, approveAction, collided, collidedTs);
    const refused = await standIn.waitForCall("response_url", (call) => call.url === second);
    assert.match(
      String(refused.args.text),
      new RegExp(
        `Stale: the message you clicked does not show what ${fresh.id} does now \\(.delete. ${b.connector}`,
      ),
    );
    const marked2 = await standIn.waitForCall("chat.update", (call) => call.args.ts === collidedTs);
    assert.match(
      textOf(marked2),
      new RegExp(`${fresh.id} now names another request \\(.delete. ${b.connector}`),
    );

    assert.equal((await bot.app.approvals.get(fresh.id))?.state, "pending", "B is not approved");
    assert.equal((await bot.app.clusters[0]?.connect.status(b.connector))?.connector.state, "RUNNING");
    const trail = await bot.app.audit.query({ connector: b.connector, limit: 20 });
    assert.ok(
      trail.some((e) => e.outcome === "refused" && e.command === "approve" && /^Stale/.test(e.detail ?? "")),
      "the refused click is audited under the connector",
    );
  });

  test("a click's decision is saved before Slack hears back, well inside its 3 s", async () => {
    const { connector } = await sinkThatRead(3);
    const { id, message } = await ask(`stop ${connector} --reason "ack after save"`);
    const sent = await bot.simulator.buttonClick({
      userId: approver.id,
      userName: approver.name,
      actionId: approveAction,
      value: buttonValue(message),
      channelId: approvalsChannel,
      messageTs: "1764000000.000400",
      responseUrl: standIn.responseUrl(),
    });
    assert.equal(sent.status, 200);
    const state = (await bot.app.approvals.get(id))?.state;
    assert.ok(sent.elapsedMs < 3_000, `answered in ${sent.elapsedMs} ms`);
    assert.notEqual(state, "pending", "the approval was saved before the HTTP answer");
    const done = await eventually("the stop", async () => {
      const request = await bot.app.approvals.get(id);
      return request?.state === "succeeded" || request?.state === "failed" ? request : undefined;
    });
    assert.equal(done.state, "succeeded", done.outcome);
  });

  test("two replicas on one Redis: asked on one, approved by a click on the other, it runs once and one message tells it", async () => {
    const other = await start();
    try {
      const { connector } = await sinkThatRead(3);
      const { id, message } = await ask(`stop ${connector} --reason "replica test"`);
      await click(approver, approveAction, buttonValue(message), undefined, other);
      const done = await eventually("the request to finish", async () => {
        const request = await bot.app.approvals.get(id);
        return request?.state === "succeeded" || request?.state === "failed" ? request : undefined;
      });
      assert.equal(done.state, "succeeded", done.outcome);
      assert.equal((await other.app.clusters[0]?.connect.status(connector))?.connector.state, "STOPPED");
      const final = await standIn.waitForCall(
        "chat.update",
        (call) =>
          call.args.channel === approvalsChannel &&
          textOf(call).includes(`(${id})`) &&
          /Done: stop/.test(textOf(call)),
      );
      // Let late updates from either replica arrive, then count: one message, one outcome in its thread.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const posted = standIn
        .callsOf("chat.postMessage")
        .filter((call) => call.args.channel === approvalsChannel && textOf(call).includes(id));
      assert.equal(posted.filter((call) => call.args.thread_ts === undefined).length, 1, "one message");
      assert.equal(posted.filter((call) => call.args.thread_ts === final.args.ts).length, 1, "one outcome");
      const steps = (await bot.app.audit.query({ connector, limit: 50 }))
        .map((entry) => entry.detail ?? "")
        .filter((detail) => detail.startsWith("step "));
      assert.ok(steps.includes("step stopped done"), steps.join(", "));
      assert.equal(new Set(steps).size, steps.length, `each step ran once: ${steps.join(", ")}`);
    } finally {
      await other.stop();
    }
  });

  for (const [channel, words] of [
    ["C0NOTIN", /I am not a member of <#C0NOTIN>.*\/invite @connect-ops/],
    ["C0GONE", /Slack knows no channel C0GONE that I can see/],
  ] as const) {
    test(`an approvals channel Slack refuses (${channel}): the requester is told plainly why, and how to decide`, async () => {
      const elsewhere = await start(channel, `${prefix}${channel}:`);
      try {
        const { connector } = await sinkThatRead(1);
        const responseUrl = standIn.responseUrl();
        await elsewhere.simulator.slashCommand({
          text: `stop ${connector} --reason "nowhere to post"`,
          userId: operator.id,
          userName: operator.name,
          responseUrl,
        });
        const asked = await standIn.waitForCall("response_url", (call) => call.url === responseUrl);
        const id = requestIdIn(String(asked.args.text));
        // In reply to the command, to the person who asked alone…
        const reply = await standIn.waitForCall(
          "response_url",
          (call) => call.url === responseUrl && call.args.response_type === "ephemeral",
        );
        assert.match(String(reply.args.text), words);
        // …and in a direct message that stays.
        const told = await standIn.waitForCall(
          "chat.postMessage",
          (call) => call.args.channel === operator.id && words.test(String(call.args.text)),
        );
        assert.match(
          String(told.args.text),
          new RegExp(`Your request ${id} could not be posted for approval`),
        );
        assert.match(String(told.args.text), words);
        assert.match(String(told.args.text), new RegExp(`approve ${id}`));
      } finally {
        await elsewhere.stop();
      }
    });
  }

  test("a config change's message shows the diff, secrets hidden as `config` hides them, and Connect's validation", async () => {
    const { connector, file } = await sinkThatRead(2);
    const connect = bot.app.clusters[0]?.connect ?? assert.fail("no cluster");
    // A password typed in clear once, outside the bot: the change replaces it with a reference.
    await connect.putConfig(connector, {
      ...(await connect.config(connector)),
      "db.password": "hunter2-in-clear",
    });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a config-provider reference, written as Connect reads it
    const reference = "${file:/etc/kafka-connect/secrets.properties:db.password}";
    const { id, message } = await ask(
      `config set ${connector} db.password=${reference} errors.tolerance=all --reason "no password in clear"`,
    );
    assert.ok(hasButtons(message));
    assert.match(buttonValue(message), new RegExp(`^${id}:[0-9a-f]{12}$`));
    const shown = textOf(message);
    assert.match(shown, /config set/);
    assert.match(
      shown,
      /~ db\.password: •••••• → \$\{file:\/etc\/kafka-connect\/secrets\.properties:db\.password\}/,
    );
    assert.match(shown, /\+ errors\.tolerance = all/);
    assert.match(shown, /Connect validated the whole config: no errors in \d+ setting\(s\)/);
    assert.doesNotMatch(shown, /hunter2/);
    assert.equal((await connect.config(connector)).file, file);
  });
});
