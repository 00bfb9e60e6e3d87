import { randomUUID } from "node:crypto";
import type { App as BoltApp, RespondArguments } from "@slack/bolt";
import { z } from "zod";
import type { AdapterHost } from "../adapter-host.js";
import type { CommandCall } from "../core/dispatcher.js";
import { redactDeep } from "../core/redact.js";
import type { Reply } from "../core/reply.js";
import { escapeMrkdwn, fallbackText } from "./block-kit.js";

/** Answers the clicker, redacted: in place of the click, or by direct message from the Home tab. */
type Respond = (message: RespondArguments) => Promise<unknown>;

/** The fields of a button click the bot reads. */
const ButtonClick = z.object({
  user: z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() }),
  trigger_id: z.string().min(1),
  actions: z.array(z.object({ action_id: z.string(), value: z.string() })).length(1),
  channel: z.object({ id: z.string() }).optional(),
  // A message's button names its message; a Home tab's names a view instead (no channel, no ts).
  container: z.object({ channel_id: z.string().optional(), message_ts: z.string().optional() }).optional(),
});

/** Slack wants an answer to a click within 3 s; the decision is saved first, but never past this. */
const ackDeadlineMs = 2_500;

export interface Click {
  readonly actionId: string;
  readonly value: string;
  readonly user: { readonly id: string; readonly name: string };
  /** The message the button sits in. */
  readonly message?: { readonly channel: string; readonly ts: string };
}

/**
 * What a click asks for: the command it runs, or why it runs nothing (a button whose value lacks a field its
 * feature requires, such as an approval button without the digest of what it approves). Undefined: the value is
 * not one this bot writes.
 */
export type ClickCommand = CommandCall | { readonly refusal: string } | undefined;

/**
 * A button runs a command through the dispatcher as the person who clicked, so roles, the audit and every check
 * apply exactly as for the typed command. `commandFor` turns the click into that command with its arguments
 * typed (a {@link CommandCall}, never a line to parse again, so names keep their quotes), or refuses it;
 * `afterwards` sees the answer. A refusal is told to the clicker alone; a repeated delivery runs nothing.
 * The click is acknowledged only once the command has run (its decision saved), or after 2.5 s at the latest:
 * a process that dies before saving a click leaves it unacknowledged, so Slack shows the clicker an error rather
 * than a success nobody acted on.
 */
export function handleButtons(
  bolt: BoltApp,
  app: AdapterHost,
  actionIds: RegExp,
  /** The command a click runs, or why it runs none. */
  commandFor: (click: Click) => ClickCommand,
  afterwards?: (click: Click, answer: Reply) => Promise<void>,
): void {
  bolt.action({ action_id: actionIds }, async ({ ack, body, respond: respondInPlace, client }) => {
    // A click in the Home tab comes with no response_url: its answer goes to the clicker as a direct message.
    const userId = (body as { user?: { id?: unknown } }).user?.id;
    const respond: Respond = async (message) => {
      const safe = redactDeep(message);
      if (respondInPlace !== undefined) return respondInPlace(safe);
      if (typeof userId === "string" && safe.text !== undefined) {
        return client.chat.postMessage({ channel: userId, text: safe.text });
      }
    };
    let acknowledged: Promise<void> | undefined;
    const acknowledge = () => {
      acknowledged ??= ack();
      return acknowledged;
    };
    const deadline = setTimeout(() => void acknowledge(), ackDeadlineMs);
    try {
      await handleClick(app, body, respond, acknowledge, commandFor, afterwards);
    } finally {
      clearTimeout(deadline);
      await acknowledge();
    }
  });
}

async function handleClick(
  app: AdapterHost,
  body: unknown,
  respond: Respond,
  acknowledge: () => Promise<void>,
  commandFor: (click: Click) => ClickCommand,
  afterwards: ((click: Click, answer: Reply) => Promise<void>) | undefined,
): Promise<void> {
  const parsed = ButtonClick.safeParse(body);
  const action = parsed.data?.actions[0];
  if (!parsed.success || action === undefined) {
    await acknowledge();
    await respond({
      response_type: "ephemeral",
      replace_original: false,
      text: "Slack sent a click the bot could not read.",
    });
    return;
  }
  const { user, trigger_id, channel, container } = parsed.data;
  const first = await firstDelivery(app, "action", trigger_id);
  if (typeof first === "string") {
    await acknowledge();
    await respond({ response_type: "ephemeral", replace_original: false, text: escapeMrkdwn(first) });
    return;
  }
  if (!first) return;
  const click: Click = {
    actionId: action.action_id,
    value: action.value,
    user: { id: user.id, name: user.username ?? user.name ?? user.id },
    ...(container?.channel_id === undefined || container.message_ts === undefined
      ? {}
      : { message: { channel: container.channel_id, ts: container.message_ts } }),
  };
  const call = commandFor(click);
  if (call === undefined || "refusal" in call) {
    await acknowledge();
    await respond({
      response_type: "ephemeral",
      replace_original: false,
      text: escapeMrkdwn(
        call?.refusal ?? "This button carries a value the bot does not recognise; nothing was done.",
      ),
    });
    return;
  }
  const answer = await app.dispatch({
    actor: { ...click.user, source: "slack" },
    call,
    ...(channel === undefined ? {} : { channelId: channel.id }),
    requestId: randomUUID(),
  });
  // Saved and audited: now Slack may hear that the click arrived.
  await acknowledge();
  if (answer.outcome !== "succeeded") {
    await respond({ response_type: "ephemeral", replace_original: false, text: fallbackText(answer) });
  }
  await afterwards?.(click, answer);
}

/** How long a trigger id is remembered: Slack retries a request within seconds to minutes. */
const deliveryKeepMs = 3_600_000;

/**
 * Whether this is the first delivery of a request (Slack retries with the same trigger id); while the store is
 * down, what to answer instead (the bot cannot tell, nor audit, and keeps reconnecting in the background).
 */
export async function firstDelivery(
  app: AdapterHost,
  kind: "command" | "action",
  triggerId: string,
): Promise<boolean | string> {
  const down = app.storeOutage();
  if (down !== undefined) return down;
  try {
    return await app.store.set(`${kind}:${triggerId}`, "1", { ttlMs: deliveryKeepMs, ifAbsent: true });
  } catch (error) {
    const outage = app.storeOutage();
    if (outage === undefined) throw error;
    return outage;
  }
}
