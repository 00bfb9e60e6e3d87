// needs: bed
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { SlackSimulator } from "./slack/slack-signer.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { freePort, OwnRedis } from "./support/own-redis.js";
import { requestIdIn } from "./support/request-id.js";
import { eventually, fileSinkThatRead, testBed, testKafka } from "./support/test-bed-env.js";

const botToken = "xoxb-shutdown-token";
const signingSecret = "shutdown-signing-secret";
const operator = { id: "U0OPER", name: "otto", source: "slack" } as const;
const approver = { id: "U0APPR", name: "anna", source: "slack" } as const;

describe("SIGTERM with an execution in flight: unready at once, exits 0 in time, the execution finishes once", () => {
  const kafka = testKafka();
  let redis: OwnRedis;
  let standIn: SlackApiStandIn;
  let proxy: FaultProxy;
  let asker: App;
  let dir: string;
  const children = new Set<ChildProcess>();

  /** The real entry point (`src/main.ts`) serving Slack over HTTP, as a replica in a Deployment runs it. */
  async function startBot(): Promise<{ child: ChildProcess; url: string }> {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "..", "src", "main.ts")],
      {
        env: {
          PATH: process.env.PATH,
          SLACK_BOT_TOKEN: botToken,
          SLACK_SIGNING_SECRET: signingSecret,
          SLACK_API_URL: standIn.apiUrl,
          PORT: String(port),
          CONNECT_URL: proxy.url,
          KAFKA_BROKERS: testBed().bootstrapServers,
          REDIS_URL: redis.url,
          ROLE_OPERATORS: operator.id,
          ROLE_APPROVERS: approver.id,
          ALERT_POLL_INTERVAL: "1h",
          LOG_LEVEL: "warn",
        },
        stdio: ["ignore", "inherit", "inherit"],
      },
    );
    children.add(child);
    child.once("exit", () => children.delete(child));
    const url = `http://127.0.0.1:${port}`;
    await eventually(
      "the bot to be ready",
      async () => ((await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined),
      { timeoutMs: 30_000 },
    );
    return { child, url };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "shutdown-"));
    redis = await OwnRedis.start();
    // The bot asks Slack again, before the change runs, whether its requester and approver still may.
    standIn = await SlackApiStandIn.start({ botToken, users: [operator, approver] });
    proxy = await FaultProxy.start(testBed().connectUrl);
    // This process asks and approves with the bot's own key prefix on the bot's Redis; it runs no worker.
    asker = createApp({
      config: loadConfig({
        CONNECT_URL: proxy.url,
        KAFKA_BROKERS: testBed().bootstrapServers,
        REDIS_URL: redis.url,
        LOG_LEVEL: "silent",
        ROLE_OPERATORS: operator.id,
        ROLE_APPROVERS: approver.id,
      }),
    });
  });
  after(async () => {
    for (const child of children) child.kill("SIGKILL");
    await asker.close();
    await proxy.close();
    await standIn.close();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("stop is approved; SIGTERM while Connect is slow to stop the connector", async () => {
    const bot = await startBot();
    const connect = asker.clusters[0]?.connect ?? assert.fail("no cluster");
    const { connector } = await fileSinkThatRead(connect, kafka, dir, 2);
    const asked = await asker.dispatcher.dispatch({
      actor: operator,
      text: `stop ${connector} --reason "shutdown test"`,
      requestId: "shutdown-ask",
    });
    const id = requestIdIn(asked.summary);
    const stopPath = new RegExp(`/connectors/${connector}/stop$`);
    proxy.delayNextMatching({ method: "PUT", path: stopPath }, 3_000);
    const approved = await asker.dispatcher.dispatch({
      actor: approver,
      text: `approve ${id}`,
      requestId: "shutdown-ok",
    });
    assert.equal(approved.outcome, "succeeded", approved.summary);
    await eventually("the stop to be in flight", async () =>
      proxy.requests.some((r) => r.method === "PUT" && stopPath.test(r.url)) ? true : undefined,
    );

    const signalled = performance.now();
    const exited = once(bot.child, "exit") as Promise<[number | null, string | null]>;
    bot.child.kill("SIGTERM");
    const readiness = await fetch(`${bot.url}/readyz`);
    const unreadyAfterMs = performance.now() - signalled;
    assert.equal(readiness.status, 503);
    assert.ok(unreadyAfterMs < 1_000, `unready ${Math.round(unreadyAfterMs)} ms after SIGTERM`);
    assert.match(await readiness.text(), /shutting down/);
    // A Slack request that arrives now is turned away: no new command is taken.
    const late = await new SlackSimulator(`${bot.url}/slack/events`, signingSecret).slashCommand({
      text: "whoami",
      userId: operator.id,
      responseUrl: standIn.responseUrl(),
    });
    assert.equal(late.status, 503);

    const [code] = await exited;
    const exitedAfterMs = performance.now() - signalled;
    assert.equal(code, 0);
    assert.ok(exitedAfterMs < 30_000, `exited ${Math.round(exitedAfterMs)} ms after SIGTERM`);
    console.log(
      `SIGTERM → unready in ${Math.round(unreadyAfterMs)} ms, exit 0 in ${Math.round(exitedAfterMs)} ms`,
    );

    // Finished on this process before it left, or on the next one from its last saved step; either way, once.
    let request = await asker.approvals.get(id);
    console.log(
      `the execution ${request?.state === "succeeded" ? "finished before the bot left" : `was left at step ${request?.step}`}`,
    );
    if (request?.state !== "succeeded") {
      const next = await startBot();
      request = await eventually("the next bot to finish it", async () => {
        const latest = await asker.approvals.get(id);
        return latest?.state === "succeeded" || latest?.state === "failed" ? latest : undefined;
      });
      next.child.kill("SIGTERM");
      await once(next.child, "exit");
    }
    assert.equal(request?.state, "succeeded", request?.outcome);
    assert.equal(
      proxy.requests.filter((r) => r.method === "PUT" && stopPath.test(r.url)).length,
      1,
      "stopped once",
    );
    assert.equal((await connect.status(connector)).connector.state, "STOPPED");
    await connect.deleteConnector(connector);
  });
});
