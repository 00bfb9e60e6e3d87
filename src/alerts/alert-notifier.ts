import type { Alert, MessageAddress } from "./alert-store.js";

/** Where alerts are shown: the Slack adapter posts and edits messages. */
export interface AlertNotifier {
  /** Posts alerts that started together as one message; undefined when nothing was posted. */
  post(channel: string, alerts: readonly Alert[]): Promise<MessageAddress | undefined>;
  /** Draws the message again from all its alerts; each line of `news` goes into its thread. */
  update(message: MessageAddress, alerts: readonly Alert[], news: readonly string[]): Promise<void>;
}
