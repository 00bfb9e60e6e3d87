import type { Reply } from "../core/reply.js";
import type { Alert, MessageAddress } from "./alert-store.js";

/** Where alerts are shown: the Slack adapter posts and edits messages. */
export interface AlertNotifier {
  /**
   * Posts alerts that started together as one message (a summary when they are `inSummary`, alert-replies.ts);
   * undefined when nothing was posted.
   */
  post(channel: string, alerts: readonly Alert[]): Promise<MessageAddress | undefined>;
  /** Draws the message again from all its alerts; the lines of `news` go into its thread, as one reply if they fit. */
  update(message: MessageAddress, alerts: readonly Alert[], news: readonly string[]): Promise<void>;
  /** Says these replies in the message's thread, in order (a summary's details). */
  tell(message: MessageAddress, replies: readonly Reply[]): Promise<void>;
}
