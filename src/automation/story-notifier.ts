import type { Reply } from "../core/reply.js";

/**
 * Where the bot tells the story of work it does by itself (a maintenance window, a log level change, a bulk
 * action): one message, then replies in its thread. The Slack adapter implements it (src/slack/slack-stories.ts);
 * without one, stories go to the log only.
 */
export interface StoryNotifier {
  /**
   * Posts a story's first message in `channel`; its opaque address, or undefined when nothing was posted.
   * `mention`, a person's id, is named before the words (a notification for them).
   */
  start(channel: string, opening: Reply, mention?: string): Promise<string | undefined>;
  /** Says `said` in the thread of the message at `address`, naming `mention` first as `start` does. */
  tell(address: string, said: Reply, mention?: string): Promise<void>;
}
