import type { App as BoltApp, Receiver } from "@slack/bolt";
import { LogLevel, SocketModeClient } from "@slack/socket-mode";
import type { WebClientOptions } from "@slack/web-api";

/**
 * Socket Mode for Bolt, with the Web API client options Bolt's own receiver does not pass on: `SLACK_API_URL`
 * reaches `apps.connections.open` too, so a proxy (or the test stand-in) serves Socket Mode as it serves HTTP.
 */
export class SocketModeReceiver implements Receiver {
  readonly #client: SocketModeClient;
  #app: BoltApp | undefined;

  constructor(options: { readonly appToken: string; readonly clientOptions?: WebClientOptions }) {
    this.#client = new SocketModeClient({
      appToken: options.appToken,
      logLevel: LogLevel.ERROR,
      clientOptions: options.clientOptions ?? {},
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

  start(): Promise<unknown> {
    return this.#client.start();
  }

  async stop(): Promise<unknown> {
    await this.#client.disconnect();
    return undefined;
  }
}

/** The fields of a Socket Mode envelope the receiver hands to Bolt. */
interface SlackEvent {
  readonly ack: (response?: unknown) => Promise<void>;
  readonly body: Record<string, unknown>;
  readonly retry_num?: number;
  readonly retry_reason?: string;
}
