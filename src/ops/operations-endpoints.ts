import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { HttpMount, HttpRoute } from "../core/chat-adapter.js";
import type { Metrics } from "./metrics.js";
import type { Readiness } from "./readiness.js";

/** What the operations endpoints read: the app's metrics registry and readiness checks. */
export interface Operations {
  readonly metrics: Metrics;
  readonly readiness: Readiness;
}

/** The paths, shared with the Kubernetes manifests (a test checks they agree). */
export const operationsPaths = { health: "/healthz", ready: "/readyz", metrics: "/metrics" } as const;

/**
 * Answers `GET /healthz` (the process serves: always 200), `GET /readyz` (200 or 503, with every check and each
 * cluster's Connect and Kafka state as JSON) and `GET /metrics` (Prometheus' text format). None needs Slack's
 * signature, and none shows a token, password or URL credential. Returns false for any other path, for the
 * routes adapters mounted.
 */
export function serveOperations(
  operations: Operations,
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  const path = (request.url ?? "/").split("?")[0];
  const known = Object.values(operationsPaths).some((known) => known === path);
  if (!known) return false;
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405, { allow: "GET, HEAD" }).end();
    return true;
  }
  void answer(operations, path, response).catch((error: unknown) => {
    if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
    response.end(`${path} failed: ${error instanceof Error ? error.name : "error"}\n`);
  });
  return true;
}

async function answer(
  operations: Operations,
  path: string | undefined,
  response: ServerResponse,
): Promise<void> {
  if (path === operationsPaths.health) {
    response.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
  } else if (path === operationsPaths.ready) {
    const report = await operations.readiness.check();
    response
      .writeHead(report.ready ? 200 : 503, { "content-type": "application/json" })
      .end(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const { contentType, text } = await operations.metrics.exposition();
    response.writeHead(200, { "content-type": contentType }).end(text);
  }
}

export interface RunningOperationsServer extends HttpMount {
  /**
   * Mounted routes answer 503 from now on (Slack then retries elsewhere), while `/healthz`, `/readyz` and
   * `/metrics` still answer, until `close`.
   */
  drain(): void;
  close(): Promise<void>;
}

/**
 * The operations HTTP server, on the configured port: the three operations paths, then each route adapters mount
 * (Slack's `/slack/events`, MCP's `/mcp`), in the order mounted; 404 for anything else. It belongs to no adapter,
 * so probes and scrapes answer whichever adapters run (Slack over HTTP or Socket Mode, agents only, none).
 */
export async function startOperationsServer(
  operations: Operations,
  port: number,
): Promise<RunningOperationsServer> {
  const routes: HttpRoute[] = [];
  let draining = false;
  const server = createServer((request, response) => {
    // Probes and scrapes come first: no adapter's check (Slack's signature, MCP's token) applies to them.
    if (serveOperations(operations, request, response)) return;
    if (draining) {
      response.writeHead(503, { "retry-after": "1" }).end("Shutting down");
      return;
    }
    if (!routes.some((route) => route(request, response))) response.writeHead(404).end();
  });
  server.listen(port);
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${portOf(server, port)}`,
    mount: (route) => {
      routes.push(route);
    },
    drain: () => {
      draining = true;
    },
    close: () => closeServer(server),
  };
}

export function portOf(server: Server, fallback: number): number {
  const address = server.address();
  return typeof address === "object" && address !== null ? address.port : fallback;
}

/** Stops accepting, drops idle keep-alive connections and resolves once the server is closed. */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  server.close();
  await once(server, "close");
}
