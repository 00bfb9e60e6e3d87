import type { WebClient } from "@slack/web-api";
import type { StoryNotifier } from "../automation/story-notifier.js";
import type { Reply } from "../core/reply.js";
import { fallbackText, renderBlocks } from "./block-kit.js";
import { whyNotPosted } from "./delivery-words.js";
import type { SlackOutbox } from "./slack-outbox.js";

/**
 * Stories of work the bot does by itself: one message, the rest in its thread (address `<channel>:<ts>`). With an
 * `outbox`, thread replies wait in it while Slack fails, as alert and approval news do; the opening post needs
 * Slack's answer (its `ts`), so it is sent directly.
 */
export class SlackStoryNotifier implements StoryNotifier {
  readonly #client: WebClient;
  readonly #outbox: SlackOutbox | undefined;

  constructor(client: WebClient, outbox?: SlackOutbox) {
    this.#client = client;
    this.#outbox = outbox;
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
    const reply = {
      channel: address.slice(0, colon),
      thread_ts: address.slice(colon + 1),
      text: fallbackText(said),
      blocks: renderBlocks(said),
    };
    if (this.#outbox === undefined) await this.#client.chat.postMessage(reply);
    else await this.#outbox.send("chat.postMessage", reply);
  }
}
