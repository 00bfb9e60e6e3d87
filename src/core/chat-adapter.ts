import type { IncomingMessage, ServerResponse } from "node:http";
import type { Invocation } from "./dispatcher.js";
import type { Identities } from "./identity.js";
import type { Reply } from "./reply.js";
import type { AccountDirectory, UserGroupDirectory } from "./roles.js";

/**
 * The contract between the bot and a chat adapter (Slack, the MCP server, the terminal shell, a test's toy): what
 * an adapter offers, and the narrow host it is given. Modelled on Bolt's `Receiver` (`init`, `start`, `stop`): the
 * app only sees this interface, so adapters are interchangeable and a new one is a folder plus a line in the list
 * `src/main.ts` passes to `createApp`.
 *
 * Lifecycle, in this order: `notifiers(host)` once, while the app is made (before any job runs); `start(host,
 * http)` once; on shutdown `drain()` (take nothing new, finish what was acknowledged), then the app's own jobs stop,
 * then `stop()` (close every connection). `drain` and `stop` are called even when `start` failed, and must not
 * throw for that.
 *
 * `Host` is what the adapter may ask of the bot (at least {@link ChatHost}); `Notifiers` what the bot may tell
 * through it (approval requests, alerts, stories): both are bound by the composition root (src/adapter-host.ts),
 * since their vocabulary (approval requests, alerts) is the domain's, which the core does not import.
 */
export interface ChatAdapter<Host extends ChatHost = ChatHost, Notifiers = object> {
  /** A short name, unique in the list (`slack`, `mcp-http`, `shell`): its store's scope and its log lines' tag. */
  readonly name: string;
  /**
   * How the principals of each source this adapter turns into `Actor`s map to roles (the identity port), by
   * source name. A source no adapter names has no role (identity fails closed).
   */
  readonly identities?: Identities;
  /**
   * Where the configured roles' user groups and accounts are read (Slack's `usergroups.users.list`, `users.info`),
   * for the adapter whose user ids the `roles:` config names. At most one adapter in a list gives it.
   */
  readonly directory?: { readonly userGroups?: UserGroupDirectory; readonly accounts?: AccountDirectory };
  /** What the bot tells people through this adapter; absent parts are told elsewhere or only logged. */
  notifiers?(host: Host): Partial<Notifiers>;
  /** Starts taking requests; routes it serves over HTTP are mounted on `http`, the operations server. */
  start(host: Host, http: HttpMount): Promise<void>;
  /**
   * Resolves when the adapter ended by itself (the shell's Ctrl-D, the end of stdio input): the process then stops
   * as on SIGTERM. Absent: it runs until stopped.
   */
  readonly ended?: Promise<void>;
  /** Takes nothing new from now on (a mounted route answers 503); what was acknowledged still gets its answer. */
  drain(): Promise<void>;
  /** Closes the adapter's connections; resolves once every acknowledged request has been answered. */
  stop(): Promise<void>;
}

/** What every adapter may ask of the bot: run commands, keep a little state of its own. No Redis is handed out. */
export interface ChatHost {
  /**
   * Runs a typed line or a button's call through the dispatcher (roles, audit, redaction) as `invocation.actor`.
   * The reply carries, in `undelivered`, what a notifier could not deliver while the command ran (an approval
   * request Slack refused to post), so the adapter tells the person in the same answer.
   */
  dispatch(invocation: Invocation): Promise<Reply>;
  /** A key-value store scoped to this adapter: its keys never meet another adapter's or the core's. */
  readonly store: AdapterStore;
  /** Why the store cannot be used right now (what, where, how to fix), or undefined while it answers. */
  storeOutage(): string | undefined;
  /** One line in the bot's log, tagged with the adapter's name. */
  log(level: "info" | "warn", line: string): void;
}

/**
 * A small key-value store, scoped to one adapter (keys are the adapter's own words; the host prefixes them). Values
 * are strings; a key with `ttlMs` is gone that long after it was written. Throws while the store does not answer
 * (see {@link ChatHost.storeOutage}).
 */
export interface AdapterStore {
  get(key: string): Promise<string | undefined>;
  /**
   * Writes `value` under `key`; with `ifAbsent`, only when no value is there (a claim: the first of several
   * deliveries wins). Returns whether it was written.
   */
  set(
    key: string,
    value: string,
    options?: { readonly ttlMs?: number; readonly ifAbsent?: boolean },
  ): Promise<boolean>;
  /** Reads and removes `key` in one step: undefined when there was nothing. */
  take(key: string): Promise<string | undefined>;
  delete(key: string): Promise<void>;
}

/** Answers a request when it is for this route (true), or leaves it to the next one (false): e.g. MCP's `/mcp`. */
export type HttpRoute = (request: IncomingMessage, response: ServerResponse) => boolean;

/**
 * The operations HTTP server as an adapter sees it (`/healthz`, `/readyz`, `/metrics` are its own): adapters mount
 * the routes they serve (Slack's `/slack/events`, MCP's `/mcp`) on the one configured port.
 */
export interface HttpMount {
  /** Adds a route, asked after the operations paths and the routes mounted before it. */
  mount(route: HttpRoute): void;
  /** Where the server listens, e.g. http://127.0.0.1:3000 (the port is known once it listens). */
  readonly url: string;
}
