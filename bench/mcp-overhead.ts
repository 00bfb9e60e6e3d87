/**
 * A read tool call over MCP (Streamable HTTP, the SDK's own client, a bearer token) against the same command typed
 * in the shell, side by side on one app and one real connector: `status <connector>`. Both go through the dispatcher
 * (role, Connect, audit, redaction); MCP adds the HTTP round trip, JSON-RPC, the token check, a server per request
 * (stateless mode) and the agent's per-minute count in Redis.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { mcpHttpRoute } from "../src/mcp/mcp-http.js";
import { mcpIdentities } from "../src/mcp/mcp-identity.js";
import { startOperationsServer } from "../src/ops/operations-endpoints.js";
import { runOnce } from "../src/shell/shell.js";
import { testRedis } from "../test/support/redis-prefix.js";
import { createTopicWithMessages, eventually, testKafka, uniqueName } from "../test/support/test-bed-env.js";

/** One round: each interleaved call's milliseconds, each way. */
export interface McpRound {
  readonly shellMs: readonly number[];
  readonly mcpMs: readonly number[];
}

const token = "bench-agent-token-0123456789abcdef0123456789";

export async function measureMcpOverhead(
  bed: { connectUrl: string; bootstrapServers: string },
  options: { readonly rounds: number; readonly calls: number },
): Promise<McpRound[]> {
  const { prefix, cleanup } = testRedis("bench-mcp");
  const dir = await mkdtemp(join(tmpdir(), "bench-mcp-"));
  const config = loadConfig(
    { CONFIG_FILE: "/bench.yaml", LOG_LEVEL: "silent", BENCH_TOKEN: token },
    () => `
agents:
  - name: bench
    tokenEnv: BENCH_TOKEN
    roles: [{ cluster: bed, role: viewer }]
    limits: { callsPerMinute: 10000 }
clusters:
  - name: bed
    connect: { url: "${bed.connectUrl}" }
    kafka: { brokers: ["${bed.bootstrapServers}"] }
`,
  );
  const identities = mcpIdentities(config.agents);
  const app = createApp({ config, keyPrefix: prefix, identities });
  const server = await startOperationsServer(app.operations, 0);
  server.mount(mcpHttpRoute({ app, agents: config.agents, identities }));
  const client = new Client({ name: "bench", version: "1.0.0" });
  const connect = app.clusters[0]?.connect ?? fail("no cluster");
  const connector = uniqueName("bench-mcp-sink");
  const nowhere = new Writable({ write: (_chunk, _encoding, done) => done() });
  try {
    const topic = uniqueName("bench-mcp-topic");
    await createTopicWithMessages(testKafka(), topic, { partitions: 1, count: 10 });
    await connect.putConfig(connector, {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: topic,
      file: join(dir, "sink.txt"),
    });
    await eventually("the sink to run", async () =>
      (await connect.status(connector)).connector.state === "RUNNING" ? true : undefined,
    );
    await client.connect(
      new StreamableHTTPClientTransport(new URL("/mcp", server.url), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    const shell = async () => {
      const started = performance.now();
      if ((await runOnce(app.dispatcher, `status ${connector}`, nowhere)) !== 0)
        fail("status failed in the shell");
      return performance.now() - started;
    };
    const mcp = async () => {
      const started = performance.now();
      const result = await client.callTool({ name: "status", arguments: { connector } });
      if (result.isError === true) fail(`status failed over MCP: ${JSON.stringify(result.content)}`);
      return performance.now() - started;
    };
    // Warm-up: the JIT, the connections, the first audit appends.
    for (let i = 0; i < 20; i++) {
      await shell();
      await mcp();
    }
    const rounds: McpRound[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const shellMs: number[] = [];
      const mcpMs: number[] = [];
      // Interleaved, so that a slow moment of the shared worker falls on both alike.
      for (let i = 0; i < options.calls; i++) {
        shellMs.push(await shell());
        mcpMs.push(await mcp());
      }
      rounds.push({ shellMs, mcpMs });
    }
    return rounds;
  } finally {
    await client.close();
    await connect.deleteConnector(connector).catch(() => undefined);
    await server.close();
    await app.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  }
}

function fail(message: string): never {
  throw new Error(message);
}
