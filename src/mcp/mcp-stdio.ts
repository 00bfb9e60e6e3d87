import { once } from "node:events";
import { userInfo } from "node:os";
import type { Readable, Writable } from "node:stream";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { Adapter } from "../adapter-host.js";
import type { Actor } from "../core/command-spec.js";
import type { Identities } from "../core/identity.js";
import { mcpHostOf } from "./mcp-http.js";
import { mcpSources } from "./mcp-identity.js";
import { createMcpServer, type McpHost } from "./mcp-server.js";

/** The agent on the operator's own machine: audited as `agent:stdio-<login>`, holding the shell's role. */
export function stdioActor(login = userInfo().username): Actor {
  return { id: `agent:stdio-${login}`, name: `agent stdio (for ${login})`, source: mcpSources.stdio };
}

/**
 * `npm start -- --mcp`: one MCP server over this process's stdin and stdout (JSON-RPC lines; nothing else may be
 * written to stdout), until the client closes stdin.
 */
export async function serveStdio(
  host: McpHost,
  identities: Identities,
  input: Readable = process.stdin,
  output: Writable = process.stdout,
): Promise<void> {
  const server = createMcpServer({ host, actor: stdioActor(), identities });
  const ended = once(input, "end");
  await server.connect(new StdioServerTransport(input, output));
  await ended;
  await server.close();
}

/**
 * `npm start -- --mcp` as an adapter: one MCP server over stdin and stdout, as the local operator's agent; it ends
 * (and the process with it) when the client closes stdin.
 */
export function mcpStdioAdapter(identities: Identities): Adapter {
  let end: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    end = resolve;
  });
  return {
    name: "mcp-stdio",
    ended,
    async start(host) {
      void serveStdio(mcpHostOf(host), identities)
        .catch((error: unknown) => host.log("warn", `MCP over stdio failed: ${String(error)}`))
        .finally(end);
    },
    // One client, one connection: nothing to refuse or close before the process exits.
    drain: async () => {},
    stop: async () => {},
  };
}
