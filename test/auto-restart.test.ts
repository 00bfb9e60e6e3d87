// needs: bed
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Queue } from "bullmq";
import { type App, createApp } from "../src/app.js";
import { classifyTrace } from "../src/automation/trace-classes.js";
import { loadConfig } from "../src/config/index.js";
import { RedisKeys } from "../src/redis-keys.js";
import { createSlackClient } from "../src/slack/slack-adapter.js";
import { SlackAlertNotifier } from "../src/slack/slack-alerts.js";
import { type RecordedCall, SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { AutomationBots } from "./support/automation-bots.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { testRedis } from "./support/redis-prefix.js";
import {
  createTopicWithMessages,
  eventually,
  produce,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";

const botToken = "xoxb-auto-restart";
const alertsChannel = "C0AUTORESTART";

/**
 * Opted in for `auto-*`. The missing-directory failure is persistent in the built-in table; this site teaches the
 * bot to call it transient (a config trace rule), so the real worker gives a failure a restart can cure once the
 * directory exists.
 */
const configFile = (connectUrl: string, first: string) => `
alerts:
  channel: ${alertsChannel}
  pollInterval: 1s
  thresholds: { sustain: 5s, stalled: 10m, fallingBehind: 10m, paused: 10m }
  routes:
    - { connector: "auto-json-*", channel: C0AUTOJSON }
    - { connector: "auto-file-*", channel: C0AUTOFILE }
    - { connector: "auto-kill-*", channel: C0AUTOKILL }
    - { connector: "auto-late-*", channel: C0AUTOLATE }
automation:
  autoRestart:
    - connector: "auto-*"
      attempts: 2
      backoff: { first: ${first}, factor: 2, cap: 1m }
      healthyFor: 10m
  traceRules:
    - { match: "NoSuchFileException", verdict: transient, why: "the output directory is missing" }
clusters:
  - name: main
    connect: { url: "${connectUrl}" }
    kafka: { brokers: ["${testBed().bootstrapServers}"] }
`;

const textOf = (call: RecordedCall) => `${String(call.args.text)} ${JSON.stringify(call.args.blocks ?? [])}`;

describe("auto-restart: transient failures restarted with backoff, persistent ones never", () => {
  const { prefix, cleanup } = testRedis("auto-restart");
  const kafka = testKafka();
  let standIn: SlackApiStandIn;
  let dir: string;
  const apps: App[] = [];
  const created: string[] = [];

  const start = async (first = "2s", connectUrl = testBed().connectUrl): Promise<App> => {
    const config = loadConfig(
      {
        CONFIG_FILE: "bot.yaml",
        LOG_LEVEL: "silent",
        SLACK_BOT_TOKEN: botToken,
        SLACK_API_URL: standIn.apiUrl,
      },
      () => configFile(connectUrl, first),
    );
    const client = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    const app = createApp({
      config,
      keyPrefix: `${prefix}bot:`,
      alertNotifier: () => new SlackAlertNotifier(client),
    });
    apps.push(app);
    await app.alerts.start();
    app.automation.start();
    return app;
  };
  const connect = () => apps[0]?.clusters[0]?.connect ?? assert.fail("no app");
  /** The lines said in alert threads of the connector's channel (each test's connector has a channel of its own). */
  const threadOf = (connector: string): string[] => {
    const channel = `C0AUTO${connector.split("-")[1]?.toUpperCase()}`;
    return standIn
      .callsOf("chat.postMessage")
      .filter((call) => call.args.channel === channel && call.args.thread_ts !== undefined)
      .map(textOf);
  };
  /** Waits for a line in the connector's alert thread; resolves with when it came (epoch ms). */
  const said = async (connector: string, pattern: RegExp, timeoutMs = 40_000): Promise<number> => {
    await eventually(
      `${pattern} in ${connector}'s thread`,
      async () => (threadOf(connector).some((line) => pattern.test(line)) ? true : undefined),
      { timeoutMs, intervalMs: 100 },
    );
    return Date.now();
  };
  /**
   * When attempt `attempt` of `connector` is due (epoch ms), as the bots' BullMQ queue holds it: the moment "on
   * time" is measured from, rather than when this process happened to read the bot's message about it.
   */
  const dueOf = async (connector: string, attempt: number): Promise<number> => {
    const queue = new Queue("automation", {
      connection: { host: "127.0.0.1", port: 6379 },
      prefix: new RedisKeys(`${prefix}bot:`).bullPrefix,
    });
    try {
      const jobs = await queue.getJobs(["delayed", "waiting", "active", "completed"]);
      const job = jobs.find((each) => each.data?.connector === connector && each.data?.attempt === attempt);
      return job === undefined
        ? assert.fail(`no job for attempt ${attempt}`)
        : job.timestamp + (job.opts.delay ?? 0);
    } finally {
      await queue.close();
    }
  };
  const autoRestarts = async (app: App, connector: string) =>
    (await app.audit.query({ connector, limit: 50 })).filter((entry) => entry.command === "auto-restart");

  async function sink(name: string, topic: string, config: Record<string, string>): Promise<string> {
    created.push(name);
    await connect().putConfig(name, {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: topic,
      ...config,
    });
    return name;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "auto-restart-"));
    standIn = await SlackApiStandIn.start({ botToken });
  });
  after(async () => {
    for (const name of created)
      await connect()
        .deleteConnector(name)
        .catch(() => undefined);
    for (const app of apps) await app.close().catch(() => undefined);
    await standIn.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("the table reads the worker's own traces: a FileStreamSink without its directory, a JSON converter fed plain text", async () => {
    await start();
    const topic = uniqueName("trace-topic");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 1 });
    const noDir = await sink(uniqueName("trace-nodir"), topic, { file: join(dir, "absent", "out.txt") });
    const json = await sink(uniqueName("trace-json"), topic, {
      file: join(dir, "json.txt"),
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "true",
    });
    const traceOf = (name: string) =>
      eventually(`${name} FAILED`, async () => (await connect().status(name)).tasks[0]?.trace);
    assert.deepEqual(classifyTrace(await traceOf(noDir)), {
      verdict: "persistent",
      why: "a file or directory the connector needs is missing or not writable",
    });
    assert.deepEqual(classifyTrace(await traceOf(json)), {
      verdict: "persistent",
      why: "records cannot be converted (serialization)",
    });
  });

  test("a persistent failure is never restarted: the alert's thread says why, and no restart is audited", async () => {
    const app = apps[0] ?? (await start());
    const topic = uniqueName("auto-json-topic");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 1 });
    const name = await sink(uniqueName("auto-json"), topic, {
      file: join(dir, "auto-json.txt"),
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "true",
    });
    await said(name, /records cannot be converted \(serialization\): a restart will not help/);
    // Several polls later (1 s each), still nothing restarted it: the task keeps its first failure.
    await sleep(6_000);
    assert.deepEqual(await autoRestarts(app, name), []);
    assert.equal(threadOf(name).filter((line) => /Auto-restart \d of/.test(line)).length, 0);
    assert.equal((await connect().status(name)).tasks[0]?.state, "FAILED");
    await produce(kafka, topic, [{ value: "still not json", partition: 0 }]);
  });

  test("a transient failure: restarted after 2 s then 4 s, a failure right after counts, then the bot gives up and says so", async () => {
    const app = apps[0] ?? (await start());
    const topic = uniqueName("auto-file-topic");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 1 });
    const name = await sink(uniqueName("auto-file"), topic, {
      file: join(dir, uniqueName("gone"), "out.txt"),
    });
    const failedAt = await eventually("FAILED", async () =>
      (await connect().status(name)).tasks[0]?.state === "FAILED" ? Date.now() : undefined,
    );
    await said(name, /Auto-restart 1 of 2 in 2\.0 s: the output directory is missing: transient/);
    await said(name, /Auto-restart 1 of 2: restarted task 0/);
    await said(name, /Auto-restart 2 of 2 in 4\.0 s/);
    await said(name, /Auto-restart 2 of 2: restarted task 0/);
    await said(name, /Auto-restart gave up: 2 attempt\(s\) in .* did not keep it running/);
    const entries = (await autoRestarts(app, name)).reverse();
    assert.equal(entries.length, 2, "one audit entry per attempt");
    const [one, two] = entries.map((entry) => Date.parse(entry.time));
    assert.ok((one ?? 0) - failedAt >= 1_800, `not before the first wait: ${(one ?? 0) - failedAt} ms`);
    assert.ok((two ?? 0) - (one ?? 0) >= 3_800, `the wait doubled: ${(two ?? 0) - (one ?? 0)} ms`);
    assert.match(entries[1]?.detail ?? "", /attempt 2 of 2: task 0 \(the output directory is missing\)/);
    await sleep(4_000);
    assert.equal((await autoRestarts(app, name)).length, 2, "nothing after giving up");
  });

  test("Connect acting on a restart seconds after its 202: the FAILED it still shows meanwhile is not judged a failed attempt", async () => {
    for (const app of apps.splice(0)) await app.close();
    const proxy = await FaultProxy.start(testBed().connectUrl);
    try {
      // A first wait long enough for this test to make the directory and arm the proxy before the restart.
      await start("4s", proxy.url);
      const topic = uniqueName("auto-late-topic");
      await createTopicWithMessages(kafka, topic, { partitions: 1, count: 1 });
      const outDir = join(dir, uniqueName("late"));
      const name = await sink(uniqueName("auto-late"), topic, { file: join(outDir, "out.txt") });
      await said(name, /Auto-restart 1 of 2 in 4\.0 s/);
      // The restart will hold (the directory is there now), but Connect acts on it 4 s after accepting it.
      await mkdir(outDir);
      const status = await connect().status(name);
      proxy.acceptLate({ method: "POST", path: /\/restart\?/ }, 4_000, 202, {
        ...status,
        tasks: status.tasks.map((task) => ({ ...task, state: "RESTARTING" })),
      });
      await said(name, /Auto-restart 1 of 2: restarted task 0/);
      await eventually("RUNNING after the late restart", async () =>
        (await connect().status(name)).tasks[0]?.state === "RUNNING" ? true : undefined,
      );
      await sleep(3_000);
      assert.deepEqual(
        threadOf(name).filter((line) => /Auto-restart 2 of 2|gave up/.test(line)),
        [],
        `no second attempt for a restart that held: ${threadOf(name).join(" / ")}`,
      );
      assert.equal((await autoRestarts(apps[0] ?? assert.fail("no app"), name)).length, 1);
    } finally {
      await proxy.close();
    }
  });

  test("backoffs pending when the bot is killed (SIGKILL), twice: each next bot restarts once, on time, and the attempts count on", async () => {
    for (const app of apps.splice(0)) await app.close();
    const configPath = join(dir, "bot.yaml");
    await writeFile(configPath, configFile(testBed().connectUrl, "4s"));
    const bots = new AutomationBots({
      configFile: configPath,
      keyPrefix: `${prefix}bot:`,
      slack: { botToken, apiUrl: standIn.apiUrl },
    });
    // This process only reads (Connect, the audit trail); the bots it starts poll and restart.
    const reader = createApp({
      config: loadConfig({ CONFIG_FILE: configPath, LOG_LEVEL: "silent" }, () =>
        configFile(testBed().connectUrl, "4s"),
      ),
      keyPrefix: `${prefix}bot:`,
    });
    apps.push(reader);
    try {
      const topic = uniqueName("auto-kill-topic");
      await createTopicWithMessages(kafka, topic, { partitions: 1, count: 1 });
      const outDir = join(dir, uniqueName("later"));
      const name = await sink(uniqueName("auto-kill"), topic, { file: join(outDir, "out.txt") });

      const first = await bots.start();
      await said(name, /Auto-restart 1 of 2 in 4\.0 s/);
      const firstDue = await dueOf(name, 1);
      await bots.kill(first);
      // The directory is still missing: the first restart fails again, and the second is due 8 s later.
      const second = await bots.start();
      await said(name, /Auto-restart 1 of 2: restarted task 0/);
      // The next attempt is decided by an alert poll; the killed bot's poll claim (a 5 s lease) delays it by
      // seconds, not the minute it once did, so the usual wait holds.
      await said(name, /Auto-restart 2 of 2 in 8\.0 s/);
      const secondDue = await dueOf(name, 2);
      await bots.kill(second);
      await mkdir(outDir);
      await bots.start();
      await said(name, /Auto-restart 2 of 2: restarted task 0/);
      await eventually("RUNNING again", async () =>
        (await connect().status(name)).tasks[0]?.state === "RUNNING" ? true : undefined,
      );
      await sleep(3_000);
      const entries = (await autoRestarts(reader, name)).reverse();
      assert.equal(entries.length, 2, "each attempt once, not once per bot");
      const [one, two] = entries.map((entry) => Date.parse(entry.time));
      assert.ok((one ?? 0) >= firstDue, `the first not before it was due: ${(one ?? 0) - firstDue} ms`);
      assert.ok((two ?? 0) >= secondDue, `the second not before it was due: ${(two ?? 0) - secondDue} ms`);
      assert.match(entries[1]?.detail ?? "", /attempt 2 of 2/);
      assert.equal(threadOf(name).filter((line) => /Auto-restart 1 of 2: restarted/.test(line)).length, 1);
      assert.equal(threadOf(name).filter((line) => /Auto-restart gave up/.test(line)).length, 0);
    } finally {
      await bots.closeAll();
    }
  });
});
