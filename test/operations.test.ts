// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { Metrics } from "../src/ops/metrics.js";
import { Readiness, type ReadinessReport } from "../src/ops/readiness.js";
import {
  createSlackClient,
  type RunningSlackAdapter,
  startSlackAdapter,
} from "../src/slack/slack-adapter.js";
import { SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { SlackSimulator } from "./slack/slack-signer.js";
import { OwnRedis } from "./support/own-redis.js";
import { requestIdIn } from "./support/request-id.js";
import { eventually, fileSinkThatRead, testBed, testKafka } from "./support/test-bed-env.js";

const botToken = "xoxb-operations-secret-token";
const signingSecret = "operations-signing-secret";
const appToken = "xapp-operations-app-token";
const operator = "U0OPER";
const approver = "U0APPR";
const stranger = "U0STRANGER";
const connectPassword = "hunter2-connect-password";

/** Reads one sample of a metric from Prometheus' text format; 0 when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const matches = Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`));
    if (matches) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return 0;
}

describe("operations endpoints: /healthz, /readyz and /metrics, with no Slack signature", () => {
  let redis: OwnRedis;
  let standIn: SlackApiStandIn;
  let app: App;
  let slack: RunningSlackAdapter;
  let simulator: SlackSimulator;
  let dir: string;
  const kafka = testKafka();
  const get = async (path: string) => {
    const response = await fetch(`${slack.operationsUrl}${path}`);
    return {
      status: response.status,
      text: await response.text(),
      type: response.headers.get("content-type"),
    };
  };
  const ready = async () => {
    const { status, text } = await get("/readyz");
    return { status, report: JSON.parse(text) as ReadinessReport, text };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "operations-"));
    redis = await OwnRedis.start();
    standIn = await SlackApiStandIn.start({ botToken });
    // Two clusters: the test bed, and one whose Connect and Kafka are down (nothing listens on port 9).
    const file = `
clusters:
  - name: bed
    default: true
    connect: { url: "${testBed().connectUrl}", username: ops, passwordEnv: BED_PASSWORD }
    kafka: { brokers: [${testBed().bootstrapServers.split(",").join(", ")}] }
    roles: { operator: [${operator}], approver: [${approver}] }
  - name: gone
    connect: { url: "http://127.0.0.1:9" }
    kafka: { brokers: ["127.0.0.1:9"] }
`;
    const config = loadConfig(
      {
        CONFIG_FILE: "clusters.yaml",
        BED_PASSWORD: connectPassword,
        REDIS_URL: redis.url,
        LOG_LEVEL: "silent",
        SLACK_BOT_TOKEN: botToken,
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_API_URL: standIn.apiUrl,
      },
      () => file,
    );
    const metrics = new Metrics({ processMetrics: true });
    const client = createSlackClient(config.slack, { retryConfig: { retries: 1 } }, { metrics });
    app = createApp({ config, metrics, keyPrefix: "operations-test:" });
    await app.approvals.startWorker();
    slack = await startSlackAdapter({
      app,
      client,
      slack: { botToken, signingSecret, apiUrl: standIn.apiUrl },
      port: 0,
    });
    simulator = new SlackSimulator(slack.url, signingSecret);
  });
  after(async () => {
    await slack.stop();
    await app.close();
    await standIn.close();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("/healthz answers 200 without any Slack header; other methods are refused", async () => {
    const health = await get("/healthz");
    assert.equal(health.status, 200);
    assert.equal(health.text, "ok\n");
    const posted = await fetch(`${slack.operationsUrl}/healthz`, { method: "POST" });
    assert.equal(posted.status, 405);
    // Slack's own path still wants a signature.
    assert.equal((await fetch(slack.url, { method: "POST", body: "x" })).status, 401);
  });

  test("/metrics counts real commands by name and outcome, their Connect calls and Slack's 429s", async () => {
    const before = (await get("/metrics")).text;
    for (const [text, userId] of [
      ["status nothing-here-at-all", operator],
      ["list", operator],
      ["pause anything", stranger],
    ] as const) {
      const responseUrl = standIn.responseUrl();
      await simulator.slashCommand({ text, userId, responseUrl });
      await standIn.waitForCall("response_url", (call) => call.url === responseUrl);
    }
    standIn.rateLimitNext("chat.postMessage", 1);
    const client = createSlackClient(
      { botToken, apiUrl: standIn.apiUrl },
      {},
      { metrics: app.operations.metrics },
    );
    // Refused at once (the method waits out its Retry-After), not retried inside the client.
    await client.chat.postMessage({ channel: "C0OPS", text: "after a 429" }).catch(() => undefined);
    await client.chat.update({ channel: "C0OPS", ts: "1.2", text: "" }).catch(() => undefined);
    await client.apiCall("no.such.method").catch(() => undefined);

    const scraped = await get("/metrics");
    assert.equal(scraped.status, 200);
    assert.match(scraped.type ?? "", /^text\/plain; version=0\.0\.4/);
    const after = scraped.text;
    const moved = (name: string, labels: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);
    assert.equal(moved("connect_ops_commands_total", { command: "status", outcome: "failed" }), 1);
    assert.equal(moved("connect_ops_commands_total", { command: "list", outcome: "succeeded" }), 1);
    assert.equal(moved("connect_ops_commands_total", { command: "pause", outcome: "refused" }), 1);
    assert.equal(moved("connect_ops_command_duration_seconds_count", { command: "list" }), 1);
    assert.equal(
      moved("connect_ops_connect_requests_total", {
        cluster: "bed",
        outcome: "error",
        code: "CONNECT_NOT_FOUND",
      }),
      1,
    );
    assert.ok(moved("connect_ops_connect_requests_total", { cluster: "bed", outcome: "ok" }) >= 1);
    assert.equal(moved("connect_ops_slack_rate_limited_total", { method: "chat.postMessage" }), 1);
    assert.equal(moved("connect_ops_slack_rate_limit_wait_seconds_total", { method: "chat.postMessage" }), 1);
    assert.equal(
      moved("connect_ops_slack_api_errors_total", { method: "no.such.method", error: "unknown_method" }),
      1,
    );
    for (const state of ["waiting", "active", "delayed", "failed"]) {
      assert.match(after, new RegExp(`connect_ops_queue_jobs\\{queue="approvals",state="${state}"\\} \\d+`));
    }
    assert.match(after, /# TYPE connect_ops_lag_poll_duration_seconds histogram/);
    assert.match(after, /# TYPE connect_ops_kafka_requests_total counter/);
    assert.match(after, /connect_ops_process_resident_memory_bytes \d+/);
  });

  test("/metrics counts approval requests by state, executions and their steps, lag reads, polls and firing alerts", async () => {
    const before = (await get("/metrics")).text;
    const connect = app.clusters[0]?.connect ?? assert.fail("no cluster");
    const { connector } = await fileSinkThatRead(connect, kafka, dir, 2);
    const run = (id: string, text: string) =>
      app.dispatcher.dispatch({
        actor: { id, name: id, source: "slack" },
        text,
        requestId: `metrics-${text}`,
      });
    assert.equal((await run(operator, `lag ${connector}`)).outcome, "succeeded");
    const asked = await run(operator, `stop ${connector} --reason "metrics"`);
    const id = requestIdIn(asked.summary);
    assert.equal((await run(approver, `approve ${id}`)).outcome, "succeeded");
    await eventually("the stop to be done", async () =>
      (await app.approvals.get(id))?.state === "succeeded" ? true : undefined,
    );
    await app.alerts.poll();

    const after = (await get("/metrics")).text;
    const moved = (name: string, labels: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);
    for (const state of ["pending", "approved", "executing", "succeeded"]) {
      assert.equal(moved("connect_ops_approval_requests_total", { state }), 1, state);
    }
    assert.equal(moved("connect_ops_executions_total", { kind: "stop", outcome: "succeeded" }), 1);
    assert.equal(
      moved("connect_ops_execution_step_duration_seconds_count", { kind: "stop", step: "stopped" }),
      1,
    );
    assert.ok(moved("connect_ops_kafka_requests_total", { cluster: "bed", api: "OffsetFetch" }) >= 1);
    assert.equal(moved("connect_ops_lag_poll_duration_seconds_count", { cluster: "bed" }), 1);
    assert.equal(moved("connect_ops_lag_poll_duration_seconds_count", { cluster: "gone" }), 1);
    // The shared test bed may hold other people's failed connectors: count the one alert added here.
    const firingBefore = sample(after, "connect_ops_alerts_firing", { cluster: "bed", rule: "task-failed" });
    await app.alerts.store.saveFiring({
      key: `bed/${connector}/task-failed`,
      cluster: "bed",
      connector,
      rule: "task-failed",
      summary: "task 0 FAILED",
      details: [],
      value: 1,
      firedAt: Date.now(),
      announcedValue: 1,
    });
    const firingAfter = sample((await get("/metrics")).text, "connect_ops_alerts_firing", {
      cluster: "bed",
      rule: "task-failed",
    });
    assert.equal(firingAfter - firingBefore, 1);
    assert.equal(
      moved("connect_ops_approval_requests", { state: "succeeded" }),
      1,
      "requests by their state now",
    );
    await connect.deleteConnector(connector);
  });

  test("readiness: the alert poll is stale after three intervals and a minute without one, only where polling", async () => {
    let now = 1_000_000_000;
    let lastPollAt: number | undefined;
    let polling = true;
    const readiness = new Readiness({
      redis: { ping: async () => "PONG" },
      approvals: { workerRunning: true },
      alerts: {
        get polling() {
          return polling;
        },
        lastPollAt: async () => lastPollAt,
      },
      pollIntervalMs: 30_000,
      clusters: [],
      now: () => now,
    });
    assert.equal(
      (await readiness.check()).ready,
      true,
      "a bot that just started has time for its first poll",
    );
    now += 151_000;
    const stale = await readiness.check();
    assert.equal(stale.ready, false);
    assert.deepEqual(stale.checks.alertPoll, { problem: "no alert poll ended for 151 s (allowed 150 s)" });
    lastPollAt = now - 1_000;
    assert.equal((await readiness.check()).ready, true);
    now += 10 * 60_000;
    polling = false;
    assert.equal((await readiness.check()).ready, true, "a bot that does not poll does not wait for polls");
  });

  test("/readyz: ready with a cluster down, that cluster's Connect and Kafka listed; nothing secret shown", async () => {
    const { status, report, text } = await ready();
    assert.equal(status, 200, text);
    assert.equal(report.ready, true);
    assert.deepEqual(report.checks, { redis: "ok", approvalWorker: "ok", alertPoll: "ok", shutdown: "ok" });
    const bed = report.clusters.find((cluster) => cluster.name === "bed");
    const gone = report.clusters.find((cluster) => cluster.name === "gone");
    assert.deepEqual(bed, { name: "bed", connect: "ok", kafka: "ok" });
    assert.match(JSON.stringify(gone?.connect), /connection refused/);
    assert.notEqual(gone?.kafka, "ok");
    const everything = text + (await get("/metrics")).text;
    for (const secret of [botToken, signingSecret, connectPassword, appToken]) {
      assert.ok(!everything.includes(secret), `${secret} is not shown`);
    }
  });

  test("/readyz turns 503 when Redis stops and 200 when it is back", async () => {
    await redis.stop();
    const down = await eventually("readiness false", async () => {
      const answer = await ready();
      return answer.status === 503 ? answer.report : undefined;
    });
    assert.equal(down.ready, false);
    assert.notEqual(down.checks.redis, "ok");
    assert.equal((await get("/healthz")).status, 200, "the process still serves");
    const started = performance.now();
    const scrape = await get("/metrics");
    assert.equal(scrape.status, 200);
    assert.ok(performance.now() - started < 3_000, "a scrape does not wait for Redis");
    assert.match(scrape.text, /connect_ops_commands_total\{/);
    await redis.start();
    const up = await eventually("readiness true again", async () => {
      const answer = await ready();
      return answer.status === 200 ? answer.report : undefined;
    });
    assert.equal(up.checks.redis, "ok");
  });

  test("stopping (SIGTERM) turns readiness false at once", async () => {
    app.operations.readiness.stopping();
    const { status, report } = await ready();
    assert.equal(status, 503);
    assert.deepEqual(report.checks.shutdown, { problem: "shutting down" });
  });

  test("Socket Mode: the same endpoints on a port of their own", async () => {
    const socketStandIn = await SlackApiStandIn.start({ botToken, appToken });
    const config = loadConfig({
      CONNECT_URL: testBed().connectUrl,
      KAFKA_BROKERS: testBed().bootstrapServers,
      REDIS_URL: redis.url,
      LOG_LEVEL: "silent",
      SLACK_BOT_TOKEN: botToken,
      SLACK_APP_TOKEN: appToken,
      SLACK_API_URL: socketStandIn.apiUrl,
    });
    const socketApp = createApp({ config, keyPrefix: "operations-socket:" });
    await socketApp.approvals.startWorker();
    const socket = await startSlackAdapter({
      app: socketApp,
      client: createSlackClient(config.slack),
      slack: { botToken, signingSecret: "", appToken, apiUrl: socketStandIn.apiUrl },
      port: 0,
    });
    try {
      assert.equal(socket.url, "socket-mode");
      assert.equal((await fetch(`${socket.operationsUrl}/healthz`)).status, 200);
      assert.equal((await fetch(`${socket.operationsUrl}/readyz`)).status, 200);
      assert.match(
        await (await fetch(`${socket.operationsUrl}/metrics`)).text(),
        /connect_ops_commands_total/,
      );
      assert.equal((await fetch(`${socket.operationsUrl}/slack/events`, { method: "POST" })).status, 404);
    } finally {
      await socket.stop();
      await socketApp.close();
      await socketStandIn.close();
    }
  });
});
