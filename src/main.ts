/**
 * `npm start`: with Slack tokens, the Slack bot; without, an interactive shell over the same commands.
 * `npm start -- --command "status orders-sink"` runs one command and exits with its status.
 * `npm start -- --mcp` serves MCP over stdin/stdout for a desktop agent. Agents declared in the config reach
 * `POST /mcp` on the bot's port, with or without Slack. The adapters this process serves are listed once, below.
 */
import { parseArgs } from "node:util";
import { pino } from "pino";
import type { Adapter } from "./adapter-host.js";
import { createApp, createLogger } from "./app.js";
import { ConfigError, loadConfig } from "./config/index.js";
import { redactText } from "./core/redact.js";
import { mcpIdentities } from "./mcp/mcp-identity.js";
import { Metrics } from "./ops/metrics.js";
import { shutdownBounds } from "./ops/shutdown-bounds.js";
import { createRedis } from "./redis-connection.js";
import { checkRedisDurability } from "./redis-durability.js";
import { runCommandOnce, shellAdapter } from "./shell/shell.js";
import { createSlackClient, slackAdapter } from "./slack/slack-adapter.js";
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
if (
  values.command === undefined &&
  values.mcp !== true &&
  botToken !== undefined &&
  signingSecret === undefined &&
  config.slack.appToken === undefined
) {
  console.error(
    "SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not: the HTTP endpoint cannot check requests.",
  );
  process.exit(2);
}
const metrics = new Metrics({ processMetrics: true });
// The shell's output is for a person: log only warnings there, and everything when serving Slack. Over stdio MCP,
// stdout carries the protocol: the log goes to stderr.
const logger =
  values.mcp === true
    ? createLogger("warn", pino.destination({ dest: 2, sync: false }))
    : createLogger(botToken === undefined || values.command !== undefined ? "warn" : config.logLevel);
// Every process knows the MCP sources, whichever adapters it serves: any replica may carry out what an agent
// proposed, and checks its requester's role again first.
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
const keyPrefix = "connect-ops:";
/** Slack's outbox and MCP's call counts, on a connection of their own (see `AdapterRedis`); opened only if used. */
let adapterRedis: ReturnType<typeof createRedis> | undefined;
const adapterStorage = () => {
  adapterRedis ??= createRedis(config.redis, { maxRetriesPerRequest: 3, lazyConnect: false });
  return { redis: adapterRedis, keyPrefix };
};
const serving = values.command === undefined && values.mcp !== true;
const agentsOnly = slackClient === undefined && config.agents.length > 0 && process.stdin.isTTY !== true;
/**
 * The chat adapters this process serves: one line each. MCP's are loaded only when served: the MCP SDK and the
 * HTTP framework it brings are about a tenth of what a start would otherwise load (issue 28).
 */
const adapters: Adapter[] = [
  ...(values.mcp === true ? [(await import("./mcp/mcp-stdio.js")).mcpStdioAdapter(identities)] : []),
  ...(slackClient !== undefined && botToken !== undefined
    ? [
        slackAdapter({
          // A one-shot command or a desktop agent still posts what it files to Slack; the bot takes Slack's requests.
          receive: serving,
          slack: { ...config.slack, botToken, signingSecret: signingSecret ?? "" },
          client: slackClient,
          storage: adapterStorage(),
          ...(config.approvalsChannel === undefined ? {} : { approvalsChannel: config.approvalsChannel }),
          ...(config.auditChannel === undefined ? {} : { auditChannel: config.auditChannel }),
          onTokenRejected: tokenRejected,
        }),
      ]
    : []),
  ...(serving && config.agents.length > 0
    ? [
        (await import("./mcp/mcp-http.js")).mcpHttpAdapter({
          agents: config.agents,
          identities,
          storage: adapterStorage(),
        }),
      ]
    : []),
  ...(serving && slackClient === undefined && !agentsOnly ? [shellAdapter()] : []),
];
const app = createApp({
  config,
  keyPrefix,
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
  adapters,
});
let stopping = false;
/**
 * SIGTERM: unready at once (Kubernetes stops routing to this replica), no new Slack request and no new job, a
 * running execution finishes (or, past `shutdownBounds.drainMs`, is left at its last saved step for another
 * replica), every connection closes, exit. `/readyz` answers 503 until the very end.
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
  await app.close({ drainMs: shutdownBounds.drainMs });
  adapterRedis?.disconnect();
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
if (serving) {
  startWhenRedisAnswers("the approvals worker", async () => {
    for (const warning of (await checkRedisDurability(app.redis)).warnings) logger.warn(warning);
    await app.approvals.startWorker();
    app.automation.start();
  });
}

if (values.command !== undefined) {
  await stop(await runCommandOnce(app, values.command, process.stdout));
} else {
  const clusters = config.clusters.map((cluster) => `${cluster.name} (${cluster.connect.url})`).join(", ");
  // A desktop agent (stdio) or a person at the shell alone needs no port; Slack and agents over HTTP do.
  const needsPort = serving && (slackClient !== undefined || config.agents.length > 0);
  if (slackClient === undefined && serving)
    console.log(
      redactText(
        agentsOnly
          ? `No SLACK_BOT_TOKEN set and no terminal: serving agents on ${clusters}.`
          : `No SLACK_BOT_TOKEN set: opening the terminal shell on ${clusters}.`,
      ),
    );
  const started = await app.start(needsPort ? config.port : undefined).catch((error: unknown) => {
    if (!(error instanceof SlackTokenRejectedError)) throw error;
    tokenRejected(error);
    return undefined;
  });
  if (started !== undefined && slackClient === undefined && config.agents.length > 0)
    console.log(
      `MCP for ${config.agents.length} agent(s) at ${started.url}/mcp (and /healthz, /readyz, /metrics).`,
    );
  // Polls run on a shared schedule: with several replicas, one of them polls each time.
  if (started !== undefined && slackClient !== undefined)
    startWhenRedisAnswers("the alert polls", () => app.alerts.start());
  await app.ended;
  await stop(0);
}
