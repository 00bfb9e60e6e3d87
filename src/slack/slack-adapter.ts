import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { App as BoltApp, HTTPReceiver, LogLevel } from "@slack/bolt";
import { WebClient, type WebClientOptions } from "@slack/web-api";
import { z } from "zod";
import type { App } from "../app.js";
import type { AuditEntry } from "../audit/audit-trail.js";
import type { SlackConfig } from "../config.js";
import type { UserGroupDirectory } from "../core/roles.js";
import { escapeMrkdwn, fallbackText, renderBlocks } from "./block-kit.js";
import { CommandQueue } from "./command-queue.js";
import { handleAlertButtons } from "./slack-alerts.js";
import { handleApprovalButtons } from "./slack-approvals.js";
import { SocketModeReceiver } from "./socket-mode-receiver.js";

/** The fields of a slash command the bot reads. Authorisation uses `user_id`, never `user_name` (names change). */
const SlashCommand = z.object({
  user_id: z.string().min(1),
  user_name: z.string(),
  channel_id: z.string().min(1),
  text: z.string(),
  trigger_id: z.string().min(1),
});

/** Commands run at once after their acknowledgement (see CommandQueue); more wait their turn. */
const commandConcurrency = 8;

/** Slack's replay window: Bolt refuses older requests; a timestamp this far in the future is refused here. */
const maxClockSkewSeconds = 5 * 60;

export interface SlackAdapterOptions {
  readonly app: App;
  readonly slack: Required<Pick<SlackConfig, "botToken" | "signingSecret">> & SlackConfig;
  readonly client: WebClient;
  readonly port: number;
  readonly command?: string;
  readonly log?: (message: string) => void;
}

export interface RunningSlackAdapter {
  /** The events endpoint, e.g. http://127.0.0.1:3000/slack/events. */
  readonly url: string;
  stop(): Promise<void>;
}

export function createSlackClient(slack: SlackConfig, options: WebClientOptions = {}): WebClient {
  return new WebClient(slack.botToken, {
    ...(slack.apiUrl === undefined ? {} : { slackApiUrl: slack.apiUrl }),
    ...options,
  });
}

/** User-group membership from Slack; a workspace without user groups (free plan) answers "unsupported". */
export class SlackUserGroups implements UserGroupDirectory {
  constructor(private readonly client: WebClient) {}

  async members(groupId: string): Promise<readonly string[] | "unsupported"> {
    try {
      const result = await this.client.usergroups.users.list({ usergroup: groupId });
      return result.users ?? [];
    } catch (error) {
      if ((error as { data?: { error?: string } }).data?.error === "plan_upgrade_required")
        return "unsupported";
      throw error;
    }
  }
}

/** Posts one line per audit entry to the audit channel; the entry is already stored whatever Slack answers. */
export function auditChannelMirror(client: WebClient, channel: string): (entry: AuditEntry) => Promise<void> {
  return async (entry) => {
    const where = [entry.cluster, entry.connector].filter((part) => part !== undefined).join(" / ");
    const outcome = entry.errorCode === undefined ? entry.outcome : `${entry.outcome} (${entry.errorCode})`;
    const text = `${entry.actorName} (${entry.source}): \`${entry.args || entry.command}\`${where === "" ? "" : ` on ${where}`}: ${outcome}`;
    await client.chat.postMessage({ channel, text: escapeMrkdwn(text).slice(0, 3000), unfurl_links: false });
  };
}

/**
 * `/connect` over Slack's HTTP endpoint (or Socket Mode when an app token is set). Every command is acknowledged
 * at once and answered through its response_url when done; a retried request runs nothing twice.
 */
export async function startSlackAdapter(options: SlackAdapterOptions): Promise<RunningSlackAdapter> {
  const { app, slack, client } = options;
  const log = options.log ?? (() => {});
  const identity = await client.auth.test();
  const authorization = {
    token: slack.botToken,
    botId: String(identity.bot_id),
    botUserId: String(identity.user_id),
    tokenVerificationEnabled: false,
    clientOptions: client.slackApiUrl === undefined ? {} : { slackApiUrl: client.slackApiUrl },
    logLevel: LogLevel.ERROR,
  };
  const appToken = slack.appToken;
  const receiver =
    appToken === undefined
      ? new HTTPReceiver({ signingSecret: slack.signingSecret, logLevel: LogLevel.ERROR })
      : new SocketModeReceiver({ appToken, clientOptions: authorization.clientOptions });
  const bolt = new BoltApp({ ...authorization, receiver });

  const queue = new CommandQueue(commandConcurrency, (error) =>
    log(`Slack: a command failed: ${String(error)}`),
  );
  // Nothing runs before the acknowledgement but Bolt's signature check: every Redis, Connect and audit call, the
  // logging and the reply wait in the queue.
  bolt.command(options.command ?? "/connect", async ({ command, ack, respond }) => {
    await ack();
    queue.push(async () => {
      const parsed = SlashCommand.safeParse(command);
      if (!parsed.success) {
        await respond({ response_type: "ephemeral", text: "Slack sent a command the bot could not read." });
        return;
      }
      const { user_id, user_name, channel_id, text, trigger_id } = parsed.data;
      // Slack retries a request it thinks timed out, with the same trigger id: only the first one runs.
      const first = await app.redis.set(`${app.keyPrefix}slack:command:${trigger_id}`, "1", "EX", 3600, "NX");
      if (first === null) return;
      const reply = await app.dispatcher.dispatch({
        actor: { id: user_id, name: user_name, source: "slack" },
        text,
        channelId: channel_id,
        requestId: randomUUID(),
      });
      await respond({
        response_type: reply.visibility,
        text: fallbackText(reply),
        blocks: renderBlocks(reply),
      });
    });
  });

  handleApprovalButtons(bolt, app);
  handleAlertButtons(bolt, app);
  await warnWithoutUserGroups(app, new SlackUserGroups(client), log);

  if (receiver instanceof SocketModeReceiver) {
    await bolt.start();
    log("Slack: connected in Socket Mode");
    return {
      url: "socket-mode",
      stop: async () => {
        await bolt.stop();
        await queue.idle();
      },
    };
  }
  const server = createServer((request, response) => {
    const timestamp = Number(request.headers["x-slack-request-timestamp"]);
    if (Number.isFinite(timestamp) && timestamp - Date.now() / 1000 > maxClockSkewSeconds) {
      response.writeHead(401).end("Request timestamp is in the future");
      return;
    }
    receiver.requestListener(request, response);
  });
  server.listen(options.port);
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  log(`Slack: listening for /connect on port ${port} (POST /slack/events)`);
  return {
    url: `http://127.0.0.1:${port}/slack/events`,
    stop: async () => {
      await closeServer(server);
      // Acknowledged commands still get their answer.
      await queue.idle();
    },
  };
}

async function warnWithoutUserGroups(app: App, groups: UserGroupDirectory, log: (message: string) => void) {
  const [groupId] = app.roles.groupIds();
  if (groupId === undefined) return;
  const members = await groups.members(groupId);
  if (members === "unsupported") {
    log(
      "Slack: this workspace has no user groups (plan_upgrade_required); roles apply to the user ids listed only.",
    );
  }
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  server.close();
  await once(server, "close");
}
