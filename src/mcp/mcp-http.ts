import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { Adapter, AdapterHost, AdapterRedis } from "../adapter-host.js";
import type { App } from "../app.js";
import type { HttpRoute } from "../core/chat-adapter.js";
import type { Identities } from "../core/identity.js";
import { RedisKeys } from "../redis-keys.js";
import { AgentLimits } from "./agent-limits.js";
import type { AgentConfig } from "./mcp-config.js";
import { agentActor, agentOfToken, mcpSources } from "./mcp-identity.js";
import { createMcpServer, type McpHost } from "./mcp-server.js";

/** The path MCP clients POST to (Streamable HTTP, MCP spec 2025-11-25 "Transports"). */
export const mcpPath = "/mcp";

/**
 * Refused calls audited one by one each minute, per process; the next says that more are not, and the rest of the
 * minute's are only answered: a stream of bad tokens cannot grow the audit trail (kept forever) without bound.
 */
const auditedRefusalsPerMinute = 10;

/** Larger than any tool call the bot takes (a command line is at most 2,000 characters); bigger is 413, unread. */
const maxBodyBytes = 256 * 1024;

export interface McpHttpOptions {
  readonly app: McpHost & Pick<App, "redis" | "keys">;
  readonly agents: readonly AgentConfig[];
  /** The identities the app was made with (`mcpIdentities(agents)` among them). */
  readonly identities: Identities;
  /** Epoch ms, for the per-minute limit. */
  readonly now?: () => number;
}

export interface McpHttpAdapterOptions {
  readonly agents: readonly AgentConfig[];
  /** The identities the app is made with (`mcpIdentities(agents)` among them). */
  readonly identities: Identities;
  /** Where the per-minute call counts are kept, shared by every replica (beyond the host's key-value store). */
  readonly storage: AdapterRedis;
}

/** MCP's Streamable HTTP for the configured agents: `POST /mcp`, mounted on the operations server. */
export function mcpHttpAdapter(options: McpHttpAdapterOptions): Adapter {
  return {
    name: "mcp-http",
    async start(host, http) {
      http.mount(
        mcpHttpRoute({
          app: {
            ...mcpHostOf(host),
            redis: options.storage.redis,
            keys: new RedisKeys(options.storage.keyPrefix),
            approvals: host.approvals,
          },
          agents: options.agents,
          identities: options.identities,
        }),
      );
    },
    // The operations server answers 503 on `/mcp` once draining; each call is one HTTP exchange, nothing to close.
    drain: async () => {},
    stop: async () => {},
  };
}

/** What an MCP server asks of the bot, from an adapter's host. */
export function mcpHostOf(host: AdapterHost): McpHost {
  return {
    dispatcher: { commands: host.commands, dispatch: (invocation) => host.dispatch(invocation) },
    approvals: host.approvals,
    audit: host.audit,
    approvalLink: (id) => host.approvalLink(id),
  };
}

/**
 * `POST /mcp` for agents: a bearer token names the agent (config `agents`); a missing or unknown one is 401 and
 * audited, and nothing else is read. Each request gets its own server and transport (the SDK's stateless mode), so
 * any replica answers any call and nothing is kept between them.
 */
export function mcpHttpRoute(options: McpHttpOptions): HttpRoute {
  const { app } = options;
  const limits = new AgentLimits({
    redis: app.redis,
    keys: app.keys,
    now: options.now ?? Date.now,
  });
  const now = options.now ?? Date.now;
  const refusals = { minute: 0, count: 0 };
  /** Whether this refusal is audited, and whether it is the one that says the rest of the minute's are not. */
  const auditRefusal = (): "one" | "last" | "none" => {
    const minute = Math.floor(now() / 60_000);
    if (minute !== refusals.minute) Object.assign(refusals, { minute, count: 0 });
    refusals.count++;
    return refusals.count <= auditedRefusalsPerMinute
      ? "one"
      : refusals.count === auditedRefusalsPerMinute + 1
        ? "last"
        : "none";
  };
  return (request, response) => {
    if ((request.url ?? "/").split("?")[0] !== mcpPath) return false;
    void serve(options, limits, auditRefusal, request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
      response.end("MCP request failed inside the bot\n");
    });
    return true;
  };
}

async function serve(
  options: McpHttpOptions,
  limits: AgentLimits,
  auditRefusal: () => "one" | "last" | "none",
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const presented = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
  const agent = presented === undefined ? undefined : agentOfToken(options.agents, presented);
  const audit = agent === undefined ? auditRefusal() : "none";
  if (agent === undefined && audit !== "none") {
    const why = presented === undefined ? "no bearer token" : "a token no agent has";
    await options.app.audit.append({
      actorId: "unknown",
      actorName: "unknown agent",
      source: mcpSources.http,
      command: "mcp",
      args: `${request.method ?? "?"} ${mcpPath}`,
      outcome: "refused",
      errorCode: "UNAUTHENTICATED",
      detail:
        audit === "one"
          ? why
          : `${why}; over ${auditedRefusalsPerMinute} refused this minute: the rest of the minute's are not audited one by one`,
      durationMs: 0,
      requestId: randomUUID(),
    });
  }
  if (agent === undefined) {
    response
      .writeHead(401, {
        "content-type": "application/json",
        "www-authenticate": 'Bearer realm="connect-ops"',
      })
      .end(
        `${JSON.stringify({ error: presented === undefined ? "Send Authorization: Bearer <the agent's token>." : "That token belongs to no agent configured here." })}\n`,
      );
    return;
  }
  // A body of no declared length would be read whole by the SDK: only bodies that say how long they are.
  const declared = request.headers["content-length"];
  if (request.method === "POST" && declared === undefined) {
    response.writeHead(411, { connection: "close" }).end();
    return;
  }
  if (Number(declared ?? 0) > maxBodyBytes) {
    response.writeHead(413, { connection: "close" }).end();
    return;
  }
  const server = createMcpServer({
    host: options.app,
    actor: agentActor(agent),
    identities: options.identities,
    agent: { config: agent, limits },
  });
  // No session id generator: the SDK's stateless mode.
  const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
  response.on("close", () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(request, response);
}
