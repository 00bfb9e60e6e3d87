// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Queue } from "bullmq";
import type { Actor } from "../src/core/command-spec.js";
import { RedisKeys } from "../src/redis-keys.js";
import { createSlackClient } from "../src/slack/slack-adapter.js";
import { SlackApprovalNotifier } from "../src/slack/slack-approvals.js";
import { SlackStoryNotifier } from "../src/slack/slack-stories.js";
import { type RecordedCall, SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { testRedis } from "./support/redis-prefix.js";
import {
  createTopicWithMessages,
  eventually,
  fileSinkThatRead,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";
import { startTestBot, type TestBot } from "./support/test-bot.js";

const botToken = "xoxb-follow-through";
const approvalsChannel = "C0FOLLOWAPPROVALS";
const typedIn = "C0FOLLOWTYPED";
const operator: Actor = { id: "U0FOLLOWOP", name: "olga", source: "slack" };
const approver: Actor = { id: "U0FOLLOWAP", name: "abel", source: "slack" };

/** Looks every second, a progress line at most every 2 s; a restart holds after 10 s. */
const configFile = `
approvalsChannel: ${approvalsChannel}
automation:
  followThrough: { lookEvery: 1s, progressEvery: 2s, steadyFor: 10s, maxFor: 2m }
clusters:
  - name: main
    connect: { url: "${testBed().connectUrl}" }
    kafka: { brokers: ["${testBed().bootstrapServers}"] }
    roles: { operator: [${operator.id}], approver: [${approver.id}] }
`;

const textOf = (call: RecordedCall) => `${String(call.args.text)} ${JSON.stringify(call.args.blocks ?? [])}`;

describe("following a change through: progress and the last word in the change's thread", () => {
  const { prefix, cleanup } = testRedis("follow-through");
  const kafka = testKafka();
  let standIn: SlackApiStandIn;
  let dir: string;
  const bots: TestBot[] = [];
  const created: string[] = [];

  /** A bot whose approval requests and stories go to the stand-in, running the automation worker. */
  const start = async (): Promise<TestBot> => {
    const client = createSlackClient(
      { botToken, signingSecret: "unused", apiUrl: standIn.apiUrl },
      { retryConfig: { retries: 0 } },
    );
    const bot = await startTestBot({
      configFile,
      keyPrefix: `${prefix}bot:`,
      env: { SLACK_BOT_TOKEN: botToken, SLACK_API_URL: standIn.apiUrl },
      approvalNotifier: ({ redis, keyPrefix }) =>
        new SlackApprovalNotifier({ client, redis, keyPrefix, channel: approvalsChannel }),
      storyNotifier: () => new SlackStoryNotifier(client),
    });
    bot.app.automation.start();
    bots.push(bot);
    return bot;
  };
  const connect = () => bots[0]?.connect() ?? assert.fail("no bot");
  /** The replies naming `connector` in threads of `channel`, oldest first, each with the thread it is in. */
  const repliesOf = (channel: string, connector: string): { thread: string; text: string }[] =>
    standIn
      .callsOf("chat.postMessage")
      .filter((call) => call.args.channel === channel && call.args.thread_ts !== undefined)
      .map((call) => ({ thread: String(call.args.thread_ts), text: textOf(call) }))
      .filter((line) => line.text.includes(connector));

  /** The highest look of a follow-through waiting in the bots' queue, -1 for none. */
  const lookDue = async (): Promise<number> => {
    const queue = new Queue("automation", {
      connection: { host: "127.0.0.1", port: 6379 },
      prefix: new RedisKeys(`${prefix}bot:`).bullPrefix,
    });
    try {
      const jobs = await queue.getJobs(["delayed", "waiting"]);
      return Math.max(
        -1,
        ...jobs.filter((job) => job.data?.kind === "follow").map((job) => Number(job.data.look)),
      );
    } finally {
      await queue.close();
    }
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "follow-through-"));
    standIn = await SlackApiStandIn.start({
      botToken,
      users: [
        { id: operator.id, name: operator.name },
        { id: approver.id, name: approver.name },
      ],
    });
  });
  after(async () => {
    for (const name of created)
      await connect()
        .deleteConnector(name)
        .catch(() => undefined);
    for (const bot of bots) await bot.close().catch(() => undefined);
    await standIn.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("an approved reset to earliest: records left in the request's thread, then 'caught up in …', the requester named only then", async () => {
    const bot = await start();
    const { connector } = await fileSinkThatRead(connect(), kafka, dir, 100_000);
    created.push(connector);
    const asked = await bot.run(operator, `offsets reset ${connector} --to-earliest --reason "replay"`);
    const id = asked.queued ?? assert.fail(`not queued: ${asked.summary}`);
    assert.equal((await bot.run(approver, `approve ${id}`)).outcome, "succeeded");
    assert.equal((await bot.finished(id)).state, "succeeded");
    const isWatch = (text: string) => /left to read|caught up in|it held|Stopped watching/.test(text);
    const watch = () => repliesOf(approvalsChannel, connector).filter((line) => isWatch(line.text));
    await eventually(
      "caught up",
      async () => (watch().some((line) => /caught up in/.test(line.text)) ? true : undefined),
      { timeoutMs: 90_000 },
    ).catch((error: unknown) =>
      assert.fail(
        `${error}; the thread said: ${watch()
          .map((line) => line.text.slice(0, 120))
          .join(" / ")}`,
      ),
    );
    // In the request's thread: where its outcome was told.
    const outcome = repliesOf(approvalsChannel, connector).find((line) => !isWatch(line.text));
    assert.ok(outcome !== undefined, "the request's outcome in its thread");
    for (const line of watch()) assert.equal(line.thread, outcome.thread);
    const lines = watch().map((line) => line.text);
    const final = lines.at(-1) ?? "";
    assert.match(final, new RegExp(`${connector} caught up in (\\d+ min )?\\d+ s after the offsets reset`));
    assert.ok(final.includes(`<@${operator.id}>`), `the final line names the requester: ${final}`);
    const progress = lines.slice(0, -1);
    assert.ok(progress.length >= 1, `progress before the last word: ${lines.join(" / ")}`);
    assert.match(progress[0] ?? "", /: [\d,]+ records? left to read/);
    for (const line of progress) assert.ok(!line.includes("<@"), `no mention on a progress line: ${line}`);
    // The watch ended: nothing more is said.
    await sleep(3_000);
    assert.equal(watch().filter((line) => /caught up/.test(line.text)).length, 1);
  });

  test("a restart whose task fails again: 'failed again … after restart' with the trace's head, in a thread where it was typed", async () => {
    const bot = bots[0] ?? (await start());
    const topic = uniqueName("follow-fail-topic");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 1 });
    const connector = uniqueName("follow-fail");
    created.push(connector);
    // Its directory never exists: each start of its task fails the same way.
    await connect().putConfig(connector, {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: topic,
      file: join(dir, uniqueName("absent"), "out.txt"),
    });
    await eventually(`${connector} FAILED`, async () =>
      (await connect().status(connector)).tasks[0]?.state === "FAILED" ? true : undefined,
    );
    const answer = await bot.app.dispatcher.dispatch({
      actor: operator,
      text: `restart ${connector} --failed-only`,
      requestId: uniqueName("follow-restart"),
      channelId: typedIn,
    });
    assert.match(answer.summary, /restarted .*task 0/);
    // Its thread opens with the first line (a progress line when Connect shows the task up again for a moment).
    const lines = () =>
      standIn
        .callsOf("chat.postMessage")
        .filter((call) => call.args.channel === typedIn && textOf(call).includes(connector))
        .map(textOf);
    const text = await eventually(
      "failed again",
      async () => lines().find((line) => /failed again/.test(line)),
      { timeoutMs: 60_000 },
    );
    assert.equal(lines().at(-1), text, "the last word");
    for (const line of lines().slice(0, -1)) assert.ok(!line.includes("<@"), `no mention before: ${line}`);
    assert.match(text, new RegExp(`${connector} failed again \\d+ s after restart \\(task 0\\)`));
    assert.match(text, /ConnectException: Couldn.t find or create file/, "the head of the trace");
    assert.ok(text.includes(`<@${operator.id}>`), `the requester named: ${text}`);
  });

  test("a bot closed mid-watch: a new bot on the same Redis finishes it, with one last word", async () => {
    const first = bots[0] ?? (await start());
    // It has read (and committed) its one message: nothing to replay, so nothing is said until it held.
    const { connector } = await fileSinkThatRead(connect(), kafka, dir, 1, "follow-survive");
    created.push(connector);
    const restartedAt = Date.now();
    const answer = await first.app.dispatcher.dispatch({
      actor: operator,
      text: `restart ${connector} --include-tasks`,
      requestId: uniqueName("follow-survive"),
      channelId: typedIn,
    });
    assert.match(answer.summary, /restarted .*task 0/);
    // A few looks in (a look a second), well before it holds for 10 s: the bot goes away.
    await eventually("the watch's third look", async () => ((await lookDue()) >= 2 ? true : undefined));
    await first.close();
    bots.splice(bots.indexOf(first), 1);
    const lines = () =>
      standIn
        .callsOf("chat.postMessage")
        .filter((call) => call.args.channel === typedIn && textOf(call).includes(connector))
        .map(textOf);
    assert.deepEqual(lines(), [], "nothing said before it held");
    await start();
    const said = await eventually("the last word", async () => lines().at(0), { timeoutMs: 60_000 });
    assert.match(said, new RegExp(`${connector} is still RUNNING \\d+ s after restart: it held`));
    assert.ok(Date.now() - restartedAt >= 10_000, "not before it held for steadyFor");
    assert.ok(said.includes(`<@${operator.id}>`));
    await sleep(3_000);
    assert.equal(lines().length, 1, `one last word: ${lines().join(" / ")}`);
  });
});
