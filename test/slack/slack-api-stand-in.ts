import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { WebSocketServer } from "ws";

export interface StandInUser {
  readonly id: string;
  readonly name: string;
  readonly deleted?: boolean;
  readonly isBot?: boolean;
  /** A guest (single- or multi-channel). */
  readonly isRestricted?: boolean;
}

/**
 * How the stand-in fails a call, as Slack does (api.slack.com/apis/web-api#responses, api.slack.com/docs/rate-limits):
 * - `{ httpStatus: 429, retryAfterSeconds }`: rate limited, with the Retry-After header;
 * - `{ httpStatus: 500 | 502 | 503 | 504 }`: Slack's edge failing (the body is not Slack's JSON);
 * - `{ error: "fatal_error" | "ratelimited" | "invalid_auth" | "internal_error" | … }`: HTTP 200 with `ok: false`;
 * - `{ delayMs }`: the call is answered normally, that much later.
 */
export type SlackFault =
  | { readonly httpStatus: number; readonly retryAfterSeconds?: number }
  | { readonly error: string }
  | { readonly delayMs: number };

export interface RecordedCall {
  readonly method: string;
  /** Where it was sent: tells one response_url from another. */
  readonly url: string;
  readonly args: Record<string, unknown>;
  readonly rejected?: string;
}

/**
 * Slack's documented message limits (api.slack.com/reference/block-kit/blocks, chat.postMessage): 50 blocks a
 * message, 3,000 characters in a section's text, 10 fields of 2,000, 150 in a header, 40,000 in `text`.
 */
const limits = {
  blocks: 50,
  sectionText: 3000,
  field: 2000,
  fields: 10,
  header: 150,
  text: 40_000,
  contextElements: 10,
};
/**
 * Not documented: Slack refuses a message whose blocks carry too much text in all with `msg_blocks_too_long`,
 * observed from about 12,000 to 13,200 characters (slackapi/bolt-js#2509, #2867). The stand-in takes the low end.
 */
const maxBlocksText = 12_000;
const messageMethods = new Set(["chat.postMessage", "chat.update", "chat.postEphemeral", "response_url"]);

/**
 * Slack's native data blocks, by their reference pages (docs.slack.dev/reference/block-kit/blocks/data-table-block,
 * …/data-visualization-block): a data table's header and 1–100 rows of the same 1–20 cells, `page_size` 1–100, a
 * caption, raw_text cells of at least one character, at most 10,000 characters of cells (the bot's reading of the
 * page); a chart's title of 1–50 characters, a line chart's 1–6 series named in 1–20 characters, 1–20 points each,
 * labelled by the axis' categories (each 1–20 characters), finite values, axis titles of at most 50; two charts a
 * message at most.
 */
const native = {
  tableRows: 100,
  tableColumns: 20,
  tableCharacters: 10_000,
  pageSize: 100,
  chartsPerMessage: 2,
  chartTitle: 50,
  series: 6,
  seriesName: 20,
  points: 20,
  category: 20,
  axisTitle: 50,
};

/**
 * A local stand-in for Slack's Web API, reached through the WebClient's `slackApiUrl` and through the
 * `response_url`s it hands out. It checks the bot token, records every call, refuses messages over Slack's limits
 * as Slack does, and fails chosen methods as Slack does when it is slow or down (`failNext`, `failFor`,
 * `dropSockets`; see {@link SlackFault}).
 */
export class SlackApiStandIn {
  readonly calls: RecordedCall[] = [];
  readonly #server: Server;
  readonly #botToken: string;
  readonly #appToken: string | undefined;
  readonly #sockets: WebSocketServer;
  readonly #acks = new Map<string, (payload: unknown) => void>();
  #envelopes = 0;
  /** Faults by method: for the next `times` calls, or until `until` (epoch ms); the first that applies wins. */
  readonly #faults = new Map<string, { fault: SlackFault; times?: number; until?: number }[]>();
  /** Until when (epoch ms) a Socket Mode connection is refused at the upgrade. */
  #socketsRefusedUntil = 0;
  readonly #waiters: (() => void)[] = [];
  readonly #channelErrors: ReadonlyMap<string, string>;
  #ts = 1_764_000_000_000_000;
  #responseUrls = 0;
  #refuseNativeBlocks = false;

  private constructor(options: StandInOptions) {
    this.#botToken = options.botToken;
    this.#appToken = options.appToken;
    this.#users = new Map((options.users ?? []).map((user) => [user.id, user]));
    this.#userGroups =
      options.userGroups === "plan_upgrade_required"
        ? options.userGroups
        : new Map(Object.entries(options.userGroups ?? {}).map(([id, members]) => [id, [...members]]));
    this.#channelErrors = new Map([
      ...(options.channelsWithoutBot ?? []).map((channel) => [channel, "not_in_channel"] as const),
      ...(options.missingChannels ?? []).map((channel) => [channel, "channel_not_found"] as const),
    ]);
    this.#server = createServer((request, response) => void this.#handle(request, response));
    this.#sockets = new WebSocketServer({
      server: this.#server,
      path: "/socket",
      // A Socket Mode URL Slack no longer serves: the upgrade is refused, as during an outage.
      verifyClient: (_info, accept) =>
        Date.now() < this.#socketsRefusedUntil ? accept(false, 503, "Service Unavailable") : accept(true),
    });
    this.#sockets.on("connection", (socket) => {
      socket.on("message", (data) => {
        const { envelope_id: id, payload } = JSON.parse(String(data)) as {
          envelope_id?: string;
          payload?: unknown;
        };
        if (id !== undefined) this.#acks.get(id)?.(payload);
      });
      socket.send(
        JSON.stringify({ type: "hello", num_connections: 1, connection_info: { app_id: "A0APP" } }),
      );
    });
  }

  static async start(options: StandInOptions): Promise<SlackApiStandIn> {
    const standIn = new SlackApiStandIn(options);
    standIn.#server.listen(0, "127.0.0.1");
    await once(standIn.#server, "listening");
    return standIn;
  }

  get #origin(): string {
    const address = this.#server.address();
    if (address === null || typeof address === "string") throw new Error("stand-in is not listening");
    return `http://127.0.0.1:${address.port}`;
  }

  /** What WebClient's `slackApiUrl` expects: the method name is appended to it. */
  get apiUrl(): string {
    return `${this.#origin}/api/`;
  }

  /** A fresh `response_url`, as Slack sends with each slash command. */
  responseUrl(): string {
    return `${this.#origin}/response/${++this.#responseUrls}`;
  }

  /**
   * As a workspace (or client rollout) without Slack's native data blocks: from now on (until called with false)
   * every message holding a `data_table` or `data_visualization` block is answered `invalid_blocks`.
   */
  refuseNativeBlocks(refuse = true): void {
    this.#refuseNativeBlocks = refuse;
  }

  /** The next `times` calls of `method` answer 429 with this Retry-After. */
  rateLimitNext(method: string, retryAfterSeconds: number, times = 1): void {
    this.failNext(method, { httpStatus: 429, retryAfterSeconds }, times);
  }

  /**
   * The next `times` calls of `method` (a Web API method such as `users.info`, or `response_url`) fail with
   * `fault`. Faults set for one method queue up in the order they were set.
   */
  failNext(method: string, fault: SlackFault, times = 1): void {
    this.#faults.set(method, [...(this.#faults.get(method) ?? []), { fault, times }]);
  }

  /** Every call of `method` fails with `fault` for the next `ms` milliseconds (an outage of that method). */
  failFor(method: string, fault: SlackFault, ms: number): void {
    this.#faults.set(method, [...(this.#faults.get(method) ?? []), { fault, until: Date.now() + ms }]);
  }

  /** Every fault set for `method` (or for every method) is lifted: Slack answers again. */
  heal(method?: string): void {
    if (method === undefined) {
      this.#faults.clear();
      this.#socketsRefusedUntil = 0;
    } else this.#faults.delete(method);
  }

  /**
   * Drops every Socket Mode connection, and refuses new ones (at `apps.connections.open`, with `fatal_error`, and
   * at the WebSocket upgrade) for `refuseForMs`: a connection that cannot come back for a while.
   */
  dropSockets(refuseForMs = 0): void {
    if (refuseForMs > 0) {
      this.#socketsRefusedUntil = Date.now() + refuseForMs;
      this.failFor("apps.connections.open", { error: "fatal_error" }, refuseForMs);
    }
    for (const socket of this.#sockets.clients) socket.terminate();
  }

  #faultFor(method: string): SlackFault | undefined {
    const now = Date.now();
    const live = (this.#faults.get(method) ?? []).filter(
      (entry) => (entry.times ?? 1) > 0 && (entry.until ?? now + 1) > now,
    );
    this.#faults.set(method, live);
    const entry = live[0];
    if (entry === undefined) return undefined;
    if (entry.times !== undefined) entry.times--;
    return entry.fault;
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method && call.rejected === undefined);
  }

  rejections(): RecordedCall[] {
    return this.calls.filter((call) => call.rejected !== undefined);
  }

  /** Resolves with the first accepted call of `method` (already recorded or still to come) that matches. */
  async waitForCall(
    method: string,
    matches: (call: RecordedCall) => boolean = () => true,
    timeoutMs = 15_000,
  ): Promise<RecordedCall> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.callsOf(method).find(matches);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`No ${method} call arrived within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  // Identity churn: people and user groups change while the bot runs (issue 20 §5).
  readonly #users: Map<string, StandInUser>;
  readonly #userGroups: Map<string, string[]> | "plan_upgrade_required";
  /** Per group id (usergroups.users.list) or user id (users.info): what Slack answers instead. */
  readonly #identityFaults = new Map<string, IdentityFault>();

  /** Takes `userId` out of user group `groupId`, as an admin editing the group does. */
  removeFromGroup(groupId: string, userId: string): void {
    const members = this.#userGroups === "plan_upgrade_required" ? undefined : this.#userGroups.get(groupId);
    const at = members?.indexOf(userId) ?? -1;
    if (at >= 0) members?.splice(at, 1);
  }

  /** Deactivates `userId`: users.info answers `deleted: true` from now on (api.slack.com/methods/users.info). */
  deactivate(userId: string): void {
    const user = this.#users.get(userId);
    if (user !== undefined) this.#users.set(userId, { ...user, deleted: true });
  }

  /**
   * From now on, `id` (a user group for usergroups.users.list, a user for users.info) is answered with `fault`:
   * Slack's error code (`no_such_subteam`: the group was deleted; `fatal_error`) or HTTP 500; undefined heals it.
   */
  failIdentity(id: string, fault: IdentityFault | undefined): void {
    if (fault === undefined) this.#identityFaults.delete(id);
    else this.#identityFaults.set(id, fault);
  }

  #identityFault(method: string, args: Record<string, unknown>): IdentityFault | undefined {
    if (method === "usergroups.users.list") return this.#identityFaults.get(String(args.usergroup));
    if (method === "users.info") return this.#identityFaults.get(String(args.user));
    return undefined;
  }

  /** Whether a Socket Mode client is connected. */
  get socketConnected(): boolean {
    return this.#sockets.clients.size > 0;
  }

  /**
   * Delivers an envelope over Socket Mode, as Slack does (`slash_commands`, `interactive`, `events_api`); resolves
   * with the ack's payload once the app acknowledges it.
   */
  deliverOverSocket(type: string, payload: object, timeoutMs = 3_000): Promise<unknown> {
    const id = `envelope-${++this.#envelopes}`;
    const acked = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`envelope ${id} was not acknowledged within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#acks.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
    });
    const envelope = JSON.stringify({
      envelope_id: id,
      type,
      payload,
      accepts_response_payload: type !== "events_api",
    });
    for (const socket of this.#sockets.clients) socket.send(envelope);
    return acked;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets.clients) socket.terminate();
    this.#sockets.close();
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, "close");
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const url = new URL(request.url ?? "/", this.#origin);
    const method = url.pathname.startsWith("/response/")
      ? "response_url"
      : url.pathname.replace(/^\/api\//, "");
    const args = parseArgs(body, request.headers["content-type"] ?? "");
    /** A payload object is Slack's JSON; a string is an HTML page, as Slack's edge serves when it fails. */
    const answer = (
      status: number,
      payload: object | string,
      rejected?: string,
      headers: Record<string, string> = {},
    ) => {
      this.calls.push({
        method,
        url: `${this.#origin}${url.pathname}`,
        args,
        ...(rejected === undefined ? {} : { rejected }),
      });
      for (const wake of this.#waiters.splice(0)) wake();
      const html = typeof payload === "string";
      response
        .writeHead(status, { "content-type": html ? "text/html" : "application/json", ...headers })
        .end(html ? payload : JSON.stringify(payload));
    };

    // apps.connections.open takes the app-level token (xapp-…); every other method the bot token.
    const token = method === "apps.connections.open" ? this.#appToken : this.#botToken;
    if (method !== "response_url" && request.headers.authorization !== `Bearer ${token}`) {
      return answer(200, { ok: false, error: "invalid_auth" }, "invalid_auth");
    }
    const fault = this.#faultFor(method);
    if (fault !== undefined && "delayMs" in fault) await sleep(fault.delayMs);
    else if (fault !== undefined && "error" in fault)
      return answer(200, { ok: false, error: fault.error }, fault.error);
    else if (fault?.httpStatus === 429) {
      return answer(429, { ok: false, error: "ratelimited" }, "ratelimited", {
        "retry-after": String(fault.retryAfterSeconds ?? 1),
      });
    } else if (fault !== undefined) {
      return answer(fault.httpStatus, "<html>upstream failed</html>", `HTTP ${fault.httpStatus}`);
    }
    const channelError = this.#channelErrors.get(String(args.channel));
    if (method === "chat.postMessage" && channelError !== undefined) {
      return answer(200, { ok: false, error: channelError }, channelError);
    }
    if (method === "views.publish") {
      const problems = homeViewProblems(args.view);
      if (problems.length > 0)
        return answer(200, { ok: false, error: "invalid_arguments", errors: problems }, problems.join("; "));
    }
    if (method === "views.open" || method === "views.update") {
      const problems = modalViewProblems(args.view);
      if (problems.length > 0)
        return answer(200, { ok: false, error: "invalid_arguments", errors: problems }, problems.join("; "));
    }
    const identityFault = this.#identityFault(method, args);
    if (identityFault === 500) return answer(500, { ok: false, error: "internal_error" }, "HTTP 500");
    if (identityFault !== undefined) return answer(200, { ok: false, error: identityFault }, identityFault);
    if (messageMethods.has(method)) {
      const blocks = Array.isArray(args.blocks) ? (args.blocks as Block[]) : [];
      const nativeAt = blocks.findIndex(
        (block) => block.type === "data_table" || block.type === "data_visualization",
      );
      if (this.#refuseNativeBlocks && nativeAt >= 0) {
        const problem = `unsupported type: ${blocks[nativeAt]?.type} [json-pointer:/blocks/${nativeAt}]`;
        return answer(200, { ok: false, error: "invalid_blocks", errors: [problem] }, problem);
      }
      const problems = messageProblems(args);
      if (problems.length > 0)
        return answer(200, { ok: false, error: "invalid_blocks", errors: problems }, problems.join("; "));
    }
    answer(200, this.#result(method, args));
  }

  #result(method: string, args: Record<string, unknown>): object {
    switch (method) {
      case "apps.connections.open":
        return { ok: true, url: `${this.#origin.replace("http", "ws")}/socket` };
      case "auth.test":
        return {
          ok: true,
          user_id: "U0BOT",
          bot_id: "B0BOT",
          team_id: "T0TEAM",
          url: "https://example.slack.com/",
        };
      case "chat.postMessage":
      case "chat.update": {
        const ts = method === "chat.update" ? String(args.ts) : this.#nextTs();
        return { ok: true, channel: args.channel, ts, message: { text: args.text, ts } };
      }
      case "views.publish":
        return { ok: true, view: { id: `V${this.#nextTs().replace(".", "")}`, type: "home" } };
      case "views.open":
        return { ok: true, view: { ...(args.view as object), id: `V${this.#nextTs().replace(".", "")}` } };
      case "views.update":
        return { ok: true, view: { ...(args.view as object), id: args.view_id } };
      case "chat.postEphemeral":
        return { ok: true, message_ts: this.#nextTs() };
      case "chat.getPermalink":
        return {
          ok: true,
          permalink: `https://example.slack.com/archives/${args.channel}/p${String(args.message_ts).replace(".", "")}`,
        };
      case "response_url":
        return { ok: true };
      case "users.info": {
        const user = this.#users.get(String(args.user));
        if (user === undefined) return { ok: false, error: "user_not_found" };
        return {
          ok: true,
          user: {
            id: user.id,
            name: user.name,
            deleted: user.deleted ?? false,
            is_bot: user.isBot ?? false,
            is_restricted: user.isRestricted ?? false,
            is_ultra_restricted: false,
            profile: { display_name: user.name },
          },
        };
      }
      case "usergroups.users.list": {
        if (this.#userGroups === "plan_upgrade_required")
          return { ok: false, error: "plan_upgrade_required" };
        const members = this.#userGroups.get(String(args.usergroup));
        return members === undefined ? { ok: false, error: "no_such_subteam" } : { ok: true, users: members };
      }
      default:
        return { ok: false, error: "unknown_method" };
    }
  }

  #nextTs(): string {
    this.#ts += 100;
    const text = String(this.#ts);
    return `${text.slice(0, 10)}.${text.slice(10)}`;
  }
}

/** What a user group or user lookup answers instead: Slack's error code (`no_such_subteam`, `fatal_error`) or HTTP 500. */
export type IdentityFault = "no_such_subteam" | "fatal_error" | 500;

export interface StandInOptions {
  readonly botToken: string;
  /** The app-level token Socket Mode opens its connection with. */
  readonly appToken?: string;
  readonly users?: readonly StandInUser[];
  readonly userGroups?: Readonly<Record<string, readonly string[]>> | "plan_upgrade_required";
  /** Channels the bot is not a member of: posting there answers `not_in_channel`. */
  readonly channelsWithoutBot?: readonly string[];
  /** Channels that do not exist (or are private without the bot): posting answers `channel_not_found`. */
  readonly missingChannels?: readonly string[];
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** WebClient sends forms whose object fields (blocks, attachments) are JSON strings; response_url gets JSON. */
function parseArgs(body: string, contentType: string): Record<string, unknown> {
  if (contentType.includes("application/json"))
    return body === "" ? {} : (JSON.parse(body) as Record<string, unknown>);
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    args[key] = key === "blocks" || key === "attachments" || key === "view" ? JSON.parse(value) : value;
  }
  return args;
}

/**
 * views.publish (api.slack.com/methods/views.publish): a `home` view of at most 100 blocks
 * (api.slack.com/reference/surfaces/views), each block within the same limits as a message's.
 */
function homeViewProblems(view: unknown): string[] {
  const { type, blocks } = (view ?? {}) as { type?: unknown; blocks?: unknown };
  if (type !== "home") return ["view.type must be home"];
  if (!Array.isArray(blocks)) return ["view.blocks must be an array"];
  const problems = blocks.length > 100 ? ["no more than 100 items allowed [json-pointer:/view/blocks]"] : [];
  // Per-block limits as for messages; the message's 50-block and total-text limits do not apply to views.
  return [
    ...problems,
    ...messageProblems({ blocks: blocks.slice(0, limits.blocks) }).filter((p) => p !== "msg_blocks_too_long"),
  ];
}

type Block = {
  type?: string;
  text?: { text?: string };
  fields?: { text?: string }[];
  elements?: unknown[];
  title?: unknown;
  chart?: unknown;
  caption?: unknown;
  rows?: unknown;
  page_size?: unknown;
};

const isShortText = (text: unknown, max: number) =>
  typeof text === "string" && text.length >= 1 && text.length <= max;

/** A data table's problems, as Slack words them (json pointers into the message). */
function dataTableProblems(block: Block, at: string): string[] {
  const problems: string[] = [];
  if (typeof block.caption !== "string") problems.push(`caption is required [json-pointer:${at}/caption]`);
  if (block.page_size !== undefined) {
    const size = block.page_size;
    if (typeof size !== "number" || !Number.isInteger(size) || size < 1 || size > native.pageSize)
      problems.push(`page_size must be 1 to ${native.pageSize} [json-pointer:${at}/page_size]`);
  }
  const rows = block.rows;
  if (!Array.isArray(rows) || rows.length < 2 || rows.length > native.tableRows + 1)
    return [
      ...problems,
      `rows must hold a header and 1 to ${native.tableRows} rows [json-pointer:${at}/rows]`,
    ];
  const width = (rows[0] as unknown[]).length;
  let characters = 0;
  rows.forEach((row: unknown, r) => {
    if (!Array.isArray(row) || row.length !== width || width < 1 || width > native.tableColumns) {
      problems.push(
        `every row must hold the same 1 to ${native.tableColumns} cells [json-pointer:${at}/rows/${r}]`,
      );
      return;
    }
    row.forEach((cell: { type?: unknown; text?: unknown; value?: unknown }, c) => {
      const where = `[json-pointer:${at}/rows/${r}/${c}]`;
      if (cell.type === "raw_number" && (typeof cell.value !== "number" || !Number.isFinite(cell.value)))
        problems.push(`raw_number needs a finite value ${where}`);
      else if (cell.type === "raw_number" && r === 0)
        problems.push(`a header cell must be raw_text ${where}`);
      else if (cell.type !== "raw_text" && cell.type !== "raw_number")
        problems.push(`unknown cell type ${where}`);
      if (typeof cell.text !== "string" || cell.text.length < 1)
        problems.push(`text must not be empty ${where}`);
      else characters += cell.text.length;
    });
  });
  if (characters > native.tableCharacters)
    problems.push(`the table holds over ${native.tableCharacters} characters [json-pointer:${at}/rows]`);
  return problems;
}

/** A line chart's problems (the only chart the bot draws; others are refused here so a test notices). */
function chartProblems(block: Block, at: string): string[] {
  const problems: string[] = [];
  if (!isShortText(block.title, native.chartTitle))
    problems.push(`title must be 1 to ${native.chartTitle} characters [json-pointer:${at}/title]`);
  const chart = (block.chart ?? {}) as {
    type?: unknown;
    series?: { name?: unknown; data?: { label?: unknown; value?: unknown }[] }[];
    axis_config?: { categories?: unknown; x_label?: unknown; y_label?: unknown };
  };
  if (chart.type !== "line") return [...problems, `chart.type must be line [json-pointer:${at}/chart/type]`];
  const categories = chart.axis_config?.categories;
  if (!Array.isArray(categories) || categories.length < 1 || categories.length > native.points)
    problems.push(
      `axis_config.categories must hold 1 to ${native.points} [json-pointer:${at}/chart/axis_config]`,
    );
  const known = new Set(Array.isArray(categories) ? categories : []);
  // Categories name the x-axis' places: one named twice leaves a point with two places.
  if (Array.isArray(categories) && known.size !== categories.length)
    problems.push(`categories must be unique [json-pointer:${at}/chart/axis_config/categories]`);
  (Array.isArray(categories) ? categories : []).forEach((category: unknown, i) => {
    if (!isShortText(category, native.category))
      problems.push(
        `a category is 1 to ${native.category} characters [json-pointer:${at}/chart/axis_config/categories/${i}]`,
      );
  });
  for (const axis of ["x_label", "y_label"] as const) {
    const label = chart.axis_config?.[axis];
    if (label !== undefined && !isShortText(label, native.axisTitle))
      problems.push(
        `${axis} is 1 to ${native.axisTitle} characters [json-pointer:${at}/chart/axis_config/${axis}]`,
      );
  }
  const series = chart.series;
  if (!Array.isArray(series) || series.length < 1 || series.length > native.series)
    return [...problems, `series must hold 1 to ${native.series} [json-pointer:${at}/chart/series]`];
  series.forEach((one, s) => {
    const where = `${at}/chart/series/${s}`;
    if (!isShortText(one.name, native.seriesName))
      problems.push(`name must be 1 to ${native.seriesName} characters [json-pointer:${where}/name]`);
    if (!Array.isArray(one.data) || one.data.length < 1 || one.data.length > native.points) {
      problems.push(`data must hold 1 to ${native.points} points [json-pointer:${where}/data]`);
      return;
    }
    one.data.forEach((point, p) => {
      if (!known.has(point.label))
        problems.push(`label is not a category [json-pointer:${where}/data/${p}/label]`);
      if (typeof point.value !== "number" || !Number.isFinite(point.value))
        problems.push(`value must be a finite number [json-pointer:${where}/data/${p}/value]`);
    });
  });
  return problems;
}

/**
 * views.open / views.update (api.slack.com/reference/surfaces/views): a `modal` of at most 100 blocks, its title,
 * submit and close texts at most 24 characters, callback_id at most 255, private_metadata at most 3,000; each block
 * within the same limits as a message's.
 */
export function modalViewProblems(view: unknown): string[] {
  const { type, blocks, title, submit, close, callback_id, private_metadata } = (view ?? {}) as {
    type?: unknown;
    blocks?: unknown;
    title?: { text?: unknown };
    submit?: { text?: unknown };
    close?: { text?: unknown };
    callback_id?: unknown;
    private_metadata?: unknown;
  };
  if (type !== "modal") return ["view.type must be modal"];
  if (!Array.isArray(blocks)) return ["view.blocks must be an array"];
  const problems: string[] = [];
  if (blocks.length > 100) problems.push("no more than 100 items allowed [json-pointer:/view/blocks]");
  const texts = { title: title?.text, submit: submit?.text, close: close?.text };
  for (const [name, text] of Object.entries(texts)) {
    if (name === "title" && typeof text !== "string") problems.push("view.title is required");
    if (typeof text === "string" && text.length > 24)
      problems.push(`must be less than 25 characters [json-pointer:/view/${name}/text]`);
  }
  if (typeof callback_id === "string" && callback_id.length > 255)
    problems.push("must be less than 256 characters [json-pointer:/view/callback_id]");
  if (typeof private_metadata === "string" && private_metadata.length > 3000)
    problems.push("must be less than 3001 characters [json-pointer:/view/private_metadata]");
  return [
    ...problems,
    ...messageProblems({ blocks: blocks.slice(0, limits.blocks) }).filter((p) => p !== "msg_blocks_too_long"),
  ];
}

function messageProblems(args: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof args.text === "string" && args.text.length > limits.text) problems.push("msg_too_long");
  const blocks = (args.blocks ?? []) as Block[];
  if (!Array.isArray(blocks)) return ["blocks must be an array"];
  if (blocks.length > limits.blocks)
    problems.push(`no more than ${limits.blocks} items allowed [json-pointer:/blocks]`);
  const total = blocks.reduce(
    (sum, block) =>
      sum +
      (block.text?.text?.length ?? 0) +
      (block.fields ?? []).reduce((n, field) => n + (field.text?.length ?? 0), 0) +
      (block.elements ?? []).reduce(
        (n: number, element) => n + String((element as { text?: unknown }).text ?? "").length,
        0,
      ),
    0,
  );
  if (total > maxBlocksText) problems.push("msg_blocks_too_long");
  const charts = blocks.filter((block) => block.type === "data_visualization").length;
  if (charts > native.chartsPerMessage)
    problems.push(
      `no more than ${native.chartsPerMessage} data_visualization blocks allowed [json-pointer:/blocks]`,
    );
  blocks.forEach((block, i) => {
    if (block.type === "data_table") problems.push(...dataTableProblems(block, `/blocks/${i}`));
    if (block.type === "data_visualization") problems.push(...chartProblems(block, `/blocks/${i}`));
    const text = block.text?.text ?? "";
    if (block.type === "section" && text.length > limits.sectionText) {
      problems.push(
        `must be less than ${limits.sectionText + 1} characters [json-pointer:/blocks/${i}/text/text]`,
      );
    }
    if (block.type === "header" && text.length > limits.header) {
      problems.push(
        `must be less than ${limits.header + 1} characters [json-pointer:/blocks/${i}/text/text]`,
      );
    }
    if ((block.fields?.length ?? 0) > limits.fields)
      problems.push(`no more than 10 items allowed [json-pointer:/blocks/${i}/fields]`);
    for (const field of block.fields ?? []) {
      if ((field.text?.length ?? 0) > limits.field)
        problems.push(`field too long [json-pointer:/blocks/${i}/fields]`);
    }
    if (block.type === "context" && (block.elements?.length ?? 0) > limits.contextElements) {
      problems.push(`no more than 10 items allowed [json-pointer:/blocks/${i}/elements]`);
    }
  });
  return problems;
}
