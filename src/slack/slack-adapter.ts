import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import { App as BoltApp, type Logger as BoltLogger, HTTPReceiver, LogLevel } from "@slack/bolt";
import type { WebClient, WebClientOptions } from "@slack/web-api";
import { z } from "zod";
import type { App } from "../app.js";
import type { AuditEntry } from "../audit/audit-trail.js";
import { cutText } from "../core/cut-text.js";
import { GroupUnreadable, type UserGroupDirectory } from "../core/roles.js";
import {
  closeServer,
  type HttpRoute,
  portOf,
  serveOperations,
  startOperationsServer,
} from "../ops/operations-endpoints.js";
import { AppHome, handleAppHome } from "./app-home.js";
import { escapeMrkdwn, fallbackText, redactingRespond, renderBlocks } from "./block-kit.js";
import { firstDelivery } from "./button-clicks.js";
import { CommandQueue } from "./command-queue.js";
import { handleOffsetsResetModal, offsetsFormButtonOf } from "./modals/offsets-reset-modal.js";
import { handleAlertButtons } from "./slack-alerts.js";
import { handleApprovalButtons, takeUndeliveredNotice } from "./slack-approvals.js";
import { bulkConfirmButton, handleBulkButtons } from "./slack-bulk.js";
import type { SlackConfig } from "./slack-config.js";
import { slackFailureReason } from "./slack-principals.js";
import {
  type SlackTokenRejectedError,
  SlackWebClient,
  type SlackWebClientOptions,
} from "./slack-web-client.js";
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

/**
 * Larger than any real Slack request: a slash command's text is at most a few KB, and the largest interactive
 * payload (a click on a 50-block message of 3,000-character sections, form-encoded) stays under 600 KB. Anything
 * bigger is refused with 413 before it is read (Bolt's own default is 4 MB, read whole).
 */
export const maxSlackBodyBytes = 1024 * 1024;

/** Bolt's log, reduced to what the bot acts on: its warnings (a body over the limit, a bad signature). */
function boltLogger(warn: (message: string) => void): BoltLogger {
  let level = LogLevel.WARN;
  return {
    debug: () => {},
    info: () => {},
    warn: (...parts: unknown[]) => warn(`Slack: ${parts.map(String).join(" ")}`),
    error: (...parts: unknown[]) => warn(`Slack: ${parts.map(String).join(" ")}`),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

export interface SlackAdapterOptions {
  readonly app: App;
  readonly slack: Required<Pick<SlackConfig, "botToken" | "signingSecret">> & SlackConfig;
  readonly client: WebClient;
  readonly port: number;
  readonly command?: string;
  readonly log?: (message: string) => void;
  /** Further paths served on the same port, before Slack's (MCP's `/mcp`); each answers its own requests. */
  readonly routes?: readonly HttpRoute[];
  /** Slack refused a token (Socket Mode's app token on reconnecting): the caller should exit (main.ts does). */
  readonly onTokenRejected?: (error: SlackTokenRejectedError) => void;
  /** Epoch ms, for how long the Socket Mode connection has been down. @defaultValue Date.now */
  readonly now?: () => number;
}

export interface RunningSlackAdapter {
  /** The events endpoint, e.g. http://127.0.0.1:3000/slack/events, or "socket-mode". */
  readonly url: string;
  /** Where `/healthz`, `/readyz` and `/metrics` answer, e.g. http://127.0.0.1:3000 (the same port either way). */
  readonly operationsUrl: string;
  /**
   * Takes no new command, click or event from now on (HTTP: 503 to Slack; Socket Mode: the socket closes), while
   * `/healthz`, `/readyz` and `/metrics` still answer, until `stop`.
   */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * How long the bot gives one Web API call, and how often it tries again when Slack's edge fails (5xx, no answer):
 * once, soon. Slack's own client would keep trying for about 30 minutes (`tenRetriesInAboutThirtyMinutes`), which
 * held a decision for 4.6 minutes behind a `users.info` answering 503; messages that must reach Slack wait in the
 * outbox (slack-outbox.ts) instead.
 */
export const slackCallPolicy = {
  timeoutMs: 5_000,
  retryConfig: { retries: 1, factor: 1, minTimeout: 250, maxTimeout: 250 },
} as const;

/**
 * The bot's Web API client (see {@link SlackWebClient}): redacting, rate-limited per method, its failures
 * classified, bounded by {@link slackCallPolicy} unless `options` says otherwise.
 */
export function createSlackClient(
  slack: SlackConfig,
  options: WebClientOptions = {},
  observe: SlackWebClientOptions = {},
): SlackWebClient {
  return new SlackWebClient(
    slack.botToken,
    {
      ...(slack.apiUrl === undefined ? {} : { slackApiUrl: slack.apiUrl }),
      timeout: slackCallPolicy.timeoutMs,
      retryConfig: slackCallPolicy.retryConfig,
      ...options,
    },
    observe,
  );
}

/**
 * User-group membership from Slack (api.slack.com/methods/usergroups.users.list); a workspace without user groups
 * (free plan) answers "unsupported". A group Slack cannot list throws `GroupUnreadable`: `no_such_subteam` says the
 * group is gone (deleted or disabled), anything else (`fatal_error`, HTTP 5xx, a rate limit) that Slack did not answer.
 */
export class SlackUserGroups implements UserGroupDirectory {
  constructor(private readonly client: WebClient) {}

  async members(groupId: string): Promise<readonly string[] | "unsupported"> {
    try {
      const result = await this.client.usergroups.users.list({ usergroup: groupId });
      return result.users ?? [];
    } catch (error) {
      const reason = slackFailureReason(error);
      if (reason === "plan_upgrade_required") return "unsupported";
      throw new GroupUnreadable(groupId, reason, reason === "no_such_subteam");
    }
  }
}

/** Posts one line per audit entry to the audit channel; the entry is already stored whatever Slack answers. */
export function auditChannelMirror(client: WebClient, channel: string): (entry: AuditEntry) => Promise<void> {
  return async (entry) => {
    const where = [entry.cluster, entry.connector].filter((part) => part !== undefined).join(" / ");
    const outcome = entry.errorCode === undefined ? entry.outcome : `${entry.outcome} (${entry.errorCode})`;
    const text = `${entry.actorName} (${entry.source}): \`${entry.args || entry.command}\`${where === "" ? "" : ` on ${where}`}: ${outcome}`;
    await client.chat.postMessage({ channel, text: cutText(escapeMrkdwn(text), 3000), unfurl_links: false });
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
    // Bolt's own client (and Socket Mode's) never waits minutes on Slack either, nor pauses for every method.
    clientOptions: {
      ...(client.slackApiUrl === undefined ? {} : { slackApiUrl: client.slackApiUrl }),
      timeout: slackCallPolicy.timeoutMs,
      retryConfig: slackCallPolicy.retryConfig,
      rejectRateLimitedCalls: true,
    },
    logLevel: LogLevel.ERROR,
  };
  const appToken = slack.appToken;
  const receiver =
    appToken === undefined
      ? new HTTPReceiver({
          signingSecret: slack.signingSecret,
          // Bodies sent without a length (chunked) are counted as they stream in and cut at the limit.
          bodyLimit: maxSlackBodyBytes,
          logger: boltLogger((line) => app.logger.warn(line)),
        })
      : new SocketModeReceiver({
          appToken,
          clientOptions: authorization.clientOptions,
          onDisconnect: () => app.operations.metrics.slackSocketDisconnects.inc(),
          ...(options.onTokenRejected === undefined ? {} : { onTokenRejected: options.onTokenRejected }),
          ...(options.now === undefined ? {} : { now: options.now }),
        });
  const bolt = new BoltApp({ ...authorization, receiver });

  const queue = new CommandQueue(commandConcurrency, (error) =>
    log(`Slack: a command failed: ${String(error)}`),
  );
  // Nothing runs before the acknowledgement but Bolt's signature check: every Redis, Connect and audit call, the
  // logging and the reply wait in the queue.
  bolt.command(options.command ?? "/connect", async ({ command, ack, respond: send }) => {
    await ack();
    const respond = redactingRespond(send);
    queue.push(async () => {
      const parsed = SlashCommand.safeParse(command);
      if (!parsed.success) {
        await respond({ response_type: "ephemeral", text: "Slack sent a command the bot could not read." });
        return;
      }
      const { user_id, user_name, channel_id, text, trigger_id } = parsed.data;
      // Slack retries a request it thinks timed out, with the same trigger id: only the first one runs.
      const first = await firstDelivery(app, "command", trigger_id);
      if (typeof first === "string") {
        await respond({ response_type: "ephemeral", text: escapeMrkdwn(first) });
        return;
      }
      if (!first) return;
      const requestId = randomUUID();
      const reply = await app.dispatcher.dispatch({
        actor: { id: user_id, name: user_name, source: "slack" },
        text,
        channelId: channel_id,
        requestId,
      });
      await respond({
        response_type: reply.visibility,
        text: fallbackText(reply),
        blocks: renderBlocks(reply, (action) => offsetsFormButtonOf(action) ?? bulkConfirmButton(action)),
      });
      const undelivered = await takeUndeliveredNotice(app.redis, app.keys, requestId);
      if (undelivered !== undefined) await respond({ response_type: "ephemeral", text: undelivered });
    });
  });

  handleApprovalButtons(bolt, app, client);
  const home = new AppHome(app, client);
  handleAppHome(bolt, home, log);
  const stopRefreshingHomes = app.onRequestChanged((request) => home.requestChanged(request));
  handleAlertButtons(bolt, app);
  handleBulkButtons(bolt, app);
  handleOffsetsResetModal(bolt, app, client);
  await warnWithoutUserGroups(app, log);

  if (receiver instanceof SocketModeReceiver) {
    // Socket Mode needs no HTTP server for Slack; the operations endpoints get one of their own on the port.
    const operations = await startOperationsServer(app.operations, options.port, options.routes);
    const downSince = () => receiver.downSince();
    app.operations.readiness.watchSlackSocket(downSince);
    app.operations.metrics.watchSlackSocket(downSince);
    await bolt.start();
    const state =
      receiver.downSince() === undefined
        ? "connected"
        : "not connected yet (Slack does not answer; trying again)";
    log(`Slack: ${state} in Socket Mode; /healthz, /readyz and /metrics on ${operations.url}`);
    let socketOpen = true;
    const closeSocket = async () => {
      if (!socketOpen) return;
      socketOpen = false;
      stopRefreshingHomes();
      await bolt.stop();
      // Acknowledged commands still get their answer.
      await queue.idle();
    };
    return {
      url: "socket-mode",
      operationsUrl: operations.url,
      drain: closeSocket,
      stop: async () => {
        await closeSocket();
        await operations.close();
      },
    };
  }
  let draining = false;
  const server = createServer((request, response) => {
    // Probes and scrapes are not Slack's: they are answered before the signature check.
    if (serveOperations(app.operations, request, response)) return;
    if (draining) {
      response.writeHead(503, { "retry-after": "1" }).end("Shutting down");
      return;
    }
    if (options.routes?.some((route) => route(request, response))) return;
    const declared = Number(request.headers["content-length"]);
    if (declared > maxSlackBodyBytes) {
      app.logger.warn(
        { contentLength: declared, limit: maxSlackBodyBytes, remote: request.socket.remoteAddress },
        "Slack endpoint: refused a request body over the limit (413), unread",
      );
      response.writeHead(413, { connection: "close" }).end();
      return;
    }
    const timestamp = Number(request.headers["x-slack-request-timestamp"]);
    if (Number.isFinite(timestamp) && timestamp - Date.now() / 1000 > maxClockSkewSeconds) {
      response.writeHead(401).end("Request timestamp is in the future");
      return;
    }
    receiver.requestListener(request, response);
  });
  server.listen(options.port);
  await once(server, "listening");
  const port = portOf(server, options.port);
  log(`Slack: listening for /connect on port ${port} (POST /slack/events; /healthz, /readyz, /metrics)`);
  return {
    url: `http://127.0.0.1:${port}/slack/events`,
    operationsUrl: `http://127.0.0.1:${port}`,
    drain: async () => {
      draining = true;
      stopRefreshingHomes();
    },
    stop: async () => {
      draining = true;
      stopRefreshingHomes();
      await closeServer(server);
      // Acknowledged commands still get their answer.
      await queue.idle();
    },
  };
}

/**
 * Reads the configured user groups once at start, through the app's roles (so a group that cannot be read is
 * logged there, once, and counts as nobody until it can): the bot starts whatever Slack answers.
 */
async function warnWithoutUserGroups(app: App, log: (message: string) => void) {
  if ((await app.roles.readGroups()) === "unsupported") {
    log(
      "Slack: this workspace has no user groups (plan_upgrade_required); roles apply to the user ids listed only.",
    );
  }
}
