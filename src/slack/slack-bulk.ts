import type { App as BoltApp } from "@slack/bolt";
import { z } from "zod";
import type { AdapterHost } from "../adapter-host.js";
import { RequestDigest } from "../core/connector-args.js";
import { reply } from "../core/reply.js";
import { type ButtonEncoding, fallbackText, renderBlocks } from "./block-kit.js";
import { handleButtons } from "./button-clicks.js";

/** The action id of a bulk preview's Confirm button. */
export const bulkConfirmAction = "bulk_confirm";

/**
 * What a Confirm button's value carries (at most 2,000 characters: a connector pattern is at most 249): the
 * command, its pattern, the digest of exactly the previewed set, and the cluster it was previewed on.
 */
const ConfirmValue = z.strictObject({
  command: z.enum(["pause", "resume", "restart"]),
  pattern: z.string().min(1).max(249),
  digest: RequestDigest,
  cluster: z.string().optional(),
});

/** A preview's Confirm as a Slack button; other actions of a command's answer are left out (shown as typed). */
export const bulkConfirmButton: ButtonEncoding = ({ call }) => {
  const pattern = call.args.connector ?? call.args.target;
  const parsed = ConfirmValue.safeParse({
    command: call.command,
    pattern,
    digest: call.args.confirm,
    ...(call.cluster === undefined ? {} : { cluster: call.cluster }),
  });
  return parsed.success ? { actionId: bulkConfirmAction, value: JSON.stringify(parsed.data) } : undefined;
};

/**
 * Confirm runs `<command> "<pattern>" --confirm <digest>` as the person who clicked, so roles and the audit apply
 * as typed; it acts on the set kept with that digest, once. The outcome table is then said in the preview's thread,
 * and the preview loses its button, saying who confirmed.
 */
export function handleBulkButtons(bolt: BoltApp, app: AdapterHost): void {
  handleButtons(
    bolt,
    app,
    new RegExp(`^${bulkConfirmAction}$`),
    (click) => {
      let value: unknown;
      try {
        value = JSON.parse(click.value);
      } catch {
        return undefined;
      }
      const parsed = ConfirmValue.safeParse(value);
      if (!parsed.success) return undefined;
      const { command, pattern, digest, cluster } = parsed.data;
      return {
        command,
        args: { [command === "restart" ? "target" : "connector"]: pattern, confirm: digest },
        ...(cluster === undefined ? {} : { cluster }),
      };
    },
    async (click, answer) => {
      if (answer.outcome === "refused" || click.message === undefined) return;
      const { channel, ts } = click.message;
      await bolt.client.chat.postMessage({
        channel,
        thread_ts: ts,
        text: fallbackText(answer),
        blocks: renderBlocks(answer),
      });
      const confirmed = reply(`Confirmed by ${click.user.name}: ${answer.summary}`);
      await bolt.client.chat.update({
        channel,
        ts,
        text: fallbackText(confirmed),
        blocks: renderBlocks(reply(confirmed.summary, [{ kind: "text", text: confirmed.summary }])),
      });
    },
  );
}
