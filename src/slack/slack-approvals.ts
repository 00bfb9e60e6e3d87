import type { App as BoltApp } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Redis } from "ioredis";
import { z } from "zod";
import { type ApprovalRequest, digestOf } from "../../approvals/approval-request.js";
import {
  approvalMessage,
  newsForRequester,
  notShownNotice,
  outcomeReply,
  reminderWords,
  staleMessage,
  waitingAt,
} from "../../approvals/approval-words.js";
import type { Reminder } from "../../approvals/approvals.js";
import type { AdapterApprovalNotifier, AdapterHost } from "../adapter-host.js";
import type { Reply } from "../core/reply.js";
import { poll } from "../core/retry.js";
import { RedisKeys } from "../redis-keys.js";
import { type ButtonEncoding, fallbackText, renderBlocks, slackTimed } from "./block-kit.js";
import { handleButtons } from "./button-clicks.js";
import { whyNotPosted } from "./delivery-words.js";
import type { SlackBlock } from "./native-blocks.js";
import { SlackOutbox } from "./slack-outbox.js";

export const approveAction = "approval_approve";
export const denyAction = "approval_deny";

/**
 * Later states never give way to earlier ones, however the updates of two replicas interleave. A request set back
 * to waiting (approvals that no longer counted, or its rule's approval withdrawn) starts a new round that outranks
 * the one before.
 */
const rankOf = (request: ApprovalRequest): number =>
  stateRank[request.state] +
  4 * ((request.setBacks?.length ?? 0) + (request.ruleWithdrawn === undefined ? 0 : 1));
const stateRank: Readonly<Record<ApprovalRequest["state"], number>> = {
  pending: 0,
  approved: 1,
  executing: 2,
  succeeded: 3,
  failed: 3,
  denied: 3,
  expired: 3,
  cancelled: 3,
};

/** Stores the message's place and rank, unless a later state has been shown already. */
const claimUpdateScript = `
local stored = redis.call('GET', KEYS[1])
if stored then
  local rank = tonumber(cjson.decode(stored).rank)
  if rank > tonumber(ARGV[1]) then return nil end
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return stored or ''
`;

const MessagePlace = z.object({ channel: z.string(), ts: z.string(), rank: z.number() });
type MessagePlace = z.infer<typeof MessagePlace>;

const keepDays = 30;
/** Held in place of the message's address while one process posts it. */
const posting = "posting";

export interface SlackApprovalNotifierOptions {
  readonly client: WebClient;
  readonly redis: Redis;
  readonly keyPrefix: string;
  /** The approvals channel; without it, the message goes where the request was asked. */
  readonly channel?: string;
  /**
   * Where messages after the first post wait while Slack fails (shared with the alert messages in main.ts).
   * @defaultValue an outbox of its own over `client`, `redis` and `keyPrefix`
   */
  readonly outbox?: SlackOutbox;
}

/**
 * One Slack message per request, in the approvals channel: posted with Approve / Deny buttons, edited on every
 * change (buttons gone once decided), a thread reply with the before/after table when done, and a direct message
 * to the requester on each decision and outcome. Everything after the first post goes through the outbox
 * (slack-outbox.ts): while Slack fails, the execution goes on, and the messages follow in order when it answers.
 */
export class SlackApprovalNotifier implements AdapterApprovalNotifier {
  readonly #options: SlackApprovalNotifierOptions;
  readonly #keys: RedisKeys;
  readonly #outbox: SlackOutbox;

  constructor(options: SlackApprovalNotifierOptions) {
    this.#options = options;
    this.#keys = new RedisKeys(options.keyPrefix);
    this.#outbox =
      options.outbox ??
      new SlackOutbox({ client: options.client, redis: options.redis, keyPrefix: options.keyPrefix });
    // Messages another process (or this one, before a restart) still owed.
    void this.#outbox.resume().catch(() => undefined);
  }

  /** Stops sending owed messages; they stay stored for the next process. */
  close(): void {
    this.#outbox.close();
  }

  /**
   * Posts or edits the request's message. Returns, for the command that asked, the notice that its message could
   * not be posted (the bot is not in the channel, the channel is gone, none is configured) and how it can still be
   * decided: Slack's own mrkdwn (a channel link), sent as it reads.
   */
  async changed(request: ApprovalRequest): Promise<Reply | undefined> {
    const { client } = this.#options;
    const content = approvalContent(request);
    const place = await this.#place(request);
    let notice: Reply | undefined;
    if (place === "post") {
      const channel = this.#options.channel ?? request.channelId;
      let problem: unknown;
      const posted =
        channel === undefined
          ? undefined
          : await client.chat
              .postMessage({ channel, ...content, unfurl_links: false })
              .catch((error: unknown) => {
                problem = error;
                return undefined;
              });
      if (channel === undefined || posted?.ts === undefined) {
        // No message to keep up to date: free the claim, and tell the requester why and how it can be decided.
        await this.#options.redis.del(this.#key(request.id));
        if (request.state === "pending") {
          const why =
            channel === undefined ? "no approvals channel is configured." : whyNotPosted(problem, channel);
          notice = notShownNotice(request, why);
          // Told twice: in reply to the command that asked (returned, its reply carries it), and in a direct
          // message that stays: sent as it reads, `why` being Slack's own mrkdwn, and a direct message has no blocks.
          if (inSlack(request))
            await this.#outbox.send("chat.postMessage", {
              channel: request.requester.id,
              text: notice.summary,
            });
        }
      } else {
        await this.#remember(request, { channel, ts: posted.ts, rank: rankOf(request) });
        if (channel !== request.channelId && inSlack(request))
          await this.#sendLink(request, channel, posted.ts);
      }
    } else if (place !== "stale") {
      await this.#outbox.send("chat.update", { channel: place.channel, ts: place.ts, ...content });
      if (request.state === "succeeded" || request.state === "failed") {
        const outcome = outcomeReply(request);
        await this.#outbox.send("chat.postMessage", {
          channel: place.channel,
          thread_ts: place.ts,
          text: fallbackText(outcome),
          blocks: renderBlocks(outcome),
        });
      }
    }
    const news = newsForRequester(request);
    if (news !== undefined && inSlack(request))
      await this.#outbox.send("chat.postMessage", { channel: request.requester.id, text: news.summary });
    return notice;
  }

  /**
   * A reminder in the request's thread (or, with no message to thread under, the approvals channel), opening with
   * a mention of each approver (`<@U…>`, `<!subteam^S…>`); an escalation to a channel is posted there too, one to a
   * user group mentions it in the thread.
   */
  async remind(request: ApprovalRequest, reminder: Reminder): Promise<void> {
    const { client, redis } = this.#options;
    const mention = (id: string) => (id.startsWith("S") ? `<!subteam^${id}>` : `<@${id}>`);
    const named = reminder.approvers.map((principal) => mention(principal.id));
    const group = reminder.escalateTo?.startsWith("S") === true ? [mention(reminder.escalateTo)] : [];
    // The words are literal text, escaped for mrkdwn, after the mentions this adapter writes; the expiry in the
    // reader's own time zone.
    const text = [...named, ...group, slackTimed(reminderWords(request, reminder))].join(" ");
    const stored = await redis.get(this.#key(request.id));
    const place = stored === null || stored === posting ? undefined : MessagePlace.parse(JSON.parse(stored));
    const channel = place?.channel ?? this.#options.channel ?? request.channelId;
    if (channel !== undefined)
      await client.chat.postMessage({
        channel,
        text,
        ...(place === undefined ? {} : { thread_ts: place.ts }),
      });
    if (
      reminder.escalateTo !== undefined &&
      !reminder.escalateTo.startsWith("S") &&
      reminder.escalateTo !== channel
    )
      await client.chat.postMessage({ channel: reminder.escalateTo, text });
  }

  /** The request's message as a permalink, once it is posted (chat.getPermalink); undefined before or without one. */
  async linkOf(id: string): Promise<string | undefined> {
    const stored = await this.#options.redis.get(this.#key(id));
    if (stored === null || stored === posting) return undefined;
    const place = MessagePlace.parse(JSON.parse(stored));
    const link = await this.#options.client.chat.getPermalink({
      channel: place.channel,
      message_ts: place.ts,
    });
    return link.permalink;
  }

  /** The request's message as `<channel>:<ts>` (SlackStoryNotifier's thread address), once it is posted. */
  async threadOf(id: string): Promise<string | undefined> {
    const stored = await this.#options.redis.get(this.#key(id));
    if (stored === null || stored === posting) return undefined;
    const place = MessagePlace.parse(JSON.parse(stored));
    return `${place.channel}:${place.ts}`;
  }

  /**
   * "post" when this call is the one to post the message (a claim in Redis: the request's first updates may come
   * from two processes at once); else where it is, or "stale" when a later state is shown already.
   */
  async #place(request: ApprovalRequest): Promise<MessagePlace | "stale" | "post"> {
    const { redis } = this.#options;
    const key = this.#key(request.id);
    const place = await poll(
      async (): Promise<MessagePlace | "stale" | "post" | undefined> => {
        if ((await redis.set(key, posting, "EX", 60, "NX")) !== null) return "post";
        const stored = await redis.get(key);
        if (stored === null || stored === posting) return undefined;
        const place = MessagePlace.parse(JSON.parse(stored));
        const rank = rankOf(request);
        const claimed = await redis.eval(
          claimUpdateScript,
          1,
          key,
          String(rank),
          JSON.stringify({ ...place, rank }),
          String(keepDays * 86_400),
        );
        return claimed === null ? "stale" : place;
      },
      { backoff: { firstMs: 50 }, deadlineMs: 10_000 },
    );
    return place ?? "stale";
  }

  async #remember(request: ApprovalRequest, place: MessagePlace): Promise<void> {
    await this.#options.redis.set(this.#key(request.id), JSON.stringify(place), "EX", keepDays * 86_400);
  }

  async #sendLink(request: ApprovalRequest, channel: string, ts: string): Promise<void> {
    // The link is a courtesy: without it the requester still hears each decision.
    const link = await this.#options.client.chat
      .getPermalink({ channel, message_ts: ts })
      .catch(() => undefined);
    if (link?.permalink === undefined) return;
    await this.#outbox.send("chat.postMessage", {
      channel: request.requester.id,
      text: waitingAt(request, link.permalink).summary,
    });
  }

  #key(id: string): string {
    return this.#keys.slackApprovalMessage(id);
  }
}

/** Whether the requester is a Slack user, who can be sent a direct message (not an agent, not the shell's operator). */
function inSlack(request: ApprovalRequest): boolean {
  return request.requester.source === undefined || request.requester.source === "slack";
}

const actionIds: Readonly<Record<string, string>> = { approve: approveAction, deny: denyAction };

/**
 * An Approve or Deny button's value, wherever it is drawn (a message, the Home tab): the request's id and the
 * digest of what it does when drawn, `<id>:<digest>`.
 */
export function approvalButtonValue(request: ApprovalRequest): string {
  return `${request.id}:${digestOf(request)}`;
}

/** A request's message as Slack shows it: its fallback text and Block Kit, Approve / Deny while it waits. */
export function approvalContent(request: ApprovalRequest): { text: string; blocks: SlackBlock[] } {
  const message = approvalMessage(request);
  return { text: fallbackText(message), blocks: renderBlocks(message, approvalButton) };
}

/** Approve / Deny as Slack buttons: their action ids, and the value `<id>:<digest>` that every message carries. */
const approvalButton: ButtonEncoding = ({ call }) => {
  const actionId = actionIds[call.command];
  const { request, digest } = call.args;
  return actionId === undefined || request === undefined || digest === undefined
    ? undefined
    : { actionId, value: `${request}:${digest}` };
};

/**
 * A button's value: `<id>:<digest>`. A value with the id alone (messages and Home tabs drawn before every button
 * carried a digest) has `digest` undefined: such a button no longer decides anything, since it cannot show that
 * the request still does what its message said.
 */
function buttonTarget(value: string): { id: string; digest: string | undefined } | undefined {
  const match = /^([a-z0-9._-]+-\d+(?:-[a-z0-9]{4})?)(?::([0-9a-f]{12}))?$/.exec(value);
  if (match?.[1] === undefined) return undefined;
  return { id: match[1], digest: match[2] };
}

/**
 * Approve / Deny run `approve <id> --digest <d>` or `deny <id> --digest <d>` as the person who clicked. A click
 * refused because the request is gone or does something else now turns its message into a stale notice (through
 * `client`, the bot's own: rate-limited per method, never waiting minutes on Slack).
 */
export function handleApprovalButtons(bolt: BoltApp, app: AdapterHost, client: WebClient): void {
  handleButtons(
    bolt,
    app,
    new RegExp(`^(${approveAction}|${denyAction})$`),
    (click) => {
      const target = buttonTarget(click.value);
      if (target === undefined) return undefined;
      // A missing digest is a mismatch: nothing shows what the clicker saw is what the request does now.
      if (target.digest === undefined) {
        return {
          refusal: `Stale: this button is from an older message that does not show what ${target.id} does, so nothing was decided. Decide ${target.id} from its current message, or type \`approve ${target.id}\` or \`deny ${target.id} --reason "…"\`.`,
        };
      }
      const args = { request: target.id, digest: target.digest };
      return click.actionId === approveAction
        ? { command: "approve", args }
        : { command: "deny", args: { ...args, reason: "denied with the button in Slack" } };
    },
    async (click, answer) => {
      const target = buttonTarget(click.value);
      if (answer.outcome !== "refused" || target?.digest === undefined || click.message === undefined) return;
      const current = await app.approvals.get(target.id);
      if (current !== undefined && digestOf(current) === target.digest) return;
      const stale = staleMessage(target.id, current);
      await client.chat.update({
        channel: click.message.channel,
        ts: click.message.ts,
        text: fallbackText(stale),
        blocks: renderBlocks(stale),
      });
    },
  );
}
