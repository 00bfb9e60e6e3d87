import type { WebClient } from "@slack/web-api";
import type { StoryNotifier } from "../automation/story-notifier.js";
import type { Reply } from "../core/reply.js";
import { fallbackText, renderBlocks } from "./block-kit.js";
import { whyNotPosted } from "./delivery-words.js";

/** Stories of work the bot does by itself: one message, the rest in its thread (address `<channel>:<ts>`). */
export class SlackStoryNotifier implements StoryNotifier {
  readonly #client: WebClient;

  constructor(client: WebClient) {
    this.#client = client;
  }

  async start(channel: string, opening: Reply): Promise<string | undefined> {
    const posted = await this.#client.chat
      .postMessage({
        channel,
        text: fallbackText(opening),
        blocks: renderBlocks(opening),
        unfurl_links: false,
      })
      .catch((error: unknown) => {
        throw new Error(whyNotPosted(error, channel), { cause: error });
      });
    return posted.ts === undefined ? undefined : `${channel}:${posted.ts}`;
  }

  async tell(address: string, said: Reply): Promise<void> {
    const colon = address.indexOf(":");
    await this.#client.chat.postMessage({
      channel: address.slice(0, colon),
      thread_ts: address.slice(colon + 1),
      text: fallbackText(said),
      blocks: renderBlocks(said),
    });
  }
}
