import type { Redis } from "ioredis";
import type { ApprovalRequest } from "../approvals/approval-request.js";
import type { Approvals, Reminder } from "../approvals/approvals.js";
import type { AlertNotifier } from "./alerts/alert-notifier.js";
import type { Alerts } from "./alerts/alerts.js";
import type { AuditEntry } from "./audit/audit-trail.js";
import type { StoryNotifier } from "./automation/story-notifier.js";
import type { AuditLog } from "./core/audit-log.js";
import type { AdapterStore, ChatAdapter, ChatHost } from "./core/chat-adapter.js";
import type { Command } from "./core/command-spec.js";
import type {
  ConnectorOffset,
  ConnectorPlugin,
  ConnectorType,
  PluginConfigKey,
} from "./core/ports/connect-vocabulary.js";
import type { Reply } from "./core/reply.js";
import type { RoleResolver } from "./core/roles.js";
import type { Operations } from "./ops/operations-endpoints.js";
import type { RedisKeys } from "./redis-keys.js";

/**
 * What this bot's adapters may ask of it, beyond running commands ({@link ChatHost}): the approval views they draw
 * (a request's message, the Home tab), the alert actions behind alert buttons, the configured roles (who sees
 * what on the Home tab), the operations state they report (a Socket Mode connection), and the audit (an MCP caller
 * refused before any command). Nothing here hands out Redis or a queue.
 */
export interface AdapterHost extends ChatHost {
  readonly commands: readonly Command[];
  /** The configured clusters' names, the default one first. */
  readonly clusterNames: readonly string[];
  /**
   * The names of the connectors on `cluster` (one listing; a form's type-ahead caches them). Connect's failures, by
   * code; an unknown cluster answers none.
   */
  connectorNames(cluster: string, requestId: string): Promise<readonly string[]>;
  /**
   * What a settings form shows of connector `connector` on `cluster`: its config with secrets hidden as `config`
   * hides them (`secretHiding`), and its plugin's config definition (`GET /connector-plugins/{class}/config`,
   * KIP-769). The caller checks the person's roles first. Connect's failures, by code.
   */
  connectorSettings(
    cluster: string,
    connector: string,
    requestId: string,
  ): Promise<{
    readonly shown: Readonly<Record<string, string>>;
    readonly definition: readonly PluginConfigKey[];
  }>;
  /** The connector plugins installed on `cluster` (`GET /connector-plugins?connectorsOnly=true`). */
  connectorPlugins(cluster: string, requestId: string): Promise<readonly ConnectorPlugin[]>;
  /** Plugin `pluginClass`'s config definition on `cluster` (`GET /connector-plugins/{class}/config`, KIP-769). */
  pluginConfig(cluster: string, pluginClass: string, requestId: string): Promise<readonly PluginConfigKey[]>;
  /**
   * A connector's type and committed offsets (`GET /connectors/{c}` and `GET /connectors/{c}/offsets`, KIP-875), as
   * `offsets get` reads them: a form lists them to edit. Connect's failures, by code (`CONNECT_NOT_FOUND`…); an
   * unknown cluster answers no type and no offsets.
   */
  connectorOffsets(
    cluster: string,
    connector: string,
    requestId: string,
  ): Promise<{ readonly type: ConnectorType | undefined; readonly offsets: readonly ConnectorOffset[] }>;
  readonly approvals: Pick<Approvals, "get" | "recent" | "awaitOutcome">;
  readonly alerts: Pick<Alerts, "firing" | "tell">;
  readonly roles: Pick<RoleResolver, "roleOf" | "scopeOf" | "readGroups">;
  readonly operations: Operations;
  readonly audit: Pick<AuditLog, "append">;
  /** Where people see and decide request `id` (its Slack message), when a notifier has such a place. */
  approvalLink(id: string): Promise<string | undefined>;
  /** Calls `listener` after every change of an approval request this process makes. Returns the unsubscribe. */
  onRequestChanged(listener: (request: ApprovalRequest) => Promise<void>): () => void;
}

/**
 * How an adapter hears of approval requests. `changed` returns the notice to give the person who asked when the
 * request's message could not be shown (Slack refused to post it): the app puts it in that command's reply
 * (`Reply.undelivered`), in the same process and the same answer.
 */
export interface AdapterApprovalNotifier {
  changed(request: ApprovalRequest): Promise<Reply | undefined>;
  remind?(request: ApprovalRequest, reminder: Reminder): Promise<void>;
  /** Where people see and decide request `id`, when the adapter has such a place. */
  linkOf?(id: string): Promise<string | undefined>;
  /** The request's message as its story notifier addresses a thread, once posted: where a change is followed. */
  threadOf?(id: string): Promise<string | undefined>;
  /** Stops sending what is still owed (kept for the next process). */
  close?(): void;
}

/** What the bot tells people through an adapter: approval requests, alerts, stories, and the audit channel. */
export interface AdapterNotifiers {
  readonly approvals: AdapterApprovalNotifier;
  readonly alerts: AlertNotifier;
  readonly stories: StoryNotifier;
  /** A copy of each audit entry once it is stored (Slack's audit channel). */
  readonly audit: (entry: AuditEntry) => Promise<void>;
}

/**
 * A Redis connection the composition root (src/main.ts) gives an adapter for what the host's key-value store cannot
 * hold: Slack's outbox (lists per channel, a sender lock), its approval messages' places (a compare-and-set script)
 * and Home viewers (a sorted set); MCP's per-minute call counts. Never the host's; the adapter's keys are its own in
 * src/redis-keys.ts, under `keyPrefix` (`createApp`'s).
 */
export interface AdapterRedis {
  readonly redis: Redis;
  readonly keyPrefix: string;
}

/** A chat adapter of this bot: `src/main.ts` lists them for `createApp`. */
export type Adapter = ChatAdapter<AdapterHost, AdapterNotifiers>;

/** The {@link AdapterStore} of adapter `name`: Redis strings under `keys.adapterStore(name, …)`. */
export function redisAdapterStore(redis: Redis, keys: RedisKeys, name: string): AdapterStore {
  const key = (own: string) => keys.adapterStore(name, own);
  return {
    get: async (own) => (await redis.get(key(own))) ?? undefined,
    async set(own, value, options = {}) {
      const { ttlMs, ifAbsent = false } = options;
      const written =
        ttlMs === undefined
          ? ifAbsent
            ? await redis.set(key(own), value, "NX")
            : await redis.set(key(own), value)
          : ifAbsent
            ? await redis.set(key(own), value, "PX", ttlMs, "NX")
            : await redis.set(key(own), value, "PX", ttlMs);
      return written !== null;
    },
    take: async (own) => (await redis.getdel(key(own))) ?? undefined,
    async delete(own) {
      await redis.del(key(own));
    },
  };
}
