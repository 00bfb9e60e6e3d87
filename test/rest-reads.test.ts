// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import type { Actor } from "../src/core/command-spec.js";
import type { Reply } from "../src/core/reply.js";
import { Readiness } from "../src/ops/readiness.js";
import { renderText } from "../src/shell/render-text.js";
import { createSlackClient } from "../src/slack/slack-adapter.js";
import { SlackAlertNotifier } from "../src/slack/slack-alerts.js";
import { type RecordedCall, SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { testRedis } from "./support/redis-prefix.js";
import {
  createTopicWithMessages,
  eventually,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";

const viewer = { id: "U0VIEW", name: "vera", source: "slack" } satisfies Actor;
const operator = { id: "U0OPER", name: "otto", source: "slack" } satisfies Actor;

/**
 * What the 4.4 test bed's worker answered to `GET /health` while it waited on a group member that had frozen
 * (SIGSTOP), after holding the request 10 s: HTTP 500 with this body. The proxy replays it; every other request
 * reaches the real worker.
 */
const unhealthy = {
  status: "unhealthy",
  message:
    "Worker was unable to handle this request and may be unable to handle other requests. The worker is currently ensuring membership in the cluster, which began at 2026-12-07T21:10:20.664Z.",
};
/** What a worker answers with 503 while it has not finished starting (KIP-1017; WorkerStatus.starting in 4.4). */
const starting = { status: "starting", message: "Worker is still starting up." };

const fileSink = "org.apache.kafka.connect.file.FileStreamSinkConnector";

describe("the rest of Connect's REST API as reads: plugins, tasks, topics, plugin versions, worker health", () => {
  const { prefix, cleanup } = testRedis("rest-reads");
  const kafka = testKafka();
  let app: App;
  let proxy: FaultProxy;
  let dir: string;
  const sink = uniqueName("reads-sink");
  const topic = uniqueName("reads-topic");
  let requests = 0;

  const run = (actor: Actor, line: string): Promise<Reply> =>
    app.dispatcher.dispatch({ actor, text: line, requestId: `reads-${++requests}` });
  const text = async (actor: Actor, line: string) => renderText(await run(actor, line));
  const connect = () => app.clusters[0]?.connect ?? assert.fail("no cluster");

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "rest-reads-"));
    proxy = await FaultProxy.start(testBed().connectUrl);
    app = createApp({
      config: loadConfig({
        CONNECT_URL: proxy.url,
        LOG_LEVEL: "silent",
        KAFKA_BROKERS: testBed().bootstrapServers,
        ROLE_VIEWERS: viewer.id,
        ROLE_OPERATORS: operator.id,
      }),
      keyPrefix: prefix,
    });
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 5 });
    await connect().putConfig(sink, {
      "connector.class": fileSink,
      topics: topic,
      file: join(dir, "out.txt"),
      "connection.password": "hunter2",
      "errors.deadletterqueue.url": "https://svc:s3cr3t@dlq.example.com/x",
    });
    await eventually("the sink's task to run", async () => {
      const status = await connect().status(sink);
      return status.tasks[0]?.state === "RUNNING" ? true : undefined;
    });
  });
  after(async () => {
    await connect()
      .deleteConnector(sink)
      .catch(() => undefined);
    await app.close();
    await proxy.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("plugins lists each connector plugin with the versions the worker reports; --type narrows", async () => {
    const reported = await connect().connectorPlugins();
    const all = await text(viewer, "plugins");
    for (const plugin of reported) {
      assert.match(all, new RegExp(`${plugin.class}\\s+${plugin.type}\\s+${plugin.version}`));
    }
    const sources = await text(viewer, "plugins --type source");
    assert.match(sources, /FileStreamSourceConnector/);
    assert.doesNotMatch(sources, /FileStreamSinkConnector/);
  });

  test("plugins <short name> shows the plugin's config keys: type, default, importance, first line of the doc", async () => {
    const keys = await connect().pluginConfig(fileSink);
    const version = (await connect().connectorPlugins()).find((p) => p.class === fileSink)?.version;
    const shown = await text(viewer, "plugins FileStreamSink");
    assert.match(shown, new RegExp(`^${fileSink} \\S+ on default: ${keys.length} config key\\(s\\)`));
    assert.match(shown, /\nfile\s+STRING\s+HIGH\s+Destination filename\./);
    assert.match(shown, /\ntasks\.max\s+INT\s+1\s+HIGH\s+Maximum number of tasks/);
    assert.match(shown, /\nconnector\.class \(required\)\s+STRING/);
    assert.equal(shown, await text(viewer, `plugins ${fileSink} --version ${version}`));
  });

  test("an unknown plugin is answered with the close matches among the worker's plugins", async () => {
    const reply = await run(viewer, "plugins FileStreamSnk");
    assert.equal(reply.outcome, "refused");
    assert.match(renderText(reply), new RegExp(`Close matches: ${fileSink}\\.$`));
  });

  test("--version needs Connect 4.1 (KIP-891): an older worker is named, not answered 'not found'", async () => {
    proxy.answerNextWith({ method: "GET", path: /^\/$/ }, 1, 200, {
      version: "4.0.2",
      commit: "0123456789abcdef",
      kafka_cluster_id: "older",
    });
    const reply = await run(viewer, "plugins FileStreamSink --version 4.4.0");
    assert.equal(reply.outcome, "failed");
    assert.match(
      reply.summary,
      /runs Kafka Connect 4\.0\.2; picking one of a plugin's versions \(\?version=, KIP-891\) needs Kafka Connect 4\.1 or newer/,
    );
    assert.doesNotMatch(reply.summary, /not found/i);
  });

  test("a 4.1+ worker offering several versions of a plugin: each is listed", async () => {
    // The bed installs one version; a worker with two answers the list as 4.1+ does, one entry per version.
    proxy.answerNextWith({ method: "GET", path: /^\/connector-plugins\?/ }, 1, 200, [
      { class: fileSink, type: "sink", version: "4.3.1" },
      { class: fileSink, type: "sink", version: "4.4.0" },
    ]);
    assert.match(await text(viewer, "plugins"), new RegExp(`${fileSink}\\s+sink\\s+4\\.3\\.1, 4\\.4\\.0`));
  });

  test("tasks shows each task's config, secrets hidden exactly as config hides them", async () => {
    const tasks = await text(viewer, `tasks ${sink}`);
    const config = await text(viewer, `config ${sink}`);
    assert.doesNotMatch(tasks, /hunter2|s3cr3t/);
    assert.match(tasks, /Task 0:/);
    assert.match(tasks, /task\.class\s+org\.apache\.kafka\.connect\.file\.FileStreamSinkTask/);
    const rows = (shown: string) =>
      new Map(
        shown
          .split("\n")
          .map((line) => /^(\S+)\s{2,}(.+)$/.exec(line))
          .flatMap((match) =>
            match?.[1] === undefined || match[2] === undefined ? [] : [[match[1], match[2]]],
          ),
      );
    const configRows = rows(config);
    const taskRows = rows(tasks);
    for (const key of ["connection.password", "errors.deadletterqueue.url", "topics", "file"]) {
      assert.ok(configRows.has(key), key);
      assert.equal(taskRows.get(key), configRows.get(key), key);
    }
    assert.equal(taskRows.get("connection.password"), "••••••");
  });

  test("topics lists what the sink read; topics reset empties it, names what it held, in the channel and the audit", async () => {
    const used = await eventually("the sink's topic to be tracked", async () => {
      const shown = await text(viewer, `topics ${sink}`);
      return shown.includes(topic) ? shown : undefined;
    });
    assert.match(used, new RegExp(`^${sink} \\(sink\\) on default has used 1 topic\\(s\\)`));
    assert.equal((await run(viewer, `topics reset ${sink} --reason "orders moved"`)).outcome, "refused");
    const reset = await run(operator, `topics reset ${sink} --reason "orders moved"`);
    assert.equal(reset.outcome, "succeeded");
    assert.equal(reset.visibility, "in_channel");
    assert.match(
      renderText(reset),
      new RegExp(
        `otto reset the list of topics ${sink} on default has used \\(it held ${topic}\\)\\..*Reason: "orders moved"$`,
      ),
    );
    // Connect applies the reset asynchronously (202): the list is empty once the worker has read it back.
    await eventually("the list to be empty", async () =>
      (await connect().connectorTopics(sink)).length === 0 ? true : undefined,
    );
    const [entry] = await app.audit.query({ connector: sink, limit: 1 });
    assert.equal(entry?.command, "topics reset");
    assert.equal(entry?.outcome, "succeeded");
    assert.match(entry?.args ?? "", /orders moved/);
  });

  test("topics of a connector Connect does not know is 'not found', though Connect answers it an empty list", async () => {
    const ghost = uniqueName("reads-ghost");
    assert.deepEqual(await connect().connectorTopics(ghost), []);
    const reply = await run(viewer, `topics ${ghost}`);
    assert.equal(reply.outcome, "failed");
    assert.match(reply.summary, /^Not found on cluster default/);
  });

  test("a worker with topic.tracking.allow.reset=false: the refusal names that setting, nothing changes", async () => {
    const before = await connect().connectorTopics(sink);
    // Connect's answer where the reset is turned off (ConnectorsResource in 4.4): 403 with its JSON error body.
    proxy.answerNextMatching(
      { method: "PUT", path: /\/topics\/reset$/ },
      1,
      403,
      "Topic tracking reset is disabled.",
    );
    const reply = await run(operator, `topics reset ${sink} --reason "orders moved"`);
    assert.equal(reply.outcome, "failed");
    assert.match(
      reply.summary,
      /Topic tracking reset is disabled\. Its workers run with topic\.tracking\.allow\.reset=false/,
    );
    assert.doesNotMatch(reply.summary, /unauthori[sz]ed|credentials\b(?! were accepted)/);
    assert.deepEqual(await connect().connectorTopics(sink), before);
  });

  test("status shows the plugin version of the connector and of each task where the worker reports it (KIP-891)", async () => {
    const reported = await connect().status(sink);
    const version = reported.connector.version ?? assert.fail("the 4.4 worker reports versions");
    const shown = await text(viewer, `status ${sink}`);
    assert.match(shown, new RegExp(`plugin version: ${version}`));
    assert.match(shown, new RegExp(`\\n0\\s+RUNNING\\s+\\S+\\s+${reported.tasks[0]?.version}`));
  });

  test("clusters shows the worker's own health: healthy; unhealthy with its message; not reported before 3.9", async () => {
    assert.match(await text(viewer, "clusters"), /default \(default\)\s+\S+\s+answers\s+healthy/);
    proxy.answerNextWith({ method: "GET", path: /^\/health$/ }, 1, 500, unhealthy);
    assert.match(
      await text(viewer, "clusters"),
      /answers\s+unhealthy: Worker was unable to handle this request .* ensuring membership in the cluster/,
    );
    proxy.answerNextWith({ method: "GET", path: /^\/$/ }, 2, 200, {
      version: "3.8.1",
      commit: "0123456789abcdef",
      kafka_cluster_id: "older",
    });
    assert.match(await text(viewer, "clusters"), /3\.8\.1\s+answers\s+not reported \(needs 3\.9\)/);
    // A worker holds /health while it cannot answer: the command's own deadline (8 s) ends the wait, and says so.
    proxy.hangNextMatching({ method: "GET", path: /^\/health$/ });
    assert.match(
      await text(viewer, "clusters"),
      /answers\s+no verdict \(held [78]\.\d s without an answer \(a worker holds it while starting or unhealthy\)\)/,
    );
  });

  test("readiness lists Connect as not answering, or answering but starting or unhealthy, as the alert says it", async () => {
    const readiness = new Readiness({
      redis: { ping: async () => "PONG" },
      approvals: { workerRunning: true },
      alerts: { polling: false, lastPollAt: async () => undefined },
      pollIntervalMs: 30_000,
      clusters: app.clusters,
    });
    const connectCheck = async () => (await readiness.check()).clusters[0]?.connect;
    assert.equal(await connectCheck(), "ok");
    proxy.answerNextWith({ method: "GET", path: /^\/health$/ }, 1, 503, starting);
    assert.deepEqual(await connectCheck(), {
      problem: "answering, but starting: Worker is still starting up.",
    });
    // The real worker holds /health while it cannot answer: no verdict within the probe's bound says so.
    proxy.hangNextMatching({ method: "GET", path: /^\/health$/ });
    assert.match(
      JSON.stringify(await connectCheck()),
      /answering, but GET \/health gave no verdict within 1750 ms/,
    );
    proxy.setDown(true);
    try {
      assert.match(JSON.stringify(await connectCheck()), /"not answering: /);
    } finally {
      proxy.setDown(false);
    }
  });
});

describe("the Connect-unreachable alert tells a worker that answers but is unhealthy from one that does not answer", () => {
  const { prefix, cleanup } = testRedis("rest-reads-alert");
  const botToken = "xoxb-rest-reads";
  const channel = "C0READS";
  let standIn: SlackApiStandIn;
  let proxy: FaultProxy;
  let app: App;
  const textOf = (call: RecordedCall) =>
    `${String(call.args.text)} ${JSON.stringify(call.args.blocks ?? [])}`;

  before(async () => {
    standIn = await SlackApiStandIn.start({ botToken, users: [] });
    proxy = await FaultProxy.start(testBed().connectUrl);
    const config = loadConfig(
      {
        CONFIG_FILE: "alerts.yaml",
        LOG_LEVEL: "silent",
        SLACK_BOT_TOKEN: botToken,
        SLACK_API_URL: standIn.apiUrl,
      },
      () => `
alerts:
  channel: ${channel}
  pollInterval: 1s
clusters:
  - name: wobbly
    connect: { url: "${proxy.url}" }
    kafka: { brokers: ["${testBed().bootstrapServers}"] }
`,
    );
    const client = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    app = createApp({ config, keyPrefix: prefix, alertNotifier: () => new SlackAlertNotifier(client) });
  });
  after(async () => {
    await app.close();
    await proxy.close();
    await standIn.close();
    await cleanup();
  });

  test("answering but unhealthy: the alert carries the worker's own message; not answering: it says so", async () => {
    // A worker stuck on its group: every herder request ends in a 500, and /health says why.
    proxy.answerNextMatching({ method: "GET", path: /^\/connectors/ }, 1_000, 500, "Request timed out");
    proxy.answerNextWith({ method: "GET", path: /^\/health$/ }, 1_000, 500, unhealthy);
    await app.alerts.start();
    const fired = await standIn.waitForCall(
      "chat.postMessage",
      (call) => /FIRING: Connect unreachable, cluster wobbly/.test(textOf(call)),
      60_000,
    );
    assert.match(
      textOf(fired),
      /Connect answers, but is unhealthy: Worker was unable to handle this request/,
    );
    assert.doesNotMatch(textOf(fired), /does not answer/);
    proxy.clearFaults();
    await standIn.waitForCall(
      "chat.update",
      (call) => /RESOLVED: Connect unreachable/.test(textOf(call)),
      60_000,
    );

    proxy.setDown(true);
    const down = await eventually("a second Connect-unreachable alert", async () =>
      standIn
        .callsOf("chat.postMessage")
        .filter((call) => call !== fired && /FIRING: Connect unreachable, cluster wobbly/.test(textOf(call)))
        .at(0),
    );
    assert.match(textOf(down), /Connect does not answer/);
    assert.doesNotMatch(textOf(down), /unhealthy/);
    proxy.setDown(false);
  });
});
