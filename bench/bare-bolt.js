/**
 * The reference for the acknowledgement and memory benchmarks: a Bolt app that does nothing but acknowledge
 * `/connect`, over the same HTTP receiver and signature check as the bot. Plain JavaScript, so that no loader or
 * type stripper sits in its process (Node's own TypeScript stripping alone adds ~30 MiB of RSS). Prints
 * `listening <port>` when ready. With BARE_MODAL_VIEW (a modal view as JSON), `/connect offsets reset` also opens
 * that modal with `views.open`, the reference for the bot's forms (Slack's Web API at SLACK_API_URL).
 */
import { App, LogLevel } from "@slack/bolt";

const app = new App({
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? "",
  token: process.env.SLACK_BOT_TOKEN ?? "",
  botId: "B0BARE",
  botUserId: "U0BARE",
  tokenVerificationEnabled: false,
  logLevel: LogLevel.ERROR,
  ...(process.env.SLACK_API_URL === undefined
    ? {}
    : { clientOptions: { slackApiUrl: process.env.SLACK_API_URL } }),
});
const modal = process.env.BARE_MODAL_VIEW === undefined ? undefined : JSON.parse(process.env.BARE_MODAL_VIEW);
app.command("/connect", async ({ ack, command, client }) => {
  await ack();
  if (modal !== undefined && command.text.trim() === "offsets reset")
    await client.views.open({ trigger_id: command.trigger_id, view: modal });
});
const port = Number(process.env.PORT ?? 0);
const server = await app.start(port);
const address = server.address();
console.log(`listening ${typeof address === "object" && address !== null ? address.port : port}`);
process.once("SIGTERM", () => void app.stop().then(() => process.exit(0)));
