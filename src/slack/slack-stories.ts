import type { WebClient } from "@slack/web-api";
import type { StoryNotifier } from "../automation/story-notifier.js";
import type { Reply } from "../core/reply.js";
import { fallbackText, renderBlocks } from "./block-kit.js";
import { whyNotPosted } from "./delivery-words.js";
import type { SlackBlock } from "./native-blocks.js";
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

  async start(channel: string, opening: Reply, mention?: string): Promise<string | undefined> {
    const posted = await this.#client.chat
      .postMessage({ channel, ...content(opening, mention), unfurl_links: false })
      .catch((error: unknown) => {
        throw new Error(whyNotPosted(error, channel), { cause: error });
      });
    return posted.ts === undefined ? undefined : `${channel}:${posted.ts}`;
  }

  async tell(address: string, said: Reply, mention?: string): Promise<void> {
    const colon = address.indexOf(":");
    const reply = {
      channel: address.slice(0, colon),
      thread_ts: address.slice(colon + 1),
      ...content(said, mention),
    };
    if (this.#outbox === undefined) await this.#client.chat.postMessage(reply);
    else await this.#outbox.send("chat.postMessage", reply);
  }
}

/** A line's text and blocks, the person mentioned first (`<@U…>`, which Slack notifies) when there is one. */
function content(said: Reply, mention: string | undefined): { text: string; blocks: SlackBlock[] } {
  const blocks = renderBlocks(said);
  if (mention === undefined) return { text: fallbackText(said), blocks };
  const named = `<@${mention}>`;
  return {
    text: `${named} ${fallbackText(said)}`,
    blocks: [{ type: "section", text: { type: "mrkdwn", text: named } }, ...blocks],
  };
}
