import { randomUUID } from "node:crypto";
import type { App as BoltApp } from "@slack/bolt";
import { z } from "zod";
import type { App } from "../app.js";
import type { Reply } from "../core/reply.js";
import { escapeMrkdwn, fallbackText, redactingRespond } from "./block-kit.js";

/** The fields of a button click the bot reads. */
const ButtonClick = z.object({
  user: z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() }),
  trigger_id: z.string().min(1),
  actions: z.array(z.object({ action_id: z.string(), value: z.string() })).length(1),
  channel: z.object({ id: z.string() }).optional(),
});

export interface Click {
  readonly actionId: string;
  readonly value: string;
  readonly user: { readonly id: string; readonly name: string };
}

/**
 * A button runs a `/connect` command line through the dispatcher as the person who clicked, so roles, the audit
 * and every check apply exactly as for the typed command. `commandFor` turns the click into that line;
 * `afterwards` sees the answer. A refusal is told to the clicker alone; a repeated delivery runs nothing.
 */
export function handleButtons(
  bolt: BoltApp,
  app: App,
  actionIds: RegExp,
  commandFor: (click: Click) => string,
  afterwards?: (click: Click, answer: Reply) => Promise<void>,
): void {
  bolt.action({ action_id: actionIds }, async ({ ack, body, respond: send }) => {
    await ack();
    const respond = redactingRespond(send);
    const parsed = ButtonClick.safeParse(body);
    const action = parsed.data?.actions[0];
    if (!parsed.success || action === undefined) {
      await respond({
        response_type: "ephemeral",
        replace_original: false,
        text: "Slack sent a click the bot could not read.",
      });
      return;
    }
    const { user, trigger_id, channel } = parsed.data;
    const first = await firstDelivery(app, `slack:action:${trigger_id}`);
    if (typeof first === "string") {
      await respond({ response_type: "ephemeral", replace_original: false, text: escapeMrkdwn(first) });
      return;
    }
    if (!first) return;
    const click = {
      actionId: action.action_id,
      value: action.value,
      user: { id: user.id, name: user.username ?? user.name ?? user.id },
    };
    const answer = await app.dispatcher.dispatch({
      actor: { ...click.user, source: "slack" },
      text: commandFor(click),
      ...(channel === undefined ? {} : { channelId: channel.id }),
      requestId: randomUUID(),
    });
    if (answer.outcome !== "succeeded") {
      await respond({ response_type: "ephemeral", replace_original: false, text: fallbackText(answer) });
    }
    await afterwards?.(click, answer);
  });
}

/**
 * Whether this is the first delivery of a request (Slack retries with the same trigger id); while Redis is down,
 * what to answer instead (the bot cannot tell, nor audit, and keeps reconnecting in the background).
 */
export async function firstDelivery(app: App, key: string): Promise<boolean | string> {
  const down = app.redisOutage();
  if (down !== undefined) return down;
  try {
    return (await app.redis.set(`${app.keyPrefix}${key}`, "1", "EX", 3600, "NX")) !== null;
  } catch (error) {
    const outage = app.redisOutage();
    if (outage === undefined) throw error;
    return outage;
  }
}
