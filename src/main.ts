/**
 * `npm start`: with Slack tokens, the Slack bot; without, an interactive shell over the same commands.
 * `npm start -- --command "status orders-sink"` runs one command and exits with its status.
 * `npm start -- --mcp` serves MCP over stdin/stdout for a desktop agent. Agents declared in the config reach
 * `POST /mcp` on the bot's port, with or without Slack.
 */
import { parseArgs } from "node:util";
import type { WebClient } from "@slack/web-api";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { createApp, createLogger } from "./app.js";
import { ConfigError, loadConfig } from "./config/index.js";
import { redactText } from "./core/redact.js";
import { mcpHttpRoute } from "./mcp/mcp-http.js";
import { mcpIdentities } from "./mcp/mcp-identity.js";
import { serveStdio } from "./mcp/mcp-stdio.js";
import { Metrics } from "./ops/metrics.js";
import { type RunningOperationsServer, startOperationsServer } from "./ops/operations-endpoints.js";
import { shutdownBounds } from "./ops/shutdown-bounds.js";
import { checkRedisDurability } from "./redis-durability.js";
import { runCommandOnce, runShell } from "./shell/shell.js";
import {
  auditChannelMirror,
  createSlackClient,
  type RunningSlackAdapter,
  SlackUserGroups,
  startSlackAdapter,
} from "./slack/slack-adapter.js";
import { SlackAlertNotifier } from "./slack/slack-alerts.js";
import { SlackApprovalNotifier } from "./slack/slack-approvals.js";
import { SlackOutbox } from "./slack/slack-outbox.js";
import { SlackAccounts } from "./slack/slack-principals.js";
import { SlackStoryNotifier } from "./slack/slack-stories.js";
import { SlackTokenRejectedError } from "./slack/slack-web-client.js";

const { values } = parseArgs({
  options: { command: { type: "string", short: "C" }, mcp: { type: "boolean" } },
});

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(2);
}

const { botToken, signingSecret } = config.slack;
const metrics = new Metrics({ processMetrics: true });
// The shell's output is for a person: log only warnings there, and everything when serving Slack. Over stdio MCP,
// stdout carries the protocol: the log goes to stderr.
const logger =
  values.mcp === true
    ? createLogger("warn", pino.destination({ dest: 2, sync: false }))
    : createLogger(botToken === undefined || values.command !== undefined ? "warn" : config.logLevel);
const identities = mcpIdentities(config.agents);
/** A token Slack refuses can never work: one clear line, then the usual orderly stop, with a failure status. */
const tokenRejected = (error: SlackTokenRejectedError) => {
  if (stopping) return;
  logger.error({ code: error.code, method: error.method, reason: error.reason }, error.message);
  void stop(1);
};
const slackClient =
  botToken === undefined
    ? undefined
    : createSlackClient(config.slack, {}, { metrics, onTokenRejected: tokenRejected });
/** One outbox for every message owed to Slack (approvals and alerts), made once Redis is connected. */
let outbox: SlackOutbox | undefined;
const slackOutbox = (client: WebClient, shared: { readonly redis: Redis; readonly keyPrefix: string }) => {
  outbox ??= new SlackOutbox({ client, ...shared, warn: (line, error) => logger.warn({ err: error }, line) });
  return outbox;
};
const app = createApp({
  config,
  logger,
  // The shell tells a person, in one plain line; `--command` says it in its answer; a bot logs it.
  reportRedis:
    botToken !== undefined || values.mcp === true
      ? (line) => logger.warn(line)
      : values.command === undefined
        ? (line) => console.error(redactText(line))
        : () => {},
  metrics,
  identities,
  ...(slackClient === undefined
    ? {}
    : { userGroups: new SlackUserGroups(slackClient), accounts: new SlackAccounts(slackClient) }),
  ...(slackClient === undefined || config.auditChannel === undefined
    ? {}
    : { mirrorAudit: auditChannelMirror(slackClient, config.auditChannel) }),
  ...(slackClient === undefined
    ? {}
    : {
        approvalNotifier: ({ redis, keyPrefix }) =>
          new SlackApprovalNotifier({
            client: slackClient,
            redis,
            keyPrefix,
            ...(config.approvalsChannel === undefined ? {} : { channel: config.approvalsChannel }),
            outbox: slackOutbox(slackClient, { redis, keyPrefix }),
          }),
        alertNotifier: ({ redis, keyPrefix }) =>
          new SlackAlertNotifier(slackClient, slackOutbox(slackClient, { redis, keyPrefix })),
        storyNotifier: ({ redis, keyPrefix }) =>
          new SlackStoryNotifier(slackClient, slackOutbox(slackClient, { redis, keyPrefix })),
      }),
});
const mcpRoute = mcpHttpRoute({ app, agents: config.agents, identities });
let slackAdapter: RunningSlackAdapter | undefined;
let operationsServer: RunningOperationsServer | undefined;
let stopping = false;
/**
 * SIGTERM: unready at once (Kubernetes stops routing to this replica), no new Slack request and no new job, a
 * running execution finishes (or, past `shutdownBounds.drainMs`, is left at its last saved step for another replica), every
 * connection closes, exit. `/readyz` answers 503 until the very end.
 */
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  app.operations.readiness.stopping();
  const started = performance.now();
  setTimeout(() => {
    logger.error(`shutdown took longer than ${shutdownBounds.exitMs / 1000} s; leaving anyway`);
    process.exit(1);
  }, shutdownBounds.exitMs).unref();
  await slackAdapter?.drain();
  await app.close({ drainMs: shutdownBounds.drainMs });
  await slackAdapter?.stop();
  await operationsServer?.close();
  logger.info(`shut down in ${Math.round(performance.now() - started)} ms`);
  process.exit(code);
};
process.once("SIGTERM", () => void stop(0));
process.once("SIGINT", () => void stop(130));

/**
 * Starts something that needs Redis; while Redis is down (already told, once, by the app's watch) it is tried
 * again every few seconds in the background, so the bot comes up and answers instead of dying at start.
 */
function startWhenRedisAnswers(what: string, start: () => Promise<void>): void {
  start().catch((error: unknown) => {
    if (app.redisOutage() === undefined) logger.warn({ err: error }, `${what} did not start; trying again`);
    setTimeout(() => startWhenRedisAnswers(what, start), 5_000).unref();
  });
}

// Any running bot executes approved requests and expires forgotten ones; BullMQ runs each job on one of them.
// A one-shot command starts the worker only to carry out (and wait for) a change it started itself; a desktop
// agent's process (stdio MCP) runs nothing: the bot's own processes carry out what people approve.
if (values.command === undefined && values.mcp !== true) {
  startWhenRedisAnswers("the approvals worker", async () => {
    for (const warning of (await checkRedisDurability(app.redis)).warnings) logger.warn(warning);
    await app.approvals.startWorker();
    app.automation.start();
  });
}

if (values.command !== undefined) {
  await stop(await runCommandOnce(app, values.command, process.stdout));
} else if (values.mcp === true) {
  await serveStdio(app, identities);
  await stop(0);
} else if (slackClient !== undefined && botToken !== undefined) {
  if (signingSecret === undefined && config.slack.appToken === undefined) {
    console.error(
      "SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not: the HTTP endpoint cannot check requests.",
    );
    await stop(2);
  }
  const slack = await startSlackAdapter({
    app,
    client: slackClient,
    slack: { ...config.slack, botToken, signingSecret: signingSecret ?? "" },
    port: config.port,
    log: (line) => logger.info(line),
    routes: [mcpRoute],
    onTokenRejected: tokenRejected,
  }).catch((error: unknown) => {
    if (!(error instanceof SlackTokenRejectedError)) throw error;
    tokenRejected(error);
    return undefined;
  });
  slackAdapter = slack;
  // Polls run on a shared schedule: with several replicas, one of them polls each time.
  if (slack !== undefined) startWhenRedisAnswers("the alert polls", () => app.alerts.start());
} else {
  const clusters = config.clusters.map((cluster) => `${cluster.name} (${cluster.connect.url})`).join(", ");
  if (config.agents.length > 0) {
    operationsServer = await startOperationsServer(app.operations, config.port, [mcpRoute]);
    console.log(
      `MCP for ${config.agents.length} agent(s) at ${operationsServer.url}/mcp (and /healthz, /readyz, /metrics).`,
    );
  }
  if (config.agents.length > 0 && process.stdin.isTTY !== true) {
    // No terminal to type in: serve the agents (and run approved changes) until stopped.
    console.log(redactText(`No SLACK_BOT_TOKEN set and no terminal: serving agents on ${clusters}.`));
  } else {
    console.log(redactText(`No SLACK_BOT_TOKEN set: opening the terminal shell on ${clusters}.`));
    await runShell(app.dispatcher, process.stdin, process.stdout);
    await stop(0);
  }
}
