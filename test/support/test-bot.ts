import assert from "node:assert/strict";
import { type App, type AppOptions, createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import type { ConnectClient } from "../../src/connect/connect-client.js";
import type { Actor } from "../../src/core/command-spec.js";
import type { Reply } from "../../src/core/reply.js";
import {
  createSlackClient,
  type RunningSlackAdapter,
  startSlackAdapter,
} from "../../src/slack/slack-adapter.js";
import { SlackApprovalNotifier } from "../../src/slack/slack-approvals.js";
import { SlackApiStandIn, type StandInOptions } from "../slack/slack-api-stand-in.js";
import { SlackSimulator } from "../slack/slack-signer.js";
import { eventually, testBed } from "./test-bed-env.js";

/** The bot's Slack Web API client. */
type SlackWebClient = ReturnType<typeof createSlackClient>;

/** An approval request as the bot stores it. */
export type StoredRequest = NonNullable<Awaited<ReturnType<App["approvals"]["get"]>>>;

/** What a test may change of the bot {@link startTestBot} wires; everything else is the app's default. */
export interface TestBotOptions extends Omit<AppOptions, "config" | "keyPrefix"> {
  /** Every Redis key of this bot starts with it: the test file's own prefix (see `testRedis`). */
  readonly keyPrefix: string;
  /**
   * Environment variables, as `loadConfig` reads them, over the defaults: LOG_LEVEL silent, and the test bed's
   * worker and broker (CONNECT_URL, KAFKA_BROKERS) unless `configFile` is given.
   */
  readonly env?: NodeJS.ProcessEnv;
  /** The Connect address instead of the bed's worker, such as a FaultProxy's in front of it. */
  readonly connectUrl?: string;
  /** A YAML config file's text (read as CONFIG_FILE), for clusters, channels and policies the environment lacks. */
  readonly configFile?: string;
  /** Whether this bot runs the approvals worker (executes approved requests). @defaultValue true */
  readonly worker?: boolean;
}

/** A bot as main.ts wires one, without an adapter: a test speaks to its dispatcher. */
export interface TestBot {
  readonly app: App;
  /** What `actor` is answered when they type `text` (each call its own request id). */
  run(actor: Actor, text: string): Promise<Reply>;
  /** Request `id` once it has succeeded or failed, polled for up to 60 s (fails the test after that). */
  finished(id: string): Promise<StoredRequest>;
  /** The first cluster's Connect client. */
  connect(): ConnectClient;
  /** Stops the bot (its worker, polls and Redis connections); idempotent. */
  close(): Promise<void>;
}

let bots = 0;

/**
 * Starts a bot for a test: the config `loadConfig` makes of `options.env` (or `configFile`) with the test bed's
 * addresses, `createApp` with the test's key prefix and any other app option, and the approvals worker unless
 * `worker: false`. Throws what `loadConfig` or `createApp` throw.
 */
export async function startTestBot(options: TestBotOptions): Promise<TestBot> {
  const { env = {}, connectUrl, configFile, worker = true, ...appOptions } = options;
  const config =
    configFile === undefined
      ? loadConfig({
          CONNECT_URL: connectUrl ?? testBed().connectUrl,
          KAFKA_BROKERS: testBed().bootstrapServers,
          LOG_LEVEL: "silent",
          ...env,
        })
      : loadConfig({ CONFIG_FILE: "test-bot.yaml", LOG_LEVEL: "silent", ...env }, () => configFile);
  const app = createApp({ ...appOptions, config });
  if (worker) await app.approvals.startWorker();
  const bot = ++bots;
  let requests = 0;
  let closed: Promise<void> | undefined;
  return {
    app,
    run: (actor, text) => app.dispatcher.dispatch({ actor, text, requestId: `bot${bot}-${++requests}` }),
    finished: (id) =>
      eventually(`${id} to finish`, async () => {
        const request = await app.approvals.get(id);
        return request?.state === "succeeded" || request?.state === "failed" ? request : undefined;
      }),
    connect: () => app.clusters[0]?.connect ?? assert.fail("the bot has no cluster"),
    close: () => {
      closed ??= app.close();
      return closed;
    },
  };
}

/** What a test may change of the bot {@link startSlackTestBot} wires, beyond {@link TestBotOptions}. */
export interface SlackTestBotOptions extends TestBotOptions {
  /** The stand-in for Slack's Web API: its users, user groups and token (its bot token is the bot's). */
  readonly standIn: StandInOptions;
  /** @defaultValue "test-signing-secret" */
  readonly signingSecret?: string;
  /** Approval requests are posted there (a `SlackApprovalNotifier`); without it, they are not posted. */
  readonly approvalsChannel?: string;
  /** Further app options that need the bot's Slack client (story or alert notifiers, the audit mirror). */
  readonly withClient?: (client: SlackWebClient) => Omit<TestBotOptions, "keyPrefix">;
}

/** A {@link TestBot} behind the Slack adapter, on a Slack stand-in, with a simulator signing requests as Slack. */
export interface SlackTestBot extends TestBot {
  readonly standIn: SlackApiStandIn;
  readonly client: SlackWebClient;
  readonly slack: RunningSlackAdapter;
  /** Sends slash commands, clicks and events to the adapter, signed. */
  readonly simulator: SlackSimulator;
}

/**
 * Starts a Slack stand-in, then a bot as {@link startTestBot} does whose Slack settings point at it (a client
 * that does not retry, so a test sees each call once), and the Slack adapter on a free port. `close` stops all
 * three. Throws what the parts throw.
 */
export async function startSlackTestBot(options: SlackTestBotOptions): Promise<SlackTestBot> {
  const {
    standIn: standInOptions,
    signingSecret = "test-signing-secret",
    approvalsChannel,
    withClient,
  } = options;
  const standIn = await SlackApiStandIn.start(standInOptions);
  const { botToken } = standInOptions;
  const client = createSlackClient(
    { botToken, signingSecret, apiUrl: standIn.apiUrl },
    { retryConfig: { retries: 0 } },
  );
  const wired = withClient?.(client) ?? {};
  const bot = await startTestBot({
    ...options,
    ...(approvalsChannel === undefined
      ? {}
      : {
          approvalNotifier: ({ redis, keyPrefix }) =>
            new SlackApprovalNotifier({ client, redis, keyPrefix, channel: approvalsChannel }),
        }),
    ...wired,
    env: {
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: standIn.apiUrl,
      ...options.env,
      ...wired.env,
    },
  });
  const slack = await startSlackAdapter({
    app: bot.app,
    client,
    slack: { botToken, signingSecret },
    port: 0,
  });
  let closed: Promise<void> | undefined;
  return {
    ...bot,
    standIn,
    client,
    slack,
    simulator: new SlackSimulator(slack.url, signingSecret),
    close: () => {
      closed ??= (async () => {
        await slack.stop();
        await bot.close();
        await standIn.close();
      })();
      return closed;
    },
  };
}
