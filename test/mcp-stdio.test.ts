// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { Redis } from "ioredis";
import { commands } from "../commands/registry.js";
import { ConnectClient } from "../src/connect/connect-client.js";
import { fileSinkThatRead, testBed, testKafka } from "./support/test-bed-env.js";

/**
 * `npm start -- --mcp` as a desktop agent starts it. The entry point takes no key prefix, so it gets a Redis
 * database of its own (13), emptied of its keys afterwards.
 */
const database = 13;
const text = (result: CallToolResult) =>
  result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");

describe("MCP over stdio: the real entry point, as the local operator's agent", () => {
  const kafka = testKafka();
  const connect = new ConnectClient({ cluster: "bed", url: testBed().connectUrl });
  const redis = new Redis(`redis://127.0.0.1:6379/${database}`, { maxRetriesPerRequest: 2 });
  let client: Client;
  let dir: string;
  let stderr = "";

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "mcp-stdio-"));
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ["--import", "tsx", "src/main.ts", "--mcp"],
      cwd: new URL("..", import.meta.url).pathname,
      env: {
        PATH: process.env.PATH ?? "",
        CONNECT_URL: testBed().connectUrl,
        KAFKA_BROKERS: testBed().bootstrapServers,
        REDIS_URL: `redis://127.0.0.1:6379/${database}`,
        // Off for people: an agent's proposal still waits for one.
        APPROVALS_REQUIRED: "none",
      },
      stderr: "pipe",
    });
    transport.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    client = new Client({ name: "desktop-agent", version: "1.0.0" });
    await client.connect(transport);
  });
  after(async () => {
    await client.close();
    await connect.close();
    const keys = await redis.keys("connect-ops:*");
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  test("tools, status and lag on a real sink; offsets_reset is a proposal that waits; approve is refused", async () => {
    const { tools } = await client.listTools();
    assert.equal(tools.length, commands.length + 2, stderr);
    const { connector, topic } = await fileSinkThatRead(connect, kafka, dir, 5);
    const status = (await client.callTool({ name: "status", arguments: { connector } })) as CallToolResult;
    assert.match(text(status), /RUNNING/, stderr);
    const lag = (await client.callTool({ name: "lag", arguments: { connector } })) as CallToolResult;
    assert.match(text(lag), new RegExp(topic));

    const proposed = (await client.callTool({
      name: "offsets_reset",
      arguments: { connector, "to-earliest": true, reason: "replay everything once" },
    })) as CallToolResult;
    const request = (proposed.structuredContent as { request?: { id: string; state: string } }).request;
    assert.equal(request?.state, "pending", text(proposed));
    assert.match(text(proposed), /agent stdio \(for [^)]+\) proposes to reset the offsets/);
    assert.match(text(proposed), new RegExp(`approve ${request?.id}`));

    const approve = (await client.callTool({
      name: "approve",
      arguments: { request: request?.id },
    })) as CallToolResult;
    assert.equal(approve.isError, true);
    assert.match(text(approve), /an agent cannot run it/);
    assert.equal((await connect.offsets(connector)).offsets[0]?.offset?.kafka_offset, 5);
  });
});
