// needs: bed
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { defaultThresholds } from "../src/alerts/alert-thresholds.js";
import { Alerts } from "../src/alerts/alerts.js";
import { type App, createApp, createLogger } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import type { ClusterHandle } from "../src/core/cluster-handle.js";
import type { ConnectorOverview } from "../src/core/ports.js";
import { ReceiverQueue } from "../src/receivers/receiver-queue.js";
import { verifyWebhook, webhookHeaders } from "../src/receivers/webhook-signature.js";
import { AlertmanagerBed } from "./support/alertmanager.js";
import { freePort } from "./support/own-redis.js";
import { PagerDutyStandIn, RecordingServer } from "./support/receiver-stand-ins.js";
import { testRedis } from "./support/redis-prefix.js";
import {
  createTopicWithMessages,
  eventually,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";

const operator = { id: "U0OPER", name: "otto" };
const routingKey = "pd-routing-key-0123456789abcdef0";
const hookSecret = "hook-secret-never-logged";

describe("alert receivers beyond Slack: a real Alertmanager, PagerDuty's and a webhook's protocol", () => {
  const { prefix, cleanup } = testRedis("alert-receivers");
  const kafka = testKafka();
  let alertmanager: AlertmanagerBed;
  let pagerDuty: PagerDutyStandIn;
  let hook: RecordingServer;
  let dir: string;
  let app: App;
  const logLines: string[] = [];
  const created: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "alert-receivers-"));
    alertmanager = await AlertmanagerBed.start();
    pagerDuty = await PagerDutyStandIn.start();
    hook = await RecordingServer.start(() => ({ status: 204, body: "" }));
    const nobodyListens = await freePort();
    const config = loadConfig(
      {
        CONFIG_FILE: "receivers.yaml",
        LOG_LEVEL: "info",
        TEST_PD_ROUTING_KEY: routingKey,
        TEST_HOOK_SECRET: hookSecret,
      },
      () => `
alerts:
  channel: C0ALERTS
  pollInterval: 1s
  repeatInterval: 1h
  receivers:
    team-am: { type: alertmanager, url: "${alertmanager.url}" }
    oncall: { type: pagerduty, url: "${pagerDuty.url}", routingKeyEnv: TEST_PD_ROUTING_KEY, resolveAfter: 2s, backoff: 1s }
    audit-hook: { type: webhook, url: "${hook.url}/hook", secretEnv: TEST_HOOK_SECRET, backoff: 1s }
    gone-hook: { type: webhook, url: "http://127.0.0.1:${nobodyListens}/hook", secretEnv: TEST_HOOK_SECRET, attempts: 2, backoff: 1s }
  routes:
    - { connector: "rcv-*", rule: task-failed, receivers: [gone-hook, team-am, oncall, audit-hook] }
clusters:
  - name: main
    connect: { url: "${testBed().connectUrl}" }
    kafka: { brokers: ["${testBed().bootstrapServers}"] }
    roles: { operator: [${operator.id}] }
`,
    );
    app = createApp({
      config,
      keyPrefix: `${prefix}bot:`,
      logger: createLogger("info", { write: (line: string) => void logLines.push(line) }),
    });
    await app.alerts.start();
  });

  after(async () => {
    const connect = app.clusters[0]?.connect;
    for (const name of created) await connect?.deleteConnector(name).catch(() => undefined);
    await app.close({ drainMs: 2_000 });
    await Promise.all([alertmanager.stop(), pagerDuty.http.stop(), hook.stop()]);
    await rm(dir, { recursive: true, force: true });
    await cleanup();
  });

  test("a task that fails reaches Alertmanager (labels), PagerDuty (one incident: trigger, acknowledge, resolve) and the signed webhook, each once, while one dead receiver is given up with a dead letter", async () => {
    const connect = app.clusters[0]?.connect ?? assert.fail("no cluster");
    const topic = uniqueName("rcv-topic");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 2 });
    const missing = join(dir, `missing-${topic}`);
    const connector = uniqueName("rcv-sink");
    created.push(connector);
    // PagerDuty is busy at first, the webhook down once: both are retried with backoff.
    pagerDuty.http.failNext.push(429);
    hook.failNext.push(503);
    await connect.putConfig(connector, {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: topic,
      file: join(missing, "out.txt"),
    });
    const key = `main/${connector}/task-failed`;

    const held = await eventually(
      "the alert held by Alertmanager",
      async () => (await alertmanager.alerts()).find((alert) => alert.labels.connector === connector),
      { timeoutMs: 45_000 },
    );
    assert.deepEqual(held.labels, {
      alertname: "task-failed",
      cluster: "main",
      connector,
      rule: "task-failed",
      severity: "critical",
    });
    assert.equal(held.status.state, "active");
    assert.match(held.annotations.summary ?? "", /1 of 1 task FAILED/);
    assert.ok(Date.parse(held.endsAt) > Date.now(), "re-sent while firing: it ends in the future");
    const exposition = (await app.operations.metrics.exposition()).text;
    const series = `{cluster="main",connector="${connector}"}`;
    assert.ok(
      exposition.includes(`connect_ops_connector_tasks_failed${series} 1`),
      "its failed task on /metrics",
    );
    assert.ok(exposition.includes(`connect_ops_connector_tasks_running${series} 0`));
    assert.match(
      exposition,
      new RegExp(`connect_ops_sink_lag_records${series.replace(/[{}]/g, "\\$&")} \\d+`),
    );

    const trigger = await eventually("PagerDuty's trigger", async () =>
      pagerDuty.events.find((event) => event.event_action === "trigger" && event.dedup_key === key),
    );
    assert.equal(trigger.routing_key, routingKey);
    assert.equal(trigger.payload?.severity, "critical");
    assert.equal(trigger.payload?.source, "main");
    assert.match(trigger.payload?.summary ?? "", new RegExp(`${connector} on main: task failed`));
    assert.equal(pagerDuty.http.requests[0]?.status, 429, "the first try was answered 429, and retried");

    const fired = await eventually("the webhook's fired delivery", async () =>
      hook.requests.find((request) => request.status === 204 && request.body.includes('"event":"fired"')),
    );
    assert.equal(hook.requests[0]?.status, 503, "the first try was answered 503, and retried");
    const signature = (request: { headers: Record<string, string | string[] | undefined>; body: string }) =>
      verifyWebhook({
        secret: hookSecret,
        body: request.body,
        timestamp: String(request.headers[webhookHeaders.timestamp]),
        signature: String(request.headers[webhookHeaders.signature]),
        nowSeconds: Math.floor(Date.now() / 1000),
      });
    assert.ok(signature(fired), "signed with the shared secret");
    assert.ok(
      !verifyWebhook({
        secret: "wrong",
        body: fired.body,
        timestamp: String(fired.headers[webhookHeaders.timestamp]),
        signature: String(fired.headers[webhookHeaders.signature]),
        nowSeconds: Math.floor(Date.now() / 1000),
      }),
    );
    assert.ok(
      !verifyWebhook({
        secret: hookSecret,
        body: fired.body,
        timestamp: String(fired.headers[webhookHeaders.timestamp]),
        signature: String(fired.headers[webhookHeaders.signature]),
        nowSeconds: Math.floor(Date.now() / 1000) + 3600,
      }),
      "a delivery replayed an hour later is refused",
    );
    const body = JSON.parse(fired.body) as { alert: { key: string; severity: string } };
    assert.equal(body.alert.key, key);
    assert.equal(body.alert.severity, "critical");

    const acked = await app.dispatcher.dispatch({
      actor: { ...operator, source: "slack" },
      text: `alerts ack ${connector}`,
      requestId: "receivers-ack",
    });
    assert.match(JSON.stringify(acked.parts), /acknowledged 1 alert/);
    await eventually("PagerDuty's acknowledge", async () =>
      pagerDuty.incidents.find((incident) => incident.dedupKey === key && incident.status === "acknowledged"),
    );

    await mkdir(missing);
    await connect.restart(connector, { includeTasks: true, onlyFailed: true });
    await eventually(
      "Alertmanager no longer holding it active",
      async () =>
        (await alertmanager.alerts()).some((alert) => alert.labels.connector === connector)
          ? undefined
          : true,
      { timeoutMs: 45_000 },
    );
    await eventually("PagerDuty's resolve, after resolveAfter", async () =>
      pagerDuty.incidents.find((incident) => incident.dedupKey === key && incident.status === "resolved"),
    );
    await eventually("the webhook's resolved delivery", async () =>
      hook.requests.find((request) => request.status === 204 && request.body.includes('"event":"resolved"')),
    );
    await eventually("the dead letter of the receiver nobody answers", async () =>
      logLines.find((line) => line.includes("dead letter") && line.includes("gone-hook")),
    );

    const accepted = (action: string) =>
      pagerDuty.events.filter((event) => event.dedup_key === key && event.event_action === action).length;
    assert.deepEqual(
      {
        incidents: pagerDuty.incidents.filter((incident) => incident.dedupKey === key).length,
        triggers: accepted("trigger"),
        acknowledges: accepted("acknowledge"),
        resolves: accepted("resolve"),
      },
      { incidents: 1, triggers: 1, acknowledges: 1, resolves: 1 },
    );
    const delivered = hook.requests.filter((request) => request.status === 204);
    assert.deepEqual(
      delivered.map((request) => (JSON.parse(request.body) as { event: string }).event),
      ["fired", "acknowledged", "resolved"],
    );
    assert.ok(delivered.every(signature));

    const metrics = (await app.operations.metrics.exposition()).text;
    assert.match(
      metrics,
      /connect_ops_alert_receiver_sends_total\{receiver="oncall",type="pagerduty",outcome="failed"\} 1/,
    );
    assert.match(
      metrics,
      /connect_ops_alert_receiver_sends_total\{receiver="oncall",type="pagerduty",outcome="ok"\} 3/,
    );
    assert.match(
      metrics,
      /connect_ops_alert_receiver_dead_letters_total\{receiver="gone-hook",type="webhook"\} [1-9]/,
    );
    const logged = logLines.join("\n");
    assert.ok(!logged.includes(routingKey), "the routing key is never logged");
    assert.ok(!logged.includes(hookSecret), "the HMAC secret is never logged");
  });
});

describe("PagerDuty: a flapping connector is one incident", () => {
  const shared = testRedis("alert-receivers-flap");
  const minute = 60_000;

  test("failed, recovered and failed again within resolveAfter: one incident, its resolve held back and dropped; resolved once it stays recovered", async () => {
    const pagerDuty = await PagerDutyStandIn.start();
    // BullMQ's worker blocks on Redis: a connection of its own that retries without limit.
    const connection = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: null });
    let now = Date.UTC(2026, 11, 1, 9, 0);
    let taskState: "FAILED" | "RUNNING" = "FAILED";
    const cluster: ClusterHandle = {
      name: "prod",
      isDefault: true,
      connect: {
        listConnectors: async (): Promise<ConnectorOverview[]> => [
          {
            name: "orders-source",
            type: "source",
            config: {},
            state: "RUNNING",
            workerId: "worker-1:8083",
            tasks: [{ id: 0, state: taskState, worker_id: "worker-1:8083", trace: "boom" }],
          },
        ],
        // The trace of a failed task is searched for the config's secret values.
        passwordKeys: async () => new Set<string>(),
        workersAnswering: async () => new Map(),
      } satisfies Partial<ClusterHandle["connect"]> as unknown as ClusterHandle["connect"],
      lag: {} as ClusterHandle["lag"],
    };
    const keyPrefix = `${shared.prefix}flap:`;
    const receivers = new ReceiverQueue({
      connection,
      redis: shared.redis,
      keyPrefix,
      receivers: [
        {
          name: "oncall",
          type: "pagerduty",
          url: pagerDuty.url,
          routingKey,
          resolveAfterMs: 1_500,
          attempts: 3,
          backoffMs: 1_000,
        },
      ],
      expiresAfterMs: 4 * minute,
    });
    const alerts = new Alerts({
      connection,
      redis: shared.redis,
      keyPrefix,
      clusters: [cluster],
      config: {
        channel: "C0ALERTS",
        pollIntervalMs: minute,
        repeatIntervalMs: 60 * minute,
        summariseAbove: 5,
        flapWindowMs: 30 * minute,
        thresholds: defaultThresholds,
        overrides: [],
        routes: [{ cluster: "*", connector: "*", rule: "task-failed", receivers: ["oncall"] }],
        receivers: [],
      },
      receivers,
      explainedHalts: async () => new Map(),
      now: () => now,
    });
    await receivers.start();
    const key = "prod/orders-source/task-failed";
    const incidents = () => pagerDuty.incidents.filter((incident) => incident.dedupKey === key);
    const pollAt = async (minutes: number, state: typeof taskState) => {
      taskState = state;
      now += minutes * minute;
      await alerts.poll();
    };
    const quiet = async () =>
      eventually("no delivery waiting", async () => {
        const counts = await receivers.jobCounts();
        return (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) === 0 ? true : undefined;
      });
    try {
      await pollAt(0, "FAILED");
      await eventually("the trigger", async () => incidents()[0]);
      await pollAt(1, "RUNNING");
      await pollAt(1, "FAILED");
      await quiet();
      assert.deepEqual(incidents(), [{ dedupKey: key, status: "triggered" }], "the held resolve was dropped");
      await pollAt(1, "RUNNING");
      await quiet();
      assert.deepEqual(incidents(), [{ dedupKey: key, status: "resolved" }]);
      assert.deepEqual(
        pagerDuty.events.map((event) => event.event_action),
        ["trigger", "trigger", "resolve"],
        "the return is a trigger on the open incident, not a new one",
      );
    } finally {
      await alerts.close();
      await receivers.close(1_000);
      connection.disconnect();
      await pagerDuty.http.stop();
      await shared.cleanup();
    }
  });
});
