import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { App as BoltApp } from "@slack/bolt";
import type { KnownBlock, WebClient } from "@slack/web-api";
import type { AdapterHost } from "../adapter-host.js";
import type { AlertNotifier } from "../alerts/alert-notifier.js";
import {
  type AlertAction,
  alertReplies,
  alertSummary,
  isSummary,
  threadReplies,
} from "../alerts/alert-replies.js";
import { type Alert, MessageAddress } from "../alerts/alert-store.js";
import type { CommandCall } from "../core/dispatcher.js";
import { type Reply, reply } from "../core/reply.js";
import { fallbackText, renderBlocks } from "./block-kit.js";
import { handleButtons } from "./button-clicks.js";
import { whyNotPosted } from "./delivery-words.js";
import { offsetsFormButton, offsetsFormValue } from "./modals/offsets-reset-modal.js";
import type { SlackBlock } from "./native-blocks.js";
import type { SlackOutbox } from "./slack-outbox.js";

const snoozeActions = {
  alert_snooze_1h: "1h",
  alert_snooze_4h: "4h",
  alert_snooze_24h: "24h",
} as const;
export const acknowledgeAction = "alert_ack";
export const restartAction = "alert_restart";

/** Slack accepts about one message a second per channel; posts and thread replies wait their turn, none dropped. */
const postSpacingMs = 1_100;

/**
 * Alert messages: one per group of alerts that started together (a storm's summary for many), edited as they
 * change and when they clear; a round's news is one thread reply. With an `outbox`, edits and thread replies wait
 * there while Slack fails and follow in order when it answers (a new alert's post needs Slack's answer, its `ts`:
 * an unposted alert is posted by a later poll instead).
 */
export class SlackAlertNotifier implements AlertNotifier {
  readonly #client: WebClient;
  readonly #outbox: SlackOutbox | undefined;
  readonly #nextPostAt = new Map<string, number>();

  constructor(client: WebClient, outbox?: SlackOutbox) {
    this.#client = client;
    this.#outbox = outbox;
  }

  async post(channel: string, alerts: readonly Alert[]): Promise<MessageAddress | undefined> {
    await this.#turn(channel);
    const posted = await this.#client.chat
      .postMessage({ channel, ...alertMessage(alerts), unfurl_links: false })
      .catch((error: unknown) => {
        // The log line an operator reads says what to do (invite the bot), not only Slack's code.
        throw new Error(whyNotPosted(error, channel), { cause: error });
      });
    return posted.ts === undefined ? undefined : addressOf({ channel, ts: posted.ts });
  }

  async update(address: MessageAddress, alerts: readonly Alert[], news: readonly string[]): Promise<void> {
    const { channel, ts } = messageAt(address);
    const edit = { channel, ts, ...alertMessage(alerts) };
    if (this.#outbox === undefined) await this.#client.chat.update(edit);
    else await this.#outbox.send("chat.update", edit);
    await this.tell(address, threadReplies(news));
  }

  async tell(address: MessageAddress, replies: readonly Reply[]): Promise<void> {
    const { channel, ts } = messageAt(address);
    for (const said of replies) {
      await this.#turn(channel);
      const thread = { channel, thread_ts: ts, text: fallbackText(said), blocks: renderBlocks(said) };
      if (this.#outbox === undefined) await this.#client.chat.postMessage(thread);
      else await this.#outbox.send("chat.postMessage", thread);
    }
  }

  async #turn(channel: string): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.#nextPostAt.get(channel) ?? now);
    this.#nextPostAt.set(channel, at + postSpacingMs);
    if (at > now) await sleep(at - now);
  }
}

/**
 * A Slack message's address as alerts keep it: `<channel>:<ts>`. Channel ids hold no colon, and this is the form
 * alerts of earlier versions are read into (alert-store.ts), with the same Redis key for the message's alerts.
 */
function addressOf(message: { readonly channel: string; readonly ts: string }): MessageAddress {
  return MessageAddress.parse(`${message.channel}:${message.ts}`);
}

function messageAt(address: MessageAddress): { channel: string; ts: string } {
  const colon = address.indexOf(":");
  return { channel: address.slice(0, colon), ts: address.slice(colon + 1) };
}

/**
 * The whole message as Block Kit: each alert's reply (alert-replies.ts), then its actions as buttons; a storm's
 * summary as its one reply, without buttons.
 */
export function alertMessage(
  alerts: readonly Alert[],
  now = Date.now(),
): { text: string; blocks: SlackBlock[] } {
  if (isSummary(alerts)) {
    const summary = alertSummary(alerts, now);
    return { text: fallbackText(summary), blocks: renderBlocks(summary) };
  }
  const message = alertReplies(alerts, now);
  const blocks = message.alerts.flatMap(({ alert, reply: shown, actions }) => [
    ...renderBlocks(shown),
    ...buttons(alert.key, actions),
  ]);
  return { text: fallbackText(reply(message.summary)), blocks };
}

function buttons(alertKey: string, actions: readonly AlertAction[]): KnownBlock[] {
  if (actions.length === 0) return [];
  return [
    {
      type: "actions",
      // Block ids must be unique in a message and at most 255 characters; connector names can be longer.
      block_id: `alert:${createHash("sha256").update(alertKey).digest("hex")}`,
      elements: actions.map((action) => ({
        type: "button" as const,
        action_id: actionIdOf(action),
        text: { type: "plain_text" as const, text: action.label },
        // Offsets… opens the reset form on the alert's connector (offsets-reset-modal.ts); the rest name the alert.
        value: action.kind === "offsets" ? offsetsFormValue(alertOf(alertKey)) : alertKey,
      })),
    },
  ];
}

function actionIdOf(action: AlertAction): string {
  switch (action.kind) {
    case "snooze":
      return `alert_snooze_${action.duration}` satisfies keyof typeof snoozeActions;
    case "acknowledge":
      return acknowledgeAction;
    case "restart-failed":
      return restartAction;
    case "offsets":
      return offsetsFormButton;
  }
}

/** `<cluster>/<connector>/<rule>`: cluster names and connector names cannot hold a `/` (Connect refuses them). */
function alertOf(key: string): { cluster: string; connector: string } {
  const parts = key.split("/");
  return { cluster: parts[0] ?? "", connector: parts.slice(1, -1).join("/") };
}

/** The action ids of an alert message's buttons. */
export const alertActionIds: readonly string[] = [
  ...Object.keys(snoozeActions),
  acknowledgeAction,
  restartAction,
];

/** The command an alert button runs, from its action id and value (the alert's key), as the clicker. */
export function alertButtonCall(actionId: string, value: string): CommandCall {
  const { cluster, connector } = alertOf(value);
  if (actionId === restartAction)
    return {
      command: "restart",
      // --exact: a connector whose name holds * or ? is this one connector, never a pattern.
      args: { target: connector, "failed-only": true, "include-tasks": true, exact: true },
      cluster,
    };
  if (actionId === acknowledgeAction) return { command: "alerts ack", args: { connector }, cluster };
  const duration = snoozeActions[actionId as keyof typeof snoozeActions];
  return { command: "alerts snooze", args: { connector, duration }, cluster };
}

/**
 * Snooze, Acknowledge and Restart run `alerts snooze`, `alerts ack` and `restart --failed-only` as the person who
 * clicked; the restart's outcome is told in the alert's thread.
 */
export function handleAlertButtons(bolt: BoltApp, app: AdapterHost): void {
  handleButtons(
    bolt,
    app,
    new RegExp(`^(${alertActionIds.join("|")})$`),
    (click) => alertButtonCall(click.actionId, click.value),
    async (click, answer) => {
      if (click.actionId !== restartAction || answer.outcome !== "succeeded") return;
      const { cluster, connector } = alertOf(click.value);
      await app.alerts.tell(cluster, connector, `${click.user.name}: ${answer.summary}`);
    },
  );
}
