import { randomUUID } from "node:crypto";
import type { App as BoltApp } from "@slack/bolt";
import { z } from "zod";
import type { App } from "../app.js";
import type { Reply } from "../core/reply.js";
import { fallbackText } from "./block-kit.js";

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
  bolt.action({ action_id: actionIds }, async ({ ack, body, respond: respondInPlace, client }) => {
    await ack();
    // A click in the Home tab comes with no response_url: its answer goes to the clicker as a direct message.
    const respond = async (message: {
      text: string;
      response_type: "ephemeral";
      replace_original: false;
    }) => {
      const userId = (body as { user?: { id?: unknown } }).user?.id;
      if (respondInPlace !== undefined) await respondInPlace(message);
      else if (typeof userId === "string")
        await client.chat.postMessage({ channel: userId, text: message.text });
    };
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
    const first = await app.redis.set(`${app.keyPrefix}slack:action:${trigger_id}`, "1", "EX", 3600, "NX");
    if (first === null) return;
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
