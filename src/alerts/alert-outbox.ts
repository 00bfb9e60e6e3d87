import type { ReceiverEvent, ReceiverNotice } from "./alert-receivers.js";
import type { Alert, MessageAddress } from "./alert-store.js";

/** A line for a message's thread, and the connector it is about (a message may show many: alert-news.ts). */
export interface NewsLine {
  readonly connector: string;
  readonly text: string;
}

/** The changes one round makes to one message: its alerts as they are now, and the lines for its thread. */
export interface MessageChange {
  readonly message: MessageAddress;
  readonly alerts: Alert[];
  readonly news: NewsLine[];
}

/**
 * What a poll (or a click) has to tell, gathered before anything is sent: new alerts by channel, so alerts that
 * started together share a message, and changes by message, so each message is drawn again once.
 */
export class AlertOutbox {
  readonly posts = new Map<string, Alert[]>();
  readonly changes = new Map<MessageAddress, MessageChange>();
  /** What receivers beyond Slack are told, in the order it happened. */
  readonly notices: ReceiverNotice[] = [];

  /** Tells each of `receivers` the alert's `event`, decided at `at` (epoch ms). */
  notify(receivers: readonly string[] | undefined, event: ReceiverEvent, alert: Alert, at: number): void {
    for (const receiver of receivers ?? []) this.notices.push({ receiver, event, alert, at });
  }

  /** An alert to post in `channel`. */
  post(channel: string, alert: Alert): void {
    this.posts.set(channel, [...(this.posts.get(channel) ?? []), alert]);
  }

  /** A changed alert to draw again in its message, with a line for its thread; one never posted has none. */
  change(alert: Alert, news?: string): void {
    if (alert.message === undefined) return;
    const entry = this.changes.get(alert.message) ?? { message: alert.message, alerts: [], news: [] };
    entry.alerts.push(alert);
    if (news !== undefined) entry.news.push({ connector: alert.connector, text: news });
    this.changes.set(alert.message, entry);
  }
}
