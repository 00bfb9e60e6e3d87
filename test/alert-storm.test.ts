// needs: bed
import assert from "node:assert/strict";
import { after, before, describe, type TestContext, test } from "node:test";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { createSlackClient } from "../src/slack/slack-adapter.js";
import { SlackAlertNotifier } from "../src/slack/slack-alerts.js";
import { type RecordedCall, SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { ConnectStatuses } from "./support/connect-statuses.js";
import { testRedis } from "./support/redis-prefix.js";
import {
  createTopicWithMessages,
  eventually,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";

const botToken = "xoxb-storm-token";
const alertsChannel = "C0STORM";
/** In every failed task's trace: it must be nowhere in Redis in clear. */
const secret = "hunter2-storm-secret";

/** What a sink's task FAILED with, as Connect reports it: the trace quotes the JDBC URL with its password. */
const traceOf = (connector: string) =>
  [
    `org.apache.kafka.connect.errors.ConnectException: java.sql.SQLException: Cannot connect to jdbc:postgresql://ops:${secret}@db-1:5432/orders for ${connector}`,
    "\tat io.confluent.connect.jdbc.sink.JdbcSinkTask.put(JdbcSinkTask.java:123)",
    "\tat org.apache.kafka.connect.runtime.WorkerSinkTask.deliverMessages(WorkerSinkTask.java:601)",
    "\tat org.apache.kafka.connect.runtime.WorkerSinkTask.poll(WorkerSinkTask.java:350)",
    "\tat org.apache.kafka.connect.runtime.WorkerSinkTask.iteration(WorkerSinkTask.java:250)",
    "\tat org.apache.kafka.connect.runtime.WorkerTask.run(WorkerTask.java:259)",
  ].join("\n");

/** Every value under the prefix, whatever its type, as text. */
async function everyValue(redis: ReturnType<typeof testRedis>["redis"], prefix: string): Promise<string> {
  const values: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === "string") values.push((await redis.get(key)) ?? "");
      else if (type === "hash") values.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === "list") values.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === "set") values.push(JSON.stringify(await redis.smembers(key)));
      else if (type === "zset") values.push(JSON.stringify(await redis.zrange(key, "0", "-1")));
      else if (type === "stream") values.push(JSON.stringify(await redis.xrange(key, "-", "+")));
    }
  } while (cursor !== "0");
  return values.join("\n");
}

describe("alert storms: a rule's alerts starting in one poll are one summary message", () => {
  const { prefix, cleanup, redis } = testRedis("alert-storm");
  let standIn: SlackApiStandIn;
  let connect: ConnectStatuses;
  let connectUrl: string;
  /** A bot polling the stand-in, closed when the test ends (its polls would see the next test's sinks). */
  const start = async (context: TestContext): Promise<App> => {
    const config = loadConfig(
      {
        CONFIG_FILE: "alerts.yaml",
        LOG_LEVEL: "silent",
        SLACK_BOT_TOKEN: botToken,
        SLACK_SIGNING_SECRET: "storm-signing-secret",
        SLACK_API_URL: standIn.apiUrl,
      },
      () => `
alerts:
  channel: ${alertsChannel}
  pollInterval: 1s
clusters:
  - name: main
    connect: { url: "${connectUrl}" }
    kafka: { brokers: ["${testBed().bootstrapServers}"] }
`,
    );
    const client = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    const app = createApp({
      config,
      keyPrefix: `${prefix}${uniqueName("bot")}:`,
      alertNotifier: () => new SlackAlertNotifier(client),
    });
    context.after(() => app.close());
    await app.alerts.start();
    return app;
  };

  /** The Slack calls into the channel since `from`: top-level posts, thread replies, edits. */
  const callsSince = (from: number) => {
    const calls = standIn.calls.slice(from).filter((call) => call.args.channel === alertsChannel);
    const posts = calls.filter((call: RecordedCall) => call.method === "chat.postMessage");
    return {
      all: calls.length,
      posts: posts.filter((call) => call.args.thread_ts === undefined),
      replies: posts.filter((call) => call.args.thread_ts !== undefined),
      updates: calls.filter((call) => call.method === "chat.update"),
    };
  };

  const threadOf = (from: number) =>
    callsSince(from)
      .replies.map((call) => JSON.stringify(call.args.blocks))
      .join("\n");

  /** The largest poll age (ms since a poll last started or ended) seen while `during` runs, sampled every 200 ms. */
  const oldestPollAge = async (app: App, during: () => Promise<void>): Promise<number> => {
    let oldest = 0;
    const sampler = setInterval(() => {
      const { lastPollAt } = app.alerts.pollFreshness();
      if (lastPollAt !== undefined) oldest = Math.max(oldest, Date.now() - lastPollAt);
      assert.ok(app.alerts.pollFreshness().fresh, "readiness: the poll stays fresh");
    }, 200);
    try {
      await during();
    } finally {
      clearInterval(sampler);
    }
    return oldest;
  };

  before(async () => {
    const topic = uniqueName("storm-topic");
    await createTopicWithMessages(testKafka(), topic, { partitions: 1, count: 10 });
    connect = new ConnectStatuses(topic, traceOf);
    connectUrl = await connect.listen();
    standIn = await SlackApiStandIn.start({ botToken });
  });
  after(async () => {
    await connect.close();
    await standIn.close();
    await cleanup();
  });

  /** `count` sinks named `<stem>-<i>`, all RUNNING, polled until the bot has samples of them. */
  const runningSinks = async (app: App, stem: string, count: number): Promise<string[]> => {
    const names = Array.from({ length: count }, (_, i) => `${stem}-${String(i).padStart(4, "0")}`);
    connect.tasks = new Map(names.map((name) => [name, "RUNNING"]));
    await eventually("a poll to sample every sink", async () =>
      (await app.alerts.history("main", names.at(-1) ?? "")).length > 0 ? true : undefined,
    );
    return names;
  };

  const set = (names: readonly string[], state: "RUNNING" | "FAILED") => {
    const tasks = new Map(connect.tasks);
    for (const name of names) tasks.set(name, state);
    connect.tasks = tasks;
  };

  test("100 sinks fail in one poll: one message and a few thread replies; partial resolves, deletions and the last resolve are one edit each", async (context) => {
    const app = await start(context);
    const names = await runningSinks(app, uniqueName("storm100"), 100);
    const from = standIn.calls.length;
    const age = await oldestPollAge(app, async () => {
      set(names, "FAILED");
      await eventually("all 100 alerts firing", async () =>
        (await app.alerts.firing("main")).length === 100 ? true : undefined,
      );
      await eventually("every sink in the summary's thread", async () =>
        names.every((name) => threadOf(from).includes(name)) ? true : undefined,
      );
    });
    const storm = callsSince(from);
    assert.equal(storm.posts.length, 1, "one summary message, not a message per five connectors");
    const summary = storm.posts[0] ?? assert.fail("no summary");
    const shown = JSON.stringify(summary.args.blocks);
    assert.match(shown, /FIRING: task failed on 100 connectors of main/);
    assert.ok(!shown.includes("alert_snooze"), "no button per connector");
    const summaryTs = storm.replies[0]?.args.thread_ts;
    assert.ok(storm.replies.every((call) => call.args.thread_ts === summaryTs));
    assert.ok(storm.replies.length <= 5, `${storm.replies.length} thread replies`);
    assert.deepEqual(standIn.rejections(), [], "every message within Slack's limits");
    console.log(
      `storm of 100: ${storm.posts.length} message, ${storm.replies.length} thread replies, ${storm.updates.length} edits; oldest poll age ${age} ms`,
    );

    // 40 run again in one poll, then 30 are deleted, then the last 30 run again: one edit and one reply each.
    const steps = [
      { what: "40 running again", change: () => set(names.slice(0, 40), "RUNNING"), firing: 60 },
      {
        what: "30 deleted",
        change: () => {
          const tasks = new Map(connect.tasks);
          for (const name of names.slice(40, 70)) tasks.delete(name);
          connect.tasks = tasks;
        },
        firing: 30,
      },
      { what: "the last 30 running again", change: () => set(names.slice(70), "RUNNING"), firing: 0 },
    ];
    for (const step of steps) {
      const mark = standIn.calls.length;
      step.change();
      await eventually(step.what, async () =>
        (await app.alerts.firing("main")).length === step.firing && callsSince(mark).replies.length > 0
          ? true
          : undefined,
      );
      const calls = callsSince(mark);
      assert.equal(calls.posts.length, 0, `${step.what}: no new message`);
      assert.equal(calls.updates.length, 1, `${step.what}: one edit`);
      assert.equal(calls.replies.length, 1, `${step.what}: one thread reply`);
      assert.equal(calls.updates[0]?.args.ts, summaryTs);
      console.log(`storm of 100, ${step.what}: ${calls.all} Slack calls`);
    }
    const last = standIn.callsOf("chat.update").at(-1);
    assert.match(JSON.stringify(last?.args.blocks), /RESOLVED: task failed on 100 connectors of main/);
    const gone = callsSince(0).replies.find((call) =>
      /Deleted: no longer exists/.test(JSON.stringify(call.args.blocks)),
    );
    assert.match(JSON.stringify(gone?.args.blocks), new RegExp(`${names[40]}, ${names[41]}, ${names[42]}`));
    assert.ok(!(await everyValue(redis, prefix)).includes(secret), "no trace's password in Redis in clear");
  });

  test("1,000 sinks fail in one poll: one message, its thread in a few dozen replies, the poll stays fresh; all resolve in one edit", async (context) => {
    const app = await start(context);
    const names = await runningSinks(app, uniqueName("storm1000"), 1000);
    const from = standIn.calls.length;
    const started = Date.now();
    const age = await oldestPollAge(app, async () => {
      set(names, "FAILED");
      await eventually(
        "every sink in the summary's thread",
        async () => (names.every((name) => threadOf(from).includes(name)) ? true : undefined),
        { timeoutMs: 120_000, intervalMs: 1_000 },
      );
    });
    const storm = callsSince(from);
    assert.equal(
      storm.posts.length,
      1,
      `one summary message: ${storm.posts.map((call) => String(call.args.text)).join(" / ")}`,
    );
    assert.ok(storm.replies.length <= 40, `${storm.replies.length} thread replies`);
    assert.deepEqual(standIn.rejections(), [], "every message within Slack's limits");
    console.log(
      `storm of 1,000: ${storm.posts.length} message, ${storm.replies.length} thread replies in ${Date.now() - started} ms; oldest poll age ${age} ms (stale after ${app.alerts.pollFreshness().staleAfterMs} ms)`,
    );

    const mark = standIn.calls.length;
    set(names, "RUNNING");
    await eventually(
      "all 1,000 resolved",
      async () =>
        (await app.alerts.firing("main")).length === 0 && callsSince(mark).replies.length > 0
          ? true
          : undefined,
      { timeoutMs: 60_000 },
    );
    const resolved = callsSince(mark);
    assert.equal(resolved.updates.length, 1, "resolved in one edit");
    assert.equal(resolved.replies.length, 1, "and one thread reply");
    assert.equal(resolved.posts.length, 0);
    assert.match(
      JSON.stringify(resolved.updates[0]?.args.blocks),
      /RESOLVED: task failed on 1,000 connectors/,
    );
    console.log(`storm of 1,000 resolved: ${resolved.all} Slack calls`);
    assert.ok(!(await everyValue(redis, prefix)).includes(secret), "no trace's password in Redis in clear");
  });
});
