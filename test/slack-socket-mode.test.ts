// needs: bed
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { Metrics } from "../src/ops/metrics.js";
import {
  createSlackClient,
  type RunningSlackAdapter,
  startSlackAdapter,
} from "../src/slack/slack-adapter.js";
import { SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { freePort, OwnRedis } from "./support/own-redis.js";
import { testRedis } from "./support/redis-prefix.js";
import { eventually, testBed } from "./support/test-bed-env.js";

const botToken = "xoxb-socket-token";
const appToken = "xapp-socket-app-token";
const operator = "U0OPER";

/** A sample's value in Prometheus' text format (0 when absent). */
function sample(text: string, name: string): number {
  const line = text.split("\n").find((row) => row.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}

describe("Socket Mode down: visible after a minute in /readyz and /metrics, back by itself; a refused token exits clearly", () => {
  const { prefix, cleanup } = testRedis("slack-socket");
  let standIn: SlackApiStandIn;
  let app: App;
  let slack: RunningSlackAdapter;
  /** The test's clock runs ahead of the wall clock by this much: a minute passes without waiting for it. */
  let aheadMs = 0;
  const now = () => Date.now() + aheadMs;

  before(async () => {
    standIn = await SlackApiStandIn.start({ botToken, appToken });
    const config = loadConfig({
      CONNECT_URL: testBed().connectUrl,
      KAFKA_BROKERS: testBed().bootstrapServers,
      LOG_LEVEL: "silent",
      ROLE_OPERATORS: operator,
      SLACK_BOT_TOKEN: botToken,
      SLACK_APP_TOKEN: appToken,
      SLACK_API_URL: standIn.apiUrl,
    });
    app = createApp({
      config,
      keyPrefix: `${prefix}bot:`,
      metrics: new Metrics({ now }),
      now,
    });
    await app.approvals.startWorker();
    slack = await startSlackAdapter({
      app,
      client: createSlackClient(config.slack),
      slack: { botToken, signingSecret: "", appToken, apiUrl: standIn.apiUrl },
      port: 0,
      now,
    });
  });
  after(async () => {
    await slack.stop();
    await app.close();
    await standIn.close();
    await cleanup();
  });

  const readyz = async () => {
    const response = await fetch(`${slack.operationsUrl}/readyz`);
    return { status: response.status, body: (await response.json()) as { checks: Record<string, unknown> } };
  };
  const metrics = async () => (await fetch(`${slack.operationsUrl}/metrics`)).text();

  test("a connection lost and refused for over a minute makes /readyz 503 and moves the metrics; once Slack takes it again, all is back", async () => {
    assert.ok(standIn.socketConnected);
    assert.equal((await readyz()).status, 200);
    const before = await metrics();
    assert.equal(sample(before, "connect_ops_slack_socket_down_seconds"), 0);

    standIn.dropSockets(10 * 60_000);
    try {
      await eventually("the bot to see the connection lost", async () =>
        sample(await metrics(), "connect_ops_slack_socket_disconnects_total") >
        sample(before, "connect_ops_slack_socket_disconnects_total")
          ? true
          : undefined,
      );
      // Slack recycles connections: a few seconds down is weather, not an outage.
      assert.equal((await readyz()).status, 200);

      aheadMs += 61_000;
      const down = await readyz();
      assert.equal(down.status, 503);
      assert.match(
        JSON.stringify(down.body.checks.slackSocket),
        /the Socket Mode connection to Slack has been down for 6\d s .*no command, click or event reaches this replica/,
      );
      assert.ok(sample(await metrics(), "connect_ops_slack_socket_down_seconds") >= 61);
      await eventually("the bot to keep trying to connect again", async () =>
        standIn.rejections().some((call) => call.method === "apps.connections.open") ? true : undefined,
      );
    } finally {
      standIn.heal();
    }
    await eventually(
      "the connection to come back",
      async () => (standIn.socketConnected ? true : undefined),
      {
        timeoutMs: 45_000,
      },
    );
    await eventually("/readyz to be 200 again", async () =>
      (await readyz()).status === 200 ? true : undefined,
    );
    assert.equal(sample(await metrics(), "connect_ops_slack_socket_down_seconds"), 0);
    const responseUrl = standIn.responseUrl();
    await standIn.deliverOverSocket("slash_commands", {
      team_id: "T0TEAM",
      channel_id: "C0OPS",
      user_id: operator,
      user_name: "otto",
      command: "/connect",
      text: "whoami",
      api_app_id: "A0APP",
      response_url: responseUrl,
      trigger_id: `socket-back-${Date.now()}`,
    });
    await standIn.waitForCall("response_url", (call) => call.url === responseUrl);
  });

  test("Slack refusing the app token (invalid_auth) while reconnecting: the process logs why and exits non-zero, not by an uncaught error", async () => {
    const redis = await OwnRedis.start();
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "..", "src", "main.ts")],
      {
        env: {
          PATH: process.env.PATH,
          SLACK_BOT_TOKEN: botToken,
          SLACK_APP_TOKEN: appToken,
          SLACK_API_URL: standIn.apiUrl,
          PORT: String(await freePort()),
          CONNECT_URL: testBed().connectUrl,
          KAFKA_BROKERS: testBed().bootstrapServers,
          REDIS_URL: redis.url,
          ALERT_POLL_INTERVAL: "1h",
          LOG_LEVEL: "info",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    const exited = once(child, "exit");
    try {
      await eventually(
        "the bot to connect over Socket Mode",
        async () => (/connected in Socket Mode/.test(output) ? true : undefined),
        { timeoutMs: 30_000 },
      ).catch((error: unknown) => assert.fail(`${String(error)}; output:\n${output}`));
      // The app token is revoked: the connection drops and Slack refuses every new one.
      standIn.failFor("apps.connections.open", { error: "invalid_auth" }, 60_000);
      standIn.dropSockets();
      const [code] = (await Promise.race([
        exited,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`no exit; output:\n${output}`)), 30_000),
        ),
      ])) as [number | null];
      assert.notEqual(code, 0, output);
      assert.notEqual(code, null, output);
      const line = output
        .split("\n")
        .filter((row) => row.startsWith("{"))
        .map((row) => JSON.parse(row) as { level: number; msg: string })
        .find((entry) => /Slack refused the bot's token/.test(entry.msg));
      assert.ok(line, `no log line says why; output:\n${output}`);
      assert.match(line.msg, /invalid_auth on apps\.connections\.open.*SLACK_APP_TOKEN/);
      assert.doesNotMatch(output, /Uncaught|Unhandled|^\s+at /m, "no stack trace of an uncaught error");
    } finally {
      child.kill("SIGKILL");
      standIn.heal();
      await redis.stop();
    }
  });
});
