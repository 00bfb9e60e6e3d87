/**
 * `npm start`: with Slack tokens, the Slack bot; without, an interactive shell over the same commands.
 * `npm start -- --command "status orders-sink"` runs one command and exits with its status.
 */
import { parseArgs } from "node:util";
import { createApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { runOnce, runShell } from "./shell/shell.js";

const { values } = parseArgs({ options: { command: { type: "string", short: "C" } } });

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(2);
}

const app = createApp({ config });
const stop = async (code: number) => {
  await app.close();
  process.exit(code);
};
process.once("SIGTERM", () => void stop(0));
process.once("SIGINT", () => void stop(130));

if (values.command !== undefined) {
  await stop(await runOnce(app.dispatcher, values.command, process.stdout));
} else {
  const clusters = config.clusters.map((cluster) => `${cluster.name} (${cluster.connect.url})`).join(", ");
  console.log(`No SLACK_BOT_TOKEN set: opening the terminal shell on ${clusters}.`);
  await runShell(app.dispatcher, process.stdin, process.stdout);
  await stop(0);
}
