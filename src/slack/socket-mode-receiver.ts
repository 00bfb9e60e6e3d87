import type { App as BoltApp, Receiver } from "@slack/bolt";
import { LogLevel, SocketModeClient } from "@slack/socket-mode";
import type { WebClientOptions } from "@slack/web-api";
import { classifySlackError, SlackTokenRejectedError } from "./slack-web-client.js";

/** Waits between attempts to connect again: 1 s, doubled each failure, at most 30 s. */
const firstRetryMs = 1_000;
const maxRetryMs = 30_000;

export interface SocketModeReceiverOptions {
  readonly appToken: string;
  readonly clientOptions?: WebClientOptions;
  /** Epoch ms. @defaultValue Date.now */
  readonly now?: () => number;
  /** Each time an open connection is lost. */
  readonly onDisconnect?: () => void;
  /** Slack refused the app token (`invalid_auth`…): the receiver stops trying; the process should exit. */
  readonly onTokenRejected?: (error: SlackTokenRejectedError) => void;
}

/**
 * Socket Mode for Bolt, with the Web API client options Bolt's own receiver does not pass on: `SLACK_API_URL`
 * reaches `apps.connections.open` too, so a proxy (or the test stand-in) serves Socket Mode as it serves HTTP.
 *
 * It reconnects by itself (the socket-mode client's own reconnection throws unhandled when `apps.connections.open`
 * answers 5xx or `invalid_auth` mid-reconnect): every lost connection is tried again with a backoff (1 s to
 * 30 s) for as long as Slack fails, `downSince` says since when no connection is open (readiness and a metric
 * read it), and a rejected app token stops the attempts and is told to `onTokenRejected`, once.
 */
export class SocketModeReceiver implements Receiver {
  readonly #client: SocketModeClient;
  readonly #options: SocketModeReceiverOptions;
  #app: BoltApp | undefined;
  #downSince: number | undefined;
  #connecting = false;
  #stopped = false;
  #retryMs = firstRetryMs;
  #retry: NodeJS.Timeout | undefined;

  constructor(options: SocketModeReceiverOptions) {
    this.#options = options;
    this.#client = new SocketModeClient({
      appToken: options.appToken,
      logLevel: LogLevel.ERROR,
      autoReconnectEnabled: false,
      // One attempt per connection: the receiver's own backoff does the rest.
      clientOptions: { ...options.clientOptions, retryConfig: { retries: 0 } },
    });
    this.#downSince = this.#now();
    this.#client.on("connected", () => {
      this.#downSince = undefined;
      this.#retryMs = firstRetryMs;
    });
    this.#client.on("disconnected", () => {
      if (this.#stopped || this.#connecting) return;
      this.#downSince ??= this.#now();
      this.#options.onDisconnect?.();
      this.#connectLater();
    });
    this.#client.on("slack_event", async (event: SlackEvent) => {
      let acknowledged = false;
      const ack = async (response?: unknown) => {
        if (acknowledged) return;
        acknowledged = true;
        await event.ack(response);
      };
      try {
        await this.#app?.processEvent({
          body: event.body,
          ack,
          ...(event.retry_num === undefined ? {} : { retryNum: event.retry_num }),
          ...(event.retry_reason === undefined ? {} : { retryReason: event.retry_reason }),
        });
      } catch {
        // Slack redelivers an envelope that is never acknowledged; a handler that failed must not run again.
        await ack();
      }
    });
  }

  init(app: BoltApp): void {
    this.#app = app;
  }

  /**
   * Opens the first connection. Throws `SlackTokenRejectedError` when Slack refuses the app token; when Slack
   * fails otherwise, resolves anyway and keeps trying in the background (the bot serves its other work).
   */
  async start(): Promise<unknown> {
    this.#stopped = false;
    const error = await this.#connect();
    if (error instanceof SlackTokenRejectedError) throw error;
    if (error !== undefined) this.#connectLater();
    return undefined;
  }

  async stop(): Promise<unknown> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    await this.#client.disconnect();
    return undefined;
  }

  /** Since when (epoch ms) no Socket Mode connection is open; undefined while one is. */
  downSince(): number | undefined {
    return this.#downSince;
  }

  /** One attempt; returns what failed, classified, or undefined once connected. */
  async #connect(): Promise<unknown> {
    this.#connecting = true;
    try {
      await this.#client.start();
      return undefined;
    } catch (error) {
      return classifySlackError("apps.connections.open", error) ?? new Error("the connection closed at once");
    } finally {
      this.#connecting = false;
    }
  }

  #connectLater(): void {
    if (this.#stopped || this.#retry !== undefined) return;
    const waitMs = this.#retryMs;
    this.#retryMs = Math.min(maxRetryMs, this.#retryMs * 2);
    this.#retry = setTimeout(async () => {
      this.#retry = undefined;
      if (this.#stopped) return;
      const error = await this.#connect();
      if (error instanceof SlackTokenRejectedError) {
        this.#stopped = true;
        this.#options.onTokenRejected?.(error);
      } else if (error !== undefined) this.#connectLater();
    }, waitMs);
    this.#retry.unref();
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}

/** The fields of a Socket Mode envelope the receiver hands to Bolt. */
interface SlackEvent {
  readonly ack: (response?: unknown) => Promise<void>;
  readonly body: Record<string, unknown>;
  readonly retry_num?: number;
  readonly retry_reason?: string;
}
