import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import { RedisKeys } from "../redis-keys.js";
import { SlackTokenRejectedError, SlackUnavailableError } from "./slack-web-client.js";

/** A Web API call owed to Slack: a message to post (a thread reply, a direct message) or to edit. */
const OwedCall = z.object({
  method: z.enum(["chat.postMessage", "chat.update"]),
  args: z.record(z.string(), z.unknown()).and(z.object({ channel: z.string().min(1) })),
});
type OwedCall = z.infer<typeof OwedCall>;

/** First wait after Slack failed without a Retry-After, doubled on each failure up to `maxBackoffMs`. */
const firstBackoffMs = 1_000;
const maxBackoffMs = 30_000;
/** The sending process's claim on a channel; renewed before each call, which takes at most ~11 s (5 s, twice). */
const senderTtlMs = 60_000;

export interface SlackOutboxOptions {
  /** Sends the calls: the bot's client, whose failures are classified (slack-web-client.ts). */
  readonly client: { apiCall(method: string, args: Record<string, unknown>): Promise<unknown> };
  readonly redis: Redis;
  readonly keyPrefix: string;
  /** Told of a call Slack refused for good (a deleted message, an archived channel): it is dropped. */
  readonly warn?: (line: string, error: unknown) => void;
}

/**
 * Messages owed to Slack, kept in Redis until Slack takes them, so that telling Slack never holds up the work the
 * bot owes Connect (an approved change, a poll). Calls are queued per channel (a person's direct messages are a
 * channel too) and sent in the order they were queued, each once: while Slack fails (5xx, no answer,
 * `fatal_error`, a 429), the channel's calls wait (the Retry-After, or a backoff from 1 s to 30 s) and follow when
 * Slack answers again. One process at a time sends a channel's calls (a claim in Redis), and any process resumes
 * what another left. A call Slack refuses for good (`message_not_found`, `channel_not_found`…) is dropped with a
 * warning: sending it again would meet the same answer and hold up the rest.
 */
export class SlackOutbox {
  readonly #options: SlackOutboxOptions;
  readonly #keys: RedisKeys;
  readonly #token = randomUUID();
  /** Channels this process is sending now, and those waiting for a retry (their timer). */
  readonly #sending = new Set<string>();
  /** Channels kicked while their drain was finishing: drained again, or a call queued in that gap would wait. */
  readonly #kickedWhileSending = new Set<string>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** The wait before the next try, per channel whose last try failed. */
  readonly #backoffMs = new Map<string, number>();
  #closed = false;

  constructor(options: SlackOutboxOptions) {
    this.#options = options;
    this.#keys = new RedisKeys(options.keyPrefix);
  }

  /** Queues `method` with `args` behind every call still owed to its channel; resolves once it is stored. */
  async send(method: OwedCall["method"], args: OwedCall["args"]): Promise<void> {
    const call = OwedCall.parse({ method, args });
    const { channel } = call.args;
    await this.#options.redis
      .multi()
      .rpush(this.#keys.slackOutbox(channel), JSON.stringify(call))
      .sadd(this.#keys.slackOutboxChannels, channel)
      .exec();
    this.#kick(channel);
  }

  /** Starts sending whatever is owed to any channel (left by a process that stopped, or by this one). */
  async resume(): Promise<void> {
    for (const channel of await this.#options.redis.smembers(this.#keys.slackOutboxChannels))
      this.#kick(channel);
  }

  /** How many calls are owed to Slack, over every channel. */
  async owed(): Promise<number> {
    const { redis } = this.#options;
    const channels = await redis.smembers(this.#keys.slackOutboxChannels);
    const lengths = await Promise.all(channels.map((channel) => redis.llen(this.#keys.slackOutbox(channel))));
    return lengths.reduce((sum, length) => sum + length, 0);
  }

  /** Stops sending: retries are cancelled; what is owed stays in Redis for the next process. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #kick(channel: string): void {
    // A channel waiting out Slack's failure keeps waiting: a new call goes behind the owed ones.
    if (this.#closed || this.#timers.has(channel)) return;
    if (this.#sending.has(channel)) {
      this.#kickedWhileSending.add(channel);
      return;
    }
    this.#sending.add(channel);
    void this.#drain(channel)
      .catch((error: unknown) => this.#retryLater(channel, undefined, error))
      .finally(() => {
        this.#sending.delete(channel);
        if (this.#kickedWhileSending.delete(channel)) this.#kick(channel);
      });
  }

  async #drain(channel: string): Promise<void> {
    const { redis, client } = this.#options;
    const list = this.#keys.slackOutbox(channel);
    const sender = this.#keys.slackOutboxSender(channel);
    const claimed = await redis.set(sender, this.#token, "PX", senderTtlMs, "NX");
    if (claimed === null && (await redis.get(sender)) !== this.#token) {
      // Another process sends this channel's calls; look again later in case it stops.
      this.#retryLater(channel, firstBackoffMs);
      return;
    }
    try {
      for (;;) {
        if (this.#closed) return;
        const head = await redis.lindex(list, 0);
        if (head === null) {
          await redis.srem(this.#keys.slackOutboxChannels, channel);
          // A call queued between the read and the removal puts the channel back.
          if ((await redis.llen(list)) > 0) await redis.sadd(this.#keys.slackOutboxChannels, channel);
          else return;
          continue;
        }
        await redis.pexpire(sender, senderTtlMs);
        const call = OwedCall.safeParse(JSON.parse(head));
        try {
          if (call.success) await client.apiCall(call.data.method, call.data.args);
          else this.#options.warn?.(`an owed call to ${channel} could not be read; dropped`, call.error);
        } catch (error) {
          if (error instanceof SlackUnavailableError || error instanceof SlackTokenRejectedError) {
            this.#retryLater(
              channel,
              error instanceof SlackUnavailableError ? error.retryAfterMs : undefined,
              error,
            );
            return;
          }
          this.#options.warn?.(`Slack refused an owed ${call.data?.method} to ${channel}; dropped`, error);
        }
        // Sent (or refused for good): it leaves the list, once.
        await redis.lpop(list);
        this.#backoffMs.delete(channel);
      }
    } finally {
      if ((await redis.get(sender)) === this.#token) await redis.del(sender);
    }
  }

  #retryLater(channel: string, afterMs: number | undefined, error?: unknown): void {
    if (this.#closed || this.#timers.has(channel)) return;
    const previous = this.#backoffMs.get(channel);
    if (error !== undefined && previous === undefined) {
      this.#options.warn?.(
        `Slack could not take the messages owed to ${channel}; they wait and follow`,
        error,
      );
    }
    const backoffMs = previous === undefined ? firstBackoffMs : Math.min(maxBackoffMs, previous * 2);
    this.#backoffMs.set(channel, backoffMs);
    const timer = setTimeout(
      () => {
        this.#timers.delete(channel);
        this.#kick(channel);
      },
      Math.max(afterMs ?? 0, backoffMs),
    );
    timer.unref();
    this.#timers.set(channel, timer);
  }
}
