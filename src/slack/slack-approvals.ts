import { setTimeout as sleep } from "node:timers/promises";
import type { App as BoltApp } from "@slack/bolt";
import type { KnownBlock, WebClient } from "@slack/web-api";
import type { Redis } from "ioredis";
import { z } from "zod";
import { type ApprovalRequest, digestOf } from "../../approvals/approval-store.js";
import type { ApprovalNotifier } from "../../approvals/approvals.js";
import { describeExecution } from "../../approvals/offset-plan.js";
import type { App } from "../app.js";
import { canonicalJson } from "../connect/canonical-json.js";
import type { ConnectorOffset } from "../connect/connect-schemas.js";
import { formatDuration } from "../core/duration.js";
import { type Reply, type ReplyPart, reply } from "../core/reply.js";
import { RedisKeys } from "../redis-keys.js";
import { fallbackText, renderBlocks } from "./block-kit.js";
import { handleButtons } from "./button-clicks.js";
import { whyNotPosted } from "./delivery-words.js";

export const approveAction = "approval_approve";
export const denyAction = "approval_deny";

/** Later states never give way to earlier ones, however the updates of two replicas interleave. */
const rankOf: Readonly<Record<ApprovalRequest["state"], number>> = {
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
}

/**
 * One Slack message per request, in the approvals channel: posted with Approve / Deny buttons, edited on every
 * change (buttons gone once decided), a thread reply with the before/after table when done, and a direct message
 * to the requester on each decision and outcome.
 */
export class SlackApprovalNotifier implements ApprovalNotifier {
  readonly #options: SlackApprovalNotifierOptions;
  readonly #keys: RedisKeys;

  constructor(options: SlackApprovalNotifierOptions) {
    this.#options = options;
    this.#keys = new RedisKeys(options.keyPrefix);
  }

  async changed(request: ApprovalRequest): Promise<void> {
    const { client } = this.#options;
    const message = approvalMessage(request);
    const content = { text: fallbackText(message), blocks: messageBlocks(request, message) };
    const place = await this.#place(request);
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
          const text = `Your request ${request.id} could not be posted for approval: ${why} Meanwhile approvers can decide it with \`approve ${request.id}\` or \`deny ${request.id} --reason "…"\`.`;
          // Told twice: in reply to the command that asked (the adapter picks this up), and in a direct message
          // that stays.
          await this.#options.redis.set(this.#keys.slackUndelivered(request.requestId), text, "EX", 300);
          await client.chat.postMessage({ channel: request.requester.id, text });
        }
      } else {
        await this.#remember(request, { channel, ts: posted.ts, rank: rankOf[request.state] });
        if (channel !== request.channelId) await this.#sendLink(request, channel, posted.ts);
      }
    } else if (place !== "stale") {
      await client.chat.update({ channel: place.channel, ts: place.ts, ...content });
      if (request.state === "succeeded" || request.state === "failed") {
        const outcome = outcomeReply(request);
        await client.chat.postMessage({
          channel: place.channel,
          thread_ts: place.ts,
          text: fallbackText(outcome),
          blocks: renderBlocks(outcome),
        });
      }
    }
    const news = newsForRequester(request);
    if (news !== undefined) await client.chat.postMessage({ channel: request.requester.id, text: news });
  }

  /**
   * "post" when this call is the one to post the message (a claim in Redis: the request's first updates may come
   * from two processes at once); else where it is, or "stale" when a later state is shown already.
   */
  async #place(request: ApprovalRequest): Promise<MessagePlace | "stale" | "post"> {
    const { redis } = this.#options;
    const key = this.#key(request.id);
    const deadline = Date.now() + 10_000;
    for (;;) {
      if ((await redis.set(key, posting, "EX", 60, "NX")) !== null) return "post";
      const stored = await redis.get(key);
      if (stored !== null && stored !== posting) {
        const place = MessagePlace.parse(JSON.parse(stored));
        const rank = rankOf[request.state];
        const claimed = await redis.eval(
          claimUpdateScript,
          1,
          key,
          String(rank),
          JSON.stringify({ ...place, rank }),
          String(keepDays * 86_400),
        );
        return claimed === null ? "stale" : place;
      }
      if (Date.now() > deadline) return "stale";
      await sleep(50);
    }
  }

  async #remember(request: ApprovalRequest, place: MessagePlace): Promise<void> {
    await this.#options.redis.set(this.#key(request.id), JSON.stringify(place), "EX", keepDays * 86_400);
  }

  async #sendLink(request: ApprovalRequest, channel: string, ts: string): Promise<void> {
    const link = await this.#options.client.chat.getPermalink({ channel, message_ts: ts });
    if (link.permalink === undefined) return;
    await this.#options.client.chat.postMessage({
      channel: request.requester.id,
      text: `Your request ${request.id} waits for approval here: ${link.permalink}`,
    });
  }

  #key(id: string): string {
    return this.#keys.slackApprovalMessage(id);
  }
}

/**
 * Why the approval request made by the command `requestId` could not be posted (the bot is not in the channel,
 * the channel is gone), once: the command's reply tells the person who asked.
 */
export async function takeUndeliveredNotice(
  redis: Redis,
  keys: RedisKeys,
  requestId: string,
): Promise<string | undefined> {
  return (await redis.getdel(keys.slackUndelivered(requestId))) ?? undefined;
}

/** What the approval message says in each state: the request, its plan, and who decided what, when. */
function approvalMessage(request: ApprovalRequest): Reply {
  const title = `${request.command} ${request.connector} on ${request.cluster}`;
  const fields: [string, string][] = [
    ["Requested by", request.requester.name],
    ["Request", request.id],
    ["Reason", request.reason],
  ];
  if (request.state === "pending") {
    fields.push(["Expires", `${request.expiresAt.slice(0, 16).replace("T", " ")} UTC`]);
    if (request.approversNeeded > 1) {
      const names = request.approvedBy.map((person) => person.name).join(", ");
      fields.push([
        "Approvals",
        `${request.approvedBy.length} of ${request.approversNeeded}${names ? `: ${names}` : ""}`,
      ]);
    }
  }
  const parts: ReplyPart[] = [
    { kind: "heading", text: `${headingOf(request)}: ${title}` },
    { kind: "fields", fields },
    { kind: "code", text: request.planSummary },
    { kind: "note", text: statusLine(request) },
  ];
  return reply(`${headingOf(request)}: ${title} (${request.id})`, parts);
}

function headingOf(request: ApprovalRequest): string {
  switch (request.state) {
    case "pending":
      return "Approval needed";
    case "approved":
    case "executing":
      return "Running";
    case "succeeded":
      return "Done";
    case "failed":
      return "Failed";
    case "denied":
      return "Denied";
    case "expired":
      return "Expired";
    case "cancelled":
      return "Cancelled";
  }
}

function statusLine(request: ApprovalRequest): string {
  const approved =
    request.approvedBy.length > 0
      ? `approved by ${request.approvedBy.map((person) => person.name).join(" and ")}`
      : `approved by ${request.decidedBy?.name ?? "policy"}`;
  const at = (iso: string | undefined) => (iso === undefined ? "" : ` at ${iso.slice(11, 19)} UTC`);
  const took =
    request.finishedAt === undefined || request.decidedAt === undefined
      ? ""
      : ` in ${formatDuration(Date.parse(request.finishedAt) - Date.parse(request.decidedAt))}`;
  switch (request.state) {
    case "pending":
      return "Waiting for an approver. The requester cannot approve their own request.";
    case "approved":
    case "executing":
      return `${capitalised(approved)}${at(request.decidedAt)}; running${request.step === undefined ? "" : ` (done: ${request.step})`}.`;
    case "succeeded": {
      const result = describeExecution(request);
      return `Succeeded${took}, ${approved}.${result === undefined ? "" : ` ${result}`}${request.outcome === undefined ? "" : ` ${request.outcome}`}`;
    }
    case "failed":
      return `${request.outcome ?? "Failed."} (${approved})`;
    case "denied":
      return `Denied by ${request.decidedBy?.name ?? "an approver"}${at(request.decidedAt)}: ${request.decisionNote ?? "no reason given"}.`;
    case "expired":
      return `Expired at ${request.expiresAt.slice(11, 16)} UTC: nobody decided in time. Ask again if it is still needed.`;
    case "cancelled":
      return `Cancelled by ${request.requester.name}.`;
  }
}

function capitalised(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/** The rendered message, with Approve / Deny buttons while it waits. */
function messageBlocks(request: ApprovalRequest, message: Reply): KnownBlock[] {
  const blocks = renderBlocks(message);
  if (request.state !== "pending") return blocks;
  // Each button names the request and what it does: a click on an old message whose id now names another
  // request is refused as stale.
  const value = `${request.id}:${digestOf(request)}`;
  return [
    ...blocks,
    {
      type: "actions",
      block_id: `approval:${request.id}`,
      elements: [
        {
          type: "button",
          action_id: approveAction,
          style: "primary",
          text: { type: "plain_text", text: "Approve" },
          value,
        },
        {
          type: "button",
          action_id: denyAction,
          style: "danger",
          text: { type: "plain_text", text: "Deny" },
          value,
        },
      ],
    },
  ];
}

/** The thread reply when execution ends: what was there before and what is there now. */
function outcomeReply(request: ApprovalRequest): Reply {
  const summary =
    request.state === "succeeded"
      ? `${request.id} done: ${request.command} ${request.connector}.`
      : `${request.id} failed: ${request.outcome ?? "see the message above"}`;
  const parts: ReplyPart[] = [{ kind: "text", text: summary }];
  const before = request.snapshot ?? [];
  const { operation } = request;
  const moves = request.resolved?.moves;
  if (request.state === "succeeded" && moves !== undefined) {
    const previewed = new Map((request.preview ?? []).map((m) => [m.partition, m]));
    const number = (n: number | null) => (n === null ? "none" : String(n));
    parts.push({
      kind: "table",
      columns: ["partition", "before", "after", "replayed", "skipped", "preview"],
      rows: moves.map((m) => {
        const p = previewed.get(m.partition);
        return [
          m.partition,
          number(m.before),
          number(m.after),
          String(m.replay),
          String(m.skip),
          p === undefined ? "" : `${number(p.before)} → ${number(p.after)}`,
        ];
      }),
    });
    const result = describeExecution(request);
    if (result !== undefined) parts.push({ kind: "text", text: result });
    parts.push({ kind: "note", text: `Undo with \`offsets restore ${request.id} --reason "…"\`.` });
  } else if (
    request.state === "succeeded" &&
    (operation.kind === "alter-offsets" || operation.kind === "reset-offsets")
  ) {
    const after =
      operation.kind === "alter-offsets" ? operation.offsets : before.map((o) => ({ ...o, offset: null }));
    parts.push({
      kind: "table",
      columns: ["partition", "before", "after"],
      rows: after.map((change) => [
        partitionLabel(change),
        offsetLabel(
          before.find((o) => canonicalJson(o.partition) === canonicalJson(change.partition))?.offset ?? null,
        ),
        offsetLabel(change.offset),
      ]),
    });
    const moved = describeExecution(request);
    if (moved !== undefined) parts.push({ kind: "text", text: moved });
    parts.push({ kind: "note", text: `Undo with \`offsets restore ${request.id} --reason "…"\`.` });
  } else if (request.state === "succeeded") {
    const [before, now] =
      operation.kind === "recreate"
        ? ["deleted", `created again, ${operation.priorState}, with ${operation.offsets.length} offset(s)`]
        : [
            request.priorState ?? "unknown",
            operation.kind === "delete" ? "deleted (its config is kept with the request)" : "STOPPED",
          ];
    parts.push({
      kind: "fields",
      fields: [
        ["before", before],
        ["after", now],
      ],
    });
  }
  return reply(summary, parts);
}

function partitionLabel(offset: ConnectorOffset): string {
  const { kafka_topic: topic, kafka_partition: partition } = offset.partition;
  return topic !== undefined && partition !== undefined
    ? `${String(topic)}:${String(partition)}`
    : JSON.stringify(offset.partition);
}

function offsetLabel(offset: ConnectorOffset["offset"]): string {
  if (offset === null) return "none";
  return offset.kafka_offset !== undefined ? String(offset.kafka_offset) : JSON.stringify(offset);
}

/** The direct message the requester gets, or nothing when the news is their own doing. */
function newsForRequester(request: ApprovalRequest): string | undefined {
  const what = `Your request ${request.id} (\`${request.command} ${request.connector}\` on ${request.cluster})`;
  switch (request.state) {
    case "approved":
      return request.decidedBy?.id === "policy"
        ? undefined
        : `${what} was approved by ${request.decidedBy?.name}.`;
    case "denied":
      return `${what} was denied by ${request.decidedBy?.name}: ${request.decisionNote ?? "no reason given"}.`;
    case "expired":
      return `${what} expired: nobody decided in time.`;
    case "succeeded":
      return `${what} is done.`;
    case "failed":
      return `${what} failed. ${request.outcome ?? ""}`.trim();
    default:
      return undefined;
  }
}

/** Guests, bots and deactivated accounts never approve, whatever roles the config gives them. */
export function slackApproverEligibility(client: WebClient): (userId: string) => Promise<string | undefined> {
  return async (userId) => {
    const answer = await client.users.info({ user: userId }).catch(() => undefined);
    const user = answer?.user;
    if (user === undefined) return "Slack does not know this account";
    if (user.deleted === true) return "this account is deactivated";
    if (user.is_bot === true) return "bots never approve";
    if (user.is_restricted === true || user.is_ultra_restricted === true) return "guests never approve";
    return undefined;
  };
}

/** A button's value: `<id>:<digest>`; messages posted before digests existed carry the id alone. */
function buttonTarget(value: string): { id: string; digest?: string } | undefined {
  const match = /^([a-z0-9._-]+-\d+(?:-[a-z0-9]{4})?)(?::([0-9a-f]{12}))?$/.exec(value);
  if (match?.[1] === undefined) return undefined;
  return match[2] === undefined ? { id: match[1] } : { id: match[1], digest: match[2] };
}

/** What a stale approval message says instead of its plan and buttons. */
function staleMessage(id: string, current: ApprovalRequest | undefined): Reply {
  const now =
    current === undefined
      ? `${id} no longer exists (the bot's store lost it)`
      : `${id} now names another request (\`${current.command}\` ${current.connector} on ${current.cluster}, asked by ${current.requester.name})`;
  const text = `Stale: this message no longer shows a request the bot holds. ${now}. Nothing was approved or denied; ask again if the change is still needed.`;
  return reply(`Stale request ${id}`, [
    { kind: "heading", text: `Stale: request ${id}` },
    { kind: "text", text },
  ]);
}

/**
 * Approve / Deny run `approve <id> --digest <d>` or `deny <id> --digest <d>` as the person who clicked. A click
 * refused because the request is gone or does something else now turns its message into a stale notice.
 */
export function handleApprovalButtons(bolt: BoltApp, app: App): void {
  handleButtons(
    bolt,
    app,
    new RegExp(`^(${approveAction}|${denyAction})$`),
    (click) => {
      const target = buttonTarget(click.value);
      if (target === undefined) return undefined;
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
      await bolt.client.chat.update({
        channel: click.message.channel,
        ts: click.message.ts,
        text: fallbackText(stale),
        blocks: renderBlocks(stale),
      });
    },
  );
}
