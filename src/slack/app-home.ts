import type { App as BoltApp } from "@slack/bolt";
import type { HomeView, KnownBlock, WebClient } from "@slack/web-api";
import { z } from "zod";
import type { ApprovalRequest } from "../../approvals/approval-request.js";
import type { AdapterHost, AdapterRedis } from "../adapter-host.js";
import { ruleName } from "../alerts/alert-rules.js";
import type { Alert } from "../alerts/alert-store.js";
import { formatDuration } from "../core/duration.js";
import { type ReplyPart, reply, time, timed } from "../core/reply.js";
import { type HeldRole, hasRole, type RoleScope, whereHeld } from "../core/roles.js";
import { RedisKeys } from "../redis-keys.js";
import { renderTextBlocks } from "./block-kit.js";
import { approvalButtonValue, approveAction, denyAction } from "./slack-approvals.js";

/** What one person's Home tab shows, gathered for them. */
export interface HomeContent {
  readonly userId: string;
  /**
   * Pending requests on connectors where they approve (their approver role holds there), asked by someone else,
   * not yet approved by them.
   */
  readonly waitingForYou: readonly ApprovalRequest[];
  /** Their own requests that are not finished (pending, approved, executing). */
  readonly yourOpenRequests: readonly ApprovalRequest[];
  /** Alerts firing on connectors they may see (and a cluster's own, where they have a role), newest first. */
  readonly alerts: readonly Alert[];
  /** Their roles on each configured cluster, each with where it holds; empty for none. */
  readonly roles: readonly { readonly cluster: string; readonly held: readonly HeldRole[] }[];
  /** Epoch ms: shown as "updated at". */
  readonly now: number;
}

/** Slack's limit for a Home tab is 100 blocks; each list stops short of it and says how many it left out. */
const maxListed = 10;
const homeViewersKeepMs = 30 * 86_400_000;
const openStates = new Set<ApprovalRequest["state"]>(["pending", "approved", "executing"]);

const HomeOpened = z.object({ user: z.string().min(1), tab: z.string().optional() });

/**
 * The bot's Home tab, for the person looking: requests waiting for them (with Approve / Deny, which run
 * `approve`/`deny` as they do in the approvals channel), their own open requests, alerts firing on clusters they
 * can see, and their role per cluster. Published on `app_home_opened` and again, for those who opened it, when a
 * request they can act on (or asked for) changes. Roles come from Slack's identity (the configured grants).
 */
export class AppHome {
  readonly #app: AdapterHost;
  readonly #client: WebClient;
  readonly #storage: AdapterRedis;

  /** `storage` keeps who opened their Home (a sorted set: beyond the host's key-value store). */
  constructor(app: AdapterHost, client: WebClient, storage: AdapterRedis) {
    this.#app = app;
    this.#client = client;
    this.#storage = storage;
  }

  /** Gathers what `userId` may see and publishes it (views.publish, no scope needed). */
  async publish(userId: string): Promise<void> {
    const view = homeView(await this.contentFor(userId));
    await this.#client.views.publish({ user_id: userId, view });
  }

  async contentFor(userId: string): Promise<HomeContent> {
    const app = this.#app;
    const scopes = new Map<string, RoleScope>(
      await Promise.all(
        app.clusterNames.map(async (cluster) => [cluster, await app.roles.scopeOf(userId, cluster)] as const),
      ),
    );
    const now = Date.now();
    const recent = await app.approvals.recent(200);
    const waitingForYou = recent.filter(
      (request) =>
        request.state === "pending" &&
        Date.parse(request.expiresAt) > now &&
        request.requester.id !== userId &&
        !request.approvedBy.some((person) => person.id === userId) &&
        hasRole(scopes.get(request.cluster)?.roleAt(request.connector), "approver"),
    );
    const yourOpenRequests = recent.filter(
      (request) => request.requester.id === userId && openStates.has(request.state),
    );
    const visible = [...scopes.values()].filter((scope) => scope.anywhere() !== undefined);
    const alerts = (
      await Promise.all(
        visible.map(async (scope) =>
          // A cluster's own alert (`*`: Connect unreachable) concerns everyone with a role there.
          (
            await app.alerts.firing(scope.cluster)
          ).filter((alert) => alert.connector === "*" || scope.sees(alert.connector)),
        ),
      )
    )
      .flat()
      .sort((a, b) => b.firedAt - a.firedAt);
    const roles = [...scopes.values()].map((scope) => ({ cluster: scope.cluster, held: scope.shown() }));
    return { userId, waitingForYou, yourOpenRequests, alerts, roles, now };
  }

  /** Remembers who opened their Home, so a request's change refreshes it for those it concerns. */
  async opened(userId: string): Promise<void> {
    const key = this.#viewersKey();
    await this.#storage.redis.zadd(key, Date.now(), userId);
    await this.#storage.redis.zremrangebyscore(key, 0, Date.now() - homeViewersKeepMs);
    await this.publish(userId);
  }

  /** Refreshes the Home of the requester and of every approver of the request's connector who opened theirs. */
  async requestChanged(request: ApprovalRequest): Promise<void> {
    const viewers = await this.#storage.redis.zrangebyscore(
      this.#viewersKey(),
      Date.now() - homeViewersKeepMs,
      "+inf",
    );
    for (const userId of viewers) {
      const concerned =
        userId === request.requester.id ||
        hasRole(
          await this.#app.roles.roleOf(userId, request.cluster, { connector: request.connector }),
          "approver",
        );
      if (concerned) await this.publish(userId);
    }
  }

  #viewersKey(): string {
    return new RedisKeys(this.#storage.keyPrefix).slackHomeViewers;
  }
}

/** Publishes the Home tab whenever someone opens it. */
export function handleAppHome(bolt: BoltApp, home: AppHome, log: (message: string) => void): void {
  bolt.event("app_home_opened", async ({ event }) => {
    const parsed = HomeOpened.safeParse(event);
    if (!parsed.success || (parsed.data.tab !== undefined && parsed.data.tab !== "home")) return;
    await home
      .opened(parsed.data.user)
      .catch((error: unknown) => log(`Slack: Home tab not published: ${String(error)}`));
  });
}

/** The Home tab's Block Kit, from what the person may see. Pure: tests and the README's picture render it. */
export function homeView(content: HomeContent): HomeView & { readonly blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [
    ...renderTextBlocks(
      reply("connect-ops", [
        { kind: "heading", text: "connect-ops" },
        timed(
          "note",
        )`Kafka Connect operations for you, updated ${time(content.now)}. Type /connect help anywhere for every command.`,
      ]),
    ),
    { type: "divider" },
    ...section("Waiting for you", content.waitingForYou.length, "Nothing waits for your approval."),
    ...listed(content.waitingForYou).flatMap((request) => [
      ...renderTextBlocks(reply(request.id, requestParts(request, content.now))),
      approvalButtons(request),
    ]),
    ...omitted(content.waitingForYou.length, "approvals"),
    { type: "divider" },
    ...section("Your open requests", content.yourOpenRequests.length, "You have no open requests."),
    ...listed(content.yourOpenRequests).flatMap((request) =>
      renderTextBlocks(reply(request.id, requestParts(request, content.now))),
    ),
    ...omitted(content.yourOpenRequests.length, "approvals"),
    { type: "divider" },
    ...section(
      "Alerts firing on your clusters",
      content.alerts.length,
      "No alert is firing where you can see.",
    ),
    ...renderTextBlocks(
      reply(
        "alerts",
        listed(content.alerts).map((alert) => ({
          kind: "text" as const,
          text: `${alert.cluster} / ${alert.connector}: ${ruleName(alert.rule)}: ${alert.summary} (for ${formatDuration(content.now - alert.firedAt)})`,
        })),
      ),
    ),
    ...omitted(content.alerts.length, "alerts"),
    { type: "divider" },
    ...renderTextBlocks(
      reply("roles", [
        { kind: "heading", text: "Your roles" },
        {
          kind: "fields",
          fields: content.roles.map(({ cluster, held }) => [
            cluster,
            held.length === 0
              ? "none (ask an admin of connect-ops)"
              : held
                  .map((grant) =>
                    grant.connectors === undefined ? grant.role : `${grant.role} on ${whereHeld(grant)}`,
                  )
                  .join("; "),
          ]),
        },
      ]),
    ),
  ];
  return { type: "home", blocks };
}

function requestParts(request: ApprovalRequest, now: number): ReplyPart[] {
  const approvals =
    request.approversNeeded > 1
      ? `, ${request.approvedBy.length} of ${request.approversNeeded} approvals`
      : "";
  const state =
    request.state === "pending"
      ? `waiting for ${formatDuration(Math.max(0, now - Date.parse(request.createdAt)))}, expires in ${formatDuration(Math.max(0, Date.parse(request.expiresAt) - now))}${approvals}`
      : request.state === "executing"
        ? `running${request.step === undefined ? "" : ` (done: ${request.step})`}`
        : request.state;
  return [
    {
      kind: "text",
      text: `${request.id}: ${request.command} ${request.connector} on ${request.cluster}, asked by ${request.requester.name}: "${request.reason}"`,
    },
    { kind: "note", text: `${state}. Plan: ${request.planSummary.split("\n").slice(0, 3).join(" · ")}` },
  ];
}

function approvalButtons(request: ApprovalRequest): KnownBlock {
  return {
    type: "actions",
    block_id: `home-approval:${request.id}`,
    elements: [
      {
        type: "button",
        action_id: approveAction,
        style: "primary",
        text: { type: "plain_text", text: "Approve" },
        value: approvalButtonValue(request),
      },
      {
        type: "button",
        action_id: denyAction,
        style: "danger",
        text: { type: "plain_text", text: "Deny" },
        value: approvalButtonValue(request),
      },
    ],
  };
}

function section(title: string, count: number, whenEmpty: string): KnownBlock[] {
  const heading = `${title} (${count})`;
  const empty: ReplyPart[] = count === 0 ? [{ kind: "note", text: whenEmpty }] : [];
  return renderTextBlocks(reply(heading, [{ kind: "heading", text: heading }, ...empty]));
}

function listed<T>(items: readonly T[]): readonly T[] {
  return items.slice(0, maxListed);
}

function omitted(count: number, command: string): KnownBlock[] {
  if (count <= maxListed) return [];
  return renderTextBlocks(
    reply("more", [
      { kind: "note", text: `…and ${count - maxListed} more: \`/connect ${command}\` lists them all.` },
    ]),
  );
}
