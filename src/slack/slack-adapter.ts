import { randomUUID } from "node:crypto";
import {
  App as BoltApp,
  type Logger as BoltLogger,
  HTTPReceiver,
  LogLevel,
  type RespondArguments,
} from "@slack/bolt";
import type { WebClient, WebClientOptions } from "@slack/web-api";
import { z } from "zod";
import type { Adapter, AdapterHost, AdapterRedis } from "../adapter-host.js";
import type { App } from "../app.js";
import type { AuditEntry } from "../audit/audit-trail.js";
import type { HttpMount, HttpRoute } from "../core/chat-adapter.js";
import { cutText } from "../core/cut-text.js";
import type { Reply } from "../core/reply.js";
import { GroupUnreadable, type UserGroupDirectory } from "../core/roles.js";
import { startOperationsServer } from "../ops/operations-endpoints.js";
import { AppHome, handleAppHome } from "./app-home.js";
import { escapeMrkdwn, fallbackText, redactingRespond, renderBlocks } from "./block-kit.js";
import { firstDelivery } from "./button-clicks.js";
import { CommandQueue } from "./command-queue.js";
import { handleConfigSetModal } from "./modals/config-set-modal.js";
import { handleCreateModal } from "./modals/create-modal.js";
import { handleOffsetsResetModal, offsetsFormButtonOf } from "./modals/offsets-reset-modal.js";
import { handleOffsetsSetModal, offsetsSetFormButtonOf } from "./modals/offsets-set-modal.js";
import { handleAlertButtons, SlackAlertNotifier } from "./slack-alerts.js";
import { handleApprovalButtons, SlackApprovalNotifier } from "./slack-approvals.js";
import { bulkConfirmButton, handleBulkButtons } from "./slack-bulk.js";
import type { SlackConfig } from "./slack-config.js";
import { SlackOutbox } from "./slack-outbox.js";
import { SlackAccounts, slackFailureReason } from "./slack-principals.js";
import { SlackStoryNotifier } from "./slack-stories.js";
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
  readonly slack: Required<Pick<SlackConfig, "botToken" | "signingSecret">> & SlackConfig;
  readonly client: WebClient;
  /** What Slack keeps beyond the host's key-value store (its outbox, message places, Home viewers). */
  readonly storage: AdapterRedis;
  /** The approvals channel; without it, a request's message goes where it was asked. */
  readonly approvalsChannel?: string;
  /** Where each audit entry is mirrored, one line each; without it, nowhere. */
  readonly auditChannel?: string;
  /**
   * false: the adapter only tells (its notifiers, its directory) and takes no request from Slack, for a process
   * that serves no one (a one-shot `--command`, a desktop agent over stdio) while the bot's own processes do.
   * @defaultValue true
   */
  readonly receive?: boolean;
  /** @defaultValue "/connect" */
  readonly command?: string;
  /** Slack refused a token (Socket Mode's app token on reconnecting): the caller should exit (main.ts does). */
  readonly onTokenRejected?: (error: SlackTokenRejectedError) => void;
  /** Epoch ms, for how long the Socket Mode connection has been down. @defaultValue Date.now */
  readonly now?: () => number;
}

/** The Slack adapter, as `createApp` runs it, plus where it takes Slack's requests once started. */
export interface SlackAdapter extends Adapter {
  /** The events endpoint, e.g. http://127.0.0.1:3000/slack/events, or "socket-mode"; "" before `start`. */
  readonly url: string;
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
 * `/connect` over Slack's HTTP endpoint, `POST /slack/events` on the operations server (or Socket Mode when an app
 * token is set), plus the buttons, the Home tab, and the notifiers that post approval requests, alerts, stories and
 * the audit channel. Every command is acknowledged at once and answered through its response_url when done; a
 * retried request runs nothing twice (the host's store remembers its trigger id).
 */
export function slackAdapter(options: SlackAdapterOptions): SlackAdapter {
  const { client, storage } = options;
  let outbox: SlackOutbox | undefined;
  /** One outbox for every message owed to Slack (approvals, alerts, stories), whoever asks first. */
  const outboxOf = (host: AdapterHost) => {
    outbox ??= new SlackOutbox({
      client,
      ...storage,
      warn: (line, error) => host.log("warn", `${line}: ${String(error)}`),
    });
    return outbox;
  };
  let running: RunningSlack | undefined;
  let url = "";
  return {
    name: "slack",
    directory: { userGroups: new SlackUserGroups(client), accounts: new SlackAccounts(client) },
    notifiers: (host) => ({
      approvals: new SlackApprovalNotifier({
        client,
        ...storage,
        ...(options.approvalsChannel === undefined ? {} : { channel: options.approvalsChannel }),
        outbox: outboxOf(host),
      }),
      alerts: new SlackAlertNotifier(client, outboxOf(host)),
      stories: new SlackStoryNotifier(client, outboxOf(host)),
      ...(options.auditChannel === undefined
        ? {}
        : { audit: auditChannelMirror(client, options.auditChannel) }),
    }),
    get url() {
      return url;
    },
    async start(host, http) {
      if (options.receive === false) return;
      running = await startSlack(options, host, http);
      url = running.url;
    },
    drain: async () => running?.drain(),
    stop: async () => running?.stop(),
  };
}

/** What `startSlackAdapter` takes: an app made by hand, and the port of an operations server of its own. */
export interface StartSlackAdapterOptions {
  readonly app: App;
  readonly slack: Required<Pick<SlackConfig, "botToken" | "signingSecret">> & SlackConfig;
  readonly client: WebClient;
  readonly port: number;
  readonly command?: string;
  /** Further routes on the same port, before Slack's (MCP's `/mcp`). */
  readonly routes?: readonly HttpRoute[];
  readonly onTokenRejected?: (error: SlackTokenRejectedError) => void;
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
 * The Slack adapter alone on an operations server of its own, for an app made by hand (tests, benches): the app's
 * notifiers are whatever it was made with; Slack's storage is the app's own Redis.
 */
export async function startSlackAdapter(options: StartSlackAdapterOptions): Promise<RunningSlackAdapter> {
  const { app } = options;
  const adapter = slackAdapter({
    slack: options.slack,
    client: options.client,
    storage: { redis: app.redis, keyPrefix: app.keyPrefix },
    ...(options.command === undefined ? {} : { command: options.command }),
    ...(options.onTokenRejected === undefined ? {} : { onTokenRejected: options.onTokenRejected }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const server = await startOperationsServer(app.operations, options.port);
  for (const route of options.routes ?? []) server.mount(route);
  try {
    await adapter.start(app.hostFor(adapter.name), server);
  } catch (error) {
    await server.close();
    throw error;
  }
  return {
    url: adapter.url,
    operationsUrl: server.url,
    drain: async () => {
      server.drain();
      await adapter.drain();
    },
    stop: async () => {
      server.drain();
      await adapter.stop();
      await server.close();
    },
  };
}

interface RunningSlack {
  readonly url: string;
  drain(): Promise<void>;
  stop(): Promise<void>;
}

async function startSlack(
  options: SlackAdapterOptions,
  host: AdapterHost,
  http: HttpMount,
): Promise<RunningSlack> {
  const { slack, client } = options;
  const log = (line: string) => host.log("info", line);
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
          logger: boltLogger((line) => host.log("warn", line)),
        })
      : new SocketModeReceiver({
          appToken,
          clientOptions: authorization.clientOptions,
          onDisconnect: () => host.operations.metrics.slackSocketDisconnects.inc(),
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
      const first = await firstDelivery(host, "command", trigger_id);
      if (typeof first === "string") {
        await respond({ response_type: "ephemeral", text: escapeMrkdwn(first) });
        return;
      }
      if (!first) return;
      const reply = await host.dispatch({
        actor: { id: user_id, name: user_name, source: "slack" },
        text,
        channelId: channel_id,
        requestId: randomUUID(),
      });
      await respond(commandAnswer(reply));
      // This adapter's own notices (slack-approvals.ts), Slack's mrkdwn already: sent as they read.
      for (const notice of reply.undelivered ?? [])
        await respond({ response_type: "ephemeral", text: notice.summary });
    });
  });

  handleApprovalButtons(bolt, host, client);
  const home = new AppHome(host, client, options.storage);
  handleAppHome(bolt, home, log);
  const stopRefreshingHomes = host.onRequestChanged((request) => home.requestChanged(request));
  handleAlertButtons(bolt, host);
  handleBulkButtons(bolt, host);
  handleOffsetsResetModal(bolt, host, client);
  handleConfigSetModal(bolt, host, client);
  handleCreateModal(bolt, host, client);
  handleOffsetsSetModal(bolt, host, client);
  await warnWithoutUserGroups(host, log);

  if (receiver instanceof SocketModeReceiver) {
    const downSince = () => receiver.downSince();
    host.operations.readiness.watchSlackSocket(downSince);
    host.operations.metrics.watchSlackSocket(downSince);
    await bolt.start();
    const state =
      receiver.downSince() === undefined
        ? "connected"
        : "not connected yet (Slack does not answer; trying again)";
    log(`Slack: ${state} in Socket Mode; /healthz, /readyz and /metrics on ${http.url}`);
    let socketOpen = true;
    const closeSocket = async () => {
      if (!socketOpen) return;
      socketOpen = false;
      stopRefreshingHomes();
      await bolt.stop();
      // Acknowledged commands still get their answer.
      await queue.idle();
    };
    return { url: "socket-mode", drain: closeSocket, stop: closeSocket };
  }
  let draining = false;
  http.mount((request, response) => {
    if (!slackPaths.has((request.url ?? "/").split("?")[0] ?? "")) return false;
    if (draining) {
      response.writeHead(503, { "retry-after": "1" }).end("Shutting down");
      return true;
    }
    const declared = Number(request.headers["content-length"]);
    if (declared > maxSlackBodyBytes) {
      host.log(
        "warn",
        `Slack endpoint: refused a request body of ${declared} bytes, over the limit of ${maxSlackBodyBytes} (413), unread, from ${request.socket.remoteAddress}`,
      );
      response.writeHead(413, { connection: "close" }).end();
      return true;
    }
    const timestamp = Number(request.headers["x-slack-request-timestamp"]);
    if (Number.isFinite(timestamp) && timestamp - Date.now() / 1000 > maxClockSkewSeconds) {
      response.writeHead(401).end("Request timestamp is in the future");
      return true;
    }
    receiver.requestListener(request, response);
    return true;
  });
  log(`Slack: listening for /connect on ${http.url} (POST /slack/events; /healthz, /readyz, /metrics)`);
  const stopTaking = () => {
    draining = true;
    stopRefreshingHomes();
  };
  return {
    url: `${http.url}/slack/events`,
    drain: async () => stopTaking(),
    stop: async () => {
      stopTaking();
      // Acknowledged commands still get their answer.
      await queue.idle();
    },
  };
}

/** Bolt's HTTP receiver's endpoint (its default), where Slack sends commands, clicks and events. */
const slackPaths = new Set(["/slack/events"]);

/** A command's answer as Slack's response_url takes it: the reply's visibility, its fallback text and Block Kit. */
export function commandAnswer(reply: Reply): RespondArguments {
  return {
    response_type: reply.visibility,
    text: fallbackText(reply),
    blocks: renderBlocks(
      reply,
      (action) => offsetsFormButtonOf(action) ?? offsetsSetFormButtonOf(action) ?? bulkConfirmButton(action),
    ),
  };
}

/**
 * Reads the configured user groups once at start, through the app's roles (so a group that cannot be read is
 * logged there, once, and counts as nobody until it can): the bot starts whatever Slack answers.
 */
async function warnWithoutUserGroups(host: AdapterHost, log: (message: string) => void) {
  if ((await host.roles.readGroups()) === "unsupported") {
    log(
      "Slack: this workspace has no user groups (plan_upgrade_required); roles apply to the user ids listed only.",
    );
  }
}
