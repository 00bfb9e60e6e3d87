import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { type Reply, reply } from "../core/reply.js";
import { poll } from "../core/retry.js";
import { RedisKeys } from "../redis-keys.js";
import type { StoryNotifier } from "./story-notifier.js";

const storyTtlSeconds = 30 * 86_400;

/**
 * One Slack thread per story, by the story's id, whichever replica tells the next line: the thread's address is
 * kept in Redis (`automationStory`), claimed with SET NX so two replicas never open two threads for one story.
 */
export class Stories {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #notifier: StoryNotifier | undefined;
  readonly #channel: string | undefined;
  readonly #logger: Logger | undefined;

  constructor(options: {
    readonly redis: Redis;
    readonly keyPrefix: string;
    readonly notifier?: StoryNotifier | undefined;
    /** Where stories are told; without it they are logged only. */
    readonly channel?: string | undefined;
    readonly logger?: Logger | undefined;
  }) {
    this.#redis = options.redis;
    this.#keys = new RedisKeys(options.keyPrefix);
    this.#notifier = options.notifier;
    this.#channel = options.channel;
    this.#logger = options.logger;
  }

  /**
   * Tells one line of story `id`: the first opens the thread (its message is the line) in `options.channel`, else
   * the automation channel, each later one is a reply in it; `options.mention` (a person's id) is named before
   * the line. A Slack failure is logged and never fails the work the story is about.
   */
  async tell(
    id: string,
    line: string | Reply,
    options: { readonly channel?: string; readonly mention?: string } = {},
  ): Promise<void> {
    const said = typeof line === "string" ? reply(line, [{ kind: "text", text: line }]) : line;
    this.#logger?.info({ story: id }, said.summary);
    const notifier = this.#notifier;
    const channel = options.channel ?? this.#channel;
    if (notifier === undefined) return;
    const key = this.#keys.automationStory(id);
    try {
      if (channel !== undefined && (await this.#redis.set(key, "posting", "EX", 60, "NX")) === "OK") {
        const address = await notifier.start(channel, said, options.mention);
        if (address === undefined) await this.#redis.del(key);
        else await this.#redis.set(key, address, "EX", storyTtlSeconds);
        return;
      }
      const address = await this.#addressOf(key);
      if (address !== undefined) await notifier.tell(address, said, options.mention);
    } catch (error) {
      this.#logger?.warn({ err: error, story: id }, "a story line could not be told in Slack");
    }
  }

  /** Tells story `id` in an existing thread (an approval request's message, `address` as its notifier wrote it). */
  async adopt(id: string, address: string): Promise<void> {
    await this.#redis.set(this.#keys.automationStory(id), address, "EX", storyTtlSeconds, "NX");
  }

  /** The thread's address, waiting a little while another replica posts its first message. */
  async #addressOf(key: string): Promise<string | undefined> {
    const address = await poll(
      async () => {
        const stored = await this.#redis.get(key);
        return stored === "posting" ? undefined : { stored };
      },
      { backoff: { firstMs: 250 }, deadlineMs: 10_000 },
    );
    return address?.stored ?? undefined;
  }
}
