// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { approvalButtonValue, approveAction } from "../src/slack/slack-approvals.js";
import { bulkConfirmAction } from "../src/slack/slack-bulk.js";
import { SlackStoryNotifier } from "../src/slack/slack-stories.js";
import { type RecordedCall, SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { AutomationBots } from "./support/automation-bots.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import {
  createTopicWithMessages,
  eventually,
  runningFileSink,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";
import { type SlackTestBot, startSlackTestBot } from "./support/test-bot.js";

const botToken = "xoxb-bulk-token";
const signingSecret = "bulk-signing-secret";
const opsChannel = "C0BULKOPS";
const approvalsChannel = "C0BULKAPPROVALS";
const typedIn = "C0BULKTYPED";
const operator = { id: "U0BOTTO", name: "otto" };
const approver = { id: "U0BANNA", name: "anna" };

/** Three connectors or fewer are a preview and a Confirm; four or more one approval request. */
const configFile = (connectUrl: string) => `
approvalsChannel: ${approvalsChannel}
automation:
  channel: ${opsChannel}
  bulk: { approvalAbove: 3, concurrency: 2 }
clusters:
  - name: main
    connect: { url: "${connectUrl}" }
    kafka: { brokers: ["${testBed().bootstrapServers}"] }
    roles: { operator: [${operator.id}], approver: [${approver.id}] }
`;

const textOf = (call: RecordedCall) => `${String(call.args.text)} ${JSON.stringify(call.args.blocks ?? [])}`;
const blocksOf = (call: RecordedCall) => {
  const raw = call.args.blocks;
  return (typeof raw === "string" ? JSON.parse(raw) : (raw ?? [])) as {
    elements?: { action_id?: string; value?: string }[];
  }[];
};

describe("bulk actions: a pattern's preview, its confirmation, and an approval above the threshold", () => {
  const { prefix, cleanup } = testRedis("bulk-actions");
  const kafka = testKafka();
  let dir: string;
  let topic: string;
  let bot: SlackTestBot;
  const created: string[] = [];

  const connect = () => bot.connect();
  const stateOf = async (name: string) => (await connect().status(name)).connector.state;
  async function sinks(base: string, suffixes: readonly string[]): Promise<string[]> {
    const names = suffixes.map((suffix) => `${base}-${suffix}`);
    created.push(...names);
    for (const name of names) await runningFileSink(connect(), name, topic, join(dir, `${name}.txt`));
    return names;
  }
  /** Types a command in Slack; resolves with the answer posted to its response_url. */
  async function typed(text: string, user = operator): Promise<RecordedCall> {
    const responseUrl = bot.standIn.responseUrl();
    await bot.simulator.slashCommand({
      text,
      userId: user.id,
      userName: user.name,
      channelId: typedIn,
      responseUrl,
    });
    return bot.standIn.waitForCall("response_url", (call) => call.url === responseUrl);
  }
  async function click(
    user: { id: string; name: string },
    actionId: string,
    value: string,
    messageTs: string,
  ) {
    const responseUrl = bot.standIn.responseUrl();
    const sent = await bot.simulator.buttonClick({
      userId: user.id,
      userName: user.name,
      actionId,
      value,
      channelId: typedIn,
      messageTs,
      responseUrl,
    });
    assert.equal(sent.status, 200);
    return responseUrl;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "bulk-actions-"));
    topic = uniqueName("bulk-topic");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 3 });
    bot = await startSlackTestBot({
      configFile: configFile(testBed().connectUrl),
      keyPrefix: `${prefix}bot:`,
      standIn: {
        botToken,
        users: [
          { id: operator.id, name: operator.name },
          { id: approver.id, name: approver.name },
        ],
      },
      signingSecret,
      approvalsChannel,
      withClient: (client) => ({ storyNotifier: () => new SlackStoryNotifier(client) }),
    });
  });
  after(async () => {
    for (const name of created)
      await connect()
        .deleteConnector(name)
        .catch(() => undefined);
    await bot.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("preview → Confirm → outcome table in the thread; one audit entry each; a connector created after the preview is not touched", async () => {
    const base = uniqueName("bulkp");
    const names = await sinks(base, ["a", "b", "c"]);
    const preview = await typed(`pause "${base}-*"`);
    const shown = textOf(preview);
    assert.match(shown, /Preview: pause 3 connectors matching/);
    for (const name of names) assert.ok(shown.includes(name), `${name} in the preview`);
    assert.match(shown, /connector, task 0/);
    const button = blocksOf(preview)
      .flatMap((block) => block.elements ?? [])
      .find((element) => element.action_id === bulkConfirmAction);
    assert.ok(button?.value !== undefined, "a Confirm button");
    for (const name of names)
      assert.equal(await stateOf(name), "RUNNING", "nothing is done before the confirmation");

    const [late] = await sinks(base, ["d"]);
    const previewTs = "1765000000.000100";
    await click(operator, bulkConfirmAction, button.value, previewTs);
    const outcome = await bot.standIn.waitForCall(
      "chat.postMessage",
      (call) => call.args.channel === typedIn && call.args.thread_ts === previewTs,
      60_000,
    );
    assert.match(textOf(outcome), /otto asked to pause 3 connectors matching .*: 3 done/);
    for (const name of names) assert.match(textOf(outcome), new RegExp(`${name} +done +PAUSED`));
    for (const name of names) assert.equal(await stateOf(name), "PAUSED");
    assert.equal(await stateOf(late ?? ""), "RUNNING", "the connector that matched later is not touched");
    assert.ok(!textOf(outcome).includes(late ?? "?"));
    const edited = await bot.standIn.waitForCall("chat.update", (call) => call.args.ts === previewTs);
    assert.match(textOf(edited), /Confirmed by otto/);

    const story = bot.standIn
      .callsOf("chat.postMessage")
      .filter((call) => call.args.channel === opsChannel && textOf(call).includes(base));
    assert.match(textOf(story[0] ?? assert.fail("no story")), /otto is about to pause 3 connectors/);
    assert.match(textOf(story.at(-1) ?? assert.fail("no end")), /connector +outcome +now/);
    assert.ok(story.at(-1)?.args.thread_ts !== undefined, "the table ends the story's thread");

    const audited = (await bot.app.audit.query({ limit: 50 })).filter(
      (entry) => entry.command === "bulk pause",
    );
    assert.deepEqual(audited.map((entry) => entry.connector).sort(), [...names].sort());
    assert.ok(audited.every((entry) => entry.outcome === "succeeded" && entry.actorName === "otto"));

    const again = await click(operator, bulkConfirmAction, button.value, previewTs);
    const refused = await bot.standIn.waitForCall("response_url", (call) => call.url === again);
    assert.match(String(refused.args.text), /it was confirmed already, or it expired/);
  });

  test("above the threshold: one approval request whose digest covers exactly the set; a connector that matches later is not touched", async () => {
    const base = uniqueName("bulka");
    const names = await sinks(base, ["a", "b", "c", "d"]);
    const answer = await typed(`pause "${base}-*" --reason "broker maintenance"`);
    const id = requestIdIn(String(answer.args.text));
    assert.match(String(answer.args.text), /asks to pause 4 connectors matching/);
    const request = (await bot.app.approvals.get(id)) ?? assert.fail("no request");
    assert.equal(request.operation.kind, "bulk");
    assert.deepEqual(
      request.operation.kind === "bulk" ? request.operation.targets.map((target) => target.connector) : [],
      names,
    );
    const message = await bot.standIn.waitForCall(
      "chat.postMessage",
      (call) => call.args.channel === approvalsChannel && textOf(call).includes(id),
    );
    for (const name of names) assert.ok(textOf(message).includes(name), `${name} in the approval message`);
    for (const name of names) assert.equal(await stateOf(name), "RUNNING");

    const [late] = await sinks(base, ["e"]);
    await click(approver, approveAction, approvalButtonValue(request), "1765000000.000200");
    const done = await eventually(
      `${id} done`,
      async () => {
        const now = await bot.app.approvals.get(id);
        return now?.state === "succeeded" || now?.state === "failed" ? now : undefined;
      },
      { timeoutMs: 60_000 },
    );
    assert.equal(done.state, "succeeded", done.outcome);
    assert.deepEqual(
      done.bulkOutcomes?.map((each) => [each.connector, each.outcome]),
      names.map((name) => [name, "done"]),
    );
    for (const name of names) assert.equal(await stateOf(name), "PAUSED");
    assert.equal(await stateOf(late ?? ""), "RUNNING", "the connector that matched later is not touched");
    const audited = (await bot.app.audit.query({ limit: 100 })).filter(
      (entry) => entry.command === `bulk pause (${id})` && entry.detail?.startsWith("pause:"),
    );
    assert.deepEqual(audited.map((entry) => entry.connector).sort(), [...names].sort());
  });
});

describe("a bulk restart whose bot is killed midway", () => {
  const { prefix, cleanup } = testRedis("bulk-crash");
  const kafka = testKafka();
  const keyPrefix = `${prefix}bot:`;
  let standIn: SlackApiStandIn;
  let proxy: FaultProxy;
  let bots: AutomationBots;
  let app: App;
  let dir: string;
  const created: string[] = [];
  const connect = () => app.clusters[0]?.connect ?? assert.fail("no cluster");
  /** One connector at a time, so the kill falls between two connectors. */
  const crashConfig = (connectUrl: string) =>
    configFile(connectUrl).replace("concurrency: 2", "concurrency: 1");

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "bulk-crash-"));
    standIn = await SlackApiStandIn.start({ botToken });
    proxy = await FaultProxy.start(testBed().connectUrl);
    const file = join(dir, "bot.yaml");
    await writeFile(file, crashConfig(proxy.url));
    bots = new AutomationBots({ configFile: file, keyPrefix, slack: { botToken, apiUrl: standIn.apiUrl } });
    // This process asks and approves, as a Slack-facing replica would; only the bots it starts run workers.
    app = createApp({
      config: loadConfig({ CONFIG_FILE: file, LOG_LEVEL: "silent" }, () => crashConfig(proxy.url)),
      keyPrefix,
    });
  });
  after(async () => {
    await bots.closeAll();
    for (const name of created)
      await connect()
        .deleteConnector(name)
        .catch(() => undefined);
    await app.close();
    await proxy.close();
    await standIn.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("SIGKILL after two of four restarts: the next bot restarts only the other two, each connector audited once", async () => {
    const topic = uniqueName("bulk-crash-topic");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 3 });
    const base = uniqueName("bulkk");
    for (const suffix of ["a", "b", "c", "d"]) {
      created.push(`${base}-${suffix}`);
      await runningFileSink(connect(), `${base}-${suffix}`, topic, join(dir, `${base}-${suffix}.txt`));
    }
    const run = (actor: { id: string; name: string }, text: string, requestId: string) =>
      app.dispatcher.dispatch({ actor: { ...actor, source: "slack" }, text, requestId });
    const asked = await run(operator, `restart "${base}-*" --reason "new certificates"`, "bulk-crash-1");
    const id = requestIdIn(asked.summary);
    const request = (await app.approvals.get(id)) ?? assert.fail("no request");
    const targets =
      request.operation.kind === "bulk" ? request.operation.targets.map((target) => target.connector) : [];
    assert.equal(targets.length, 4);
    const restartsOf = (name: string) =>
      proxy.requests.filter((r) => r.method === "POST" && r.url.startsWith(`/connectors/${name}/restart`));
    // The third restart is held by the proxy (it never reaches Connect) and the bot is killed while it waits.
    const third = targets[2] ?? assert.fail("no third");
    proxy.hangNextMatching({ method: "POST", path: new RegExp(`^/connectors/${third}/restart`) });

    const doomed = await bots.start();
    assert.equal((await run(approver, `approve ${id}`, "bulk-crash-2")).outcome, "succeeded");
    await eventually(
      "the third restart sent",
      async () => (restartsOf(third).length === 1 ? true : undefined),
      {
        timeoutMs: 30_000,
        intervalMs: 50,
      },
    );
    await bots.kill(doomed);
    const atCrash = (await app.approvals.get(id)) ?? assert.fail("no request");
    assert.equal(atCrash.state, "executing");
    assert.deepEqual(
      atCrash.bulkOutcomes?.map((each) => each.connector),
      targets.slice(0, 2),
      "the first two outcomes were saved as each ended",
    );

    await bots.start();
    const done = await eventually(
      `${id} done`,
      async () => {
        const now = await app.approvals.get(id);
        return now?.state === "succeeded" || now?.state === "failed" ? now : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    assert.equal(done.state, "succeeded", done.outcome);
    assert.deepEqual(
      done.bulkOutcomes?.map((each) => [each.connector, each.outcome]),
      targets.map((name) => [name, "done"]),
    );
    assert.deepEqual(
      targets.map((name) => restartsOf(name).length),
      [1, 1, 2, 1],
      "the two done before the kill were not restarted again; the held one was asked again",
    );
    const audited = (await app.audit.query({ limit: 100 })).filter(
      (entry) => entry.command === `bulk restart (${id})` && entry.detail?.startsWith("restart:"),
    );
    assert.deepEqual(audited.map((entry) => entry.connector).sort(), [...targets].sort());
  });
});
