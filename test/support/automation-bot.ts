/**
 * A bot process for the automation crash tests, started as a child (see `startAutomationBot`): the app of
 * CONFIG_FILE under TEST_KEY_PREFIX, with its alert polls, its automation worker and its approvals worker running,
 * alerts and stories sent to the Slack stand-in at SLACK_API_URL. It tells its parent "ready" once everything runs;
 * the test then kills it with SIGKILL, as a crashed replica, and nothing of it is closed.
 */
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { createSlackClient } from "../../src/slack/slack-adapter.js";
import { SlackAlertNotifier } from "../../src/slack/slack-alerts.js";
import { SlackStoryNotifier } from "../../src/slack/slack-stories.js";

const keyPrefix = process.env.TEST_KEY_PREFIX ?? "";
if (keyPrefix === "" || process.send === undefined || process.env.CONFIG_FILE === undefined) {
  console.error("automation-bot runs as a child of a test, with TEST_KEY_PREFIX and CONFIG_FILE set");
  process.exit(2);
}
const config = loadConfig({
  CONFIG_FILE: process.env.CONFIG_FILE,
  LOG_LEVEL: "silent",
  SLACK_BOT_TOKEN: process.env.SLACK_BOT_TOKEN,
  SLACK_API_URL: process.env.SLACK_API_URL,
});
const client = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
const app = createApp({
  config,
  keyPrefix,
  alertNotifier: () => new SlackAlertNotifier(client),
  storyNotifier: () => new SlackStoryNotifier(client),
});
await app.approvals.startWorker();
await app.alerts.start();
app.automation.start();
process.send("ready");
