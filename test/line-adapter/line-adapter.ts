/**
 * A toy chat adapter, to show what a new one takes: this folder (the adapter and its config section) plus one line
 * in the adapter list (`createApp({ adapters: [...] })`, as src/main.ts lists them). People connect over TCP and
 * type commands, one a line; the first line names them (`I am <name>`); each answer ends with a line holding ".".
 * Approval requests are told to everyone connected, and one that nobody connected hears is handed back as
 * undelivered, for the reply to carry.
 */
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { createInterface } from "node:readline";
import { z } from "zod";
import type { Adapter, AdapterHost } from "../../src/adapter-host.js";
import { reply } from "../../src/core/reply.js";
import { roles } from "../../src/core/roles.js";
import { renderText } from "../../src/shell/render-text.js";

/** Its config section (`line:` in the config document): where it listens and who holds which role. */
export const LineConfig = z.strictObject({
  /** On 127.0.0.1; 0 picks a free port. @defaultValue 0 */
  port: z.number().int().min(0).max(65_535).default(0),
  /** Name → role on every cluster; a name not listed has no role (identity fails closed). */
  people: z.record(z.string().min(1), z.enum(roles)),
});
export type LineConfig = z.infer<typeof LineConfig>;

/** The line adapter, plus the port it listens on once started. */
export interface LineAdapter extends Adapter {
  port(): number;
}

export function lineAdapter(config: LineConfig): LineAdapter {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  let taking = true;
  return {
    name: "line",
    identities: { line: { roleOf: async (principal) => config.people[principal] } },
    notifiers: () => ({
      approvals: {
        async changed(request) {
          if (sockets.size === 0 && request.state === "pending")
            return reply(
              `Nobody connected heard of request ${request.id}; approvers can type \`approve ${request.id}\`.`,
            );
          for (const socket of sockets) socket.write(`request ${request.id} is ${request.state}\n`);
          return undefined;
        },
      },
    }),
    async start(host, http) {
      server = createServer((socket) => {
        sockets.add(socket);
        socket.once("close", () => sockets.delete(socket));
        void converse(host, socket, () => taking);
      });
      server.listen(config.port, "127.0.0.1");
      await once(server, "listening");
      http.mount((request, response) => {
        if (request.url !== "/line") return false;
        response.writeHead(200, { "content-type": "text/plain" }).end(`${sockets.size} connected\n`);
        return true;
      });
    },
    async drain() {
      taking = false;
      server?.close();
    },
    async stop() {
      taking = false;
      for (const socket of sockets) socket.end();
      if (server?.listening === true) server.close();
    },
    port() {
      const address = server?.address();
      return typeof address === "object" && address !== null ? address.port : 0;
    },
  };
}

async function converse(host: AdapterHost, socket: Socket, taking: () => boolean): Promise<void> {
  let name: string | undefined;
  for await (const raw of createInterface({ input: socket })) {
    const line = raw.trim();
    if (!taking()) {
      socket.end("shutting down\n.\n");
      return;
    }
    if (name === undefined) {
      name = /^I am (\S+)$/.exec(line)?.[1];
      socket.write(name === undefined ? "Say who you are first: I am <name>\n.\n" : `hello ${name}\n.\n`);
      if (name !== undefined) await host.store.set(`last-seen:${name}`, String(Date.now()));
      continue;
    }
    const answer = await host.dispatch({
      actor: { id: name, name, source: "line" },
      text: line,
      requestId: randomUUID(),
    });
    // The shell's rendering: the answer, then any notice of what could not be delivered while it ran.
    socket.write(`${renderText(answer)}\n.\n`);
  }
}
