/**
 * `npm start`: with Slack tokens, the Slack bot; without, an interactive shell over the same commands.
 * `npm start -- --command "status orders-sink"` runs one command and exits with its status.
 */
import { parseArgs } from "node:util";
import { createApp, createLogger } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { checkRedisDurability } from "./redis-durability.js";
import { runOnce, runShell } from "./shell/shell.js";
import {
  auditChannelMirror,
  createSlackClient,
  SlackUserGroups,
  startSlackAdapter,
} from "./slack/slack-adapter.js";
import { SlackAlertNotifier } from "./slack/slack-alerts.js";
import { SlackApprovalNotifier, slackApproverEligibility } from "./slack/slack-approvals.js";

const { values } = parseArgs({ options: { command: { type: "string", short: "C" } } });

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(2);
}

const { botToken, signingSecret } = config.slack;
const slackClient = botToken === undefined ? undefined : createSlackClient(config.slack);
// The shell's output is for a person: log only warnings there, and everything when serving Slack.
const logger = createLogger(
  botToken === undefined || values.command !== undefined ? "warn" : config.logLevel,
);
const app = createApp({
  config,
  logger,
  ...(slackClient === undefined ? {} : { userGroups: new SlackUserGroups(slackClient) }),
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
          }),
        approvalOptions: { ineligibleApprover: slackApproverEligibility(slackClient) },
        alertNotifier: () => new SlackAlertNotifier(slackClient),
      }),
});
let stopSlack: (() => Promise<void>) | undefined;
const stop = async (code: number) => {
  await stopSlack?.();
  await app.close();
  process.exit(code);
};
process.once("SIGTERM", () => void stop(0));
process.once("SIGINT", () => void stop(130));

// Any running bot executes approved requests and expires forgotten ones; BullMQ runs each job on one of them.
if (values.command === undefined) {
  for (const warning of (await checkRedisDurability(app.redis)).warnings) logger.warn(warning);
  await app.approvals.startWorker();
}

if (values.command !== undefined) {
  await stop(await runOnce(app.dispatcher, values.command, process.stdout));
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
  });
  stopSlack = slack.stop;
  // Polls run on a shared schedule: with several replicas, one of them polls each time.
  await app.alerts.start();
} else {
  const clusters = config.clusters.map((cluster) => `${cluster.name} (${cluster.connect.url})`).join(", ");
  console.log(`No SLACK_BOT_TOKEN set: opening the terminal shell on ${clusters}.`);
  await runShell(app.dispatcher, process.stdin, process.stdout);
  await stop(0);
}
