// needs: pure
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { destructiveCommands } from "../../approvals/approval-entries.js";
import { commands } from "../../commands/registry.js";
import { type AgentConfig, loadConfig } from "../../src/config/index.js";
import { defineCommand, flag, positional } from "../../src/core/command-spec.js";
import type { ConnectorOverview } from "../../src/core/ports.js";
import { reply } from "../../src/core/reply.js";
import { agentActor, mcpIdentities } from "../../src/mcp/mcp-identity.js";
import { createMcpServer } from "../../src/mcp/mcp-server.js";
import { fakeBot } from "./fakes.js";

const agent: AgentConfig = {
  name: "claude-ops",
  token: "t".repeat(40),
  roles: [{ cluster: "prod", role: "viewer" }],
  limits: { callsPerMinute: 100, openProposals: 1 },
};

/** An SDK client talking to the MCP server over an in-memory pair, as the agent `agent`. */
async function clientOf(
  options: Parameters<typeof fakeBot>[1] = {},
  answers: Parameters<typeof fakeBot>[0] = {},
) {
  const identities = mcpIdentities([agent]);
  const bot = fakeBot(answers, { ...options, identities });
  const server = createMcpServer({
    host: {
      dispatcher: bot.dispatcher,
      approvals: { get: async () => undefined, awaitOutcome: async () => undefined },
      audit: bot.audit,
      approvalLink: async () => undefined,
    },
    actor: agentActor(agent),
    identities,
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "fast", version: "1.0.0" });
  await client.connect(clientSide);
  return { client, bot };
}

const text = (result: CallToolResult) =>
  result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");

describe("MCP tools come from the command registry", () => {
  test("a command added to the registry is a tool, with its schema and annotations, and runs through the dispatcher", async () => {
    const echo = defineCommand({
      name: "echo words",
      summary: "Say the words back.",
      examples: ["echo words hello --times 2"],
      args: z.object({
        words: positional(z.string().min(1), "what to say"),
        times: flag(z.coerce.number().int().min(1).max(3).default(1), "how often", { valueName: "N" }),
      }),
      role: "viewer",
      risk: "read",
      run: async (_context, { words, times }) => reply(Array(times).fill(words).join(" ")),
    });
    const before = await (await clientOf()).client.listTools();
    assert.ok(!before.tools.some((tool) => tool.name === "echo_words"));
    const { client } = await clientOf({ commands: [...commands, echo] });
    const { tools } = await client.listTools();
    assert.equal(tools.length, before.tools.length + 1);
    const tool = tools.find((t) => t.name === "echo_words") ?? assert.fail("no echo_words tool");
    assert.deepEqual(tool.inputSchema.required, ["words"]);
    assert.deepEqual((tool.inputSchema.properties as Record<string, unknown>).times, {
      default: 1,
      description: "how often",
      type: "integer",
      minimum: 1,
      maximum: 3,
    });
    assert.equal(tool.annotations?.readOnlyHint, true);
    const said = (await client.callTool({
      name: "echo_words",
      arguments: { words: "hi", times: 2 },
    })) as CallToolResult;
    assert.equal(text(said), "hi hi");
    const bad = (await client.callTool({
      name: "echo_words",
      arguments: { words: "hi", times: 9 },
    })) as CallToolResult;
    assert.equal(bad.isError, true);
    assert.match(text(bad), /--times: Too big: expected number to be <=3/);
  });

  test("a read that answers more than 40,000 characters reaches the agent cut, saying so, its summary kept", async () => {
    const dump = defineCommand({
      name: "dump",
      summary: "Everything at once.",
      examples: ["dump"],
      args: z.object({}),
      role: "viewer",
      risk: "read",
      run: async () =>
        reply("200 lines", [{ kind: "code", text: Array(200).fill("x".repeat(400)).join("\n") }]),
    });
    const { client } = await clientOf({ commands: [...commands, dump] });
    const answer = (await client.callTool({ name: "dump", arguments: {} })) as CallToolResult;
    assert.ok(text(answer).length < 40_200, `${text(answer).length} characters`);
    assert.match(text(answer), /… cut at 40000 characters: ask for less/);
    assert.deepEqual(answer.structuredContent, { outcome: "succeeded", summary: "200 lines", cut: true });
  });

  test("list on 5,000 connectors answers a page and a cursor; the cursor gives the next page", async () => {
    const many: ConnectorOverview[] = Array.from({ length: 5000 }, (_, i) => ({
      name: `conn-${String(i).padStart(5, "0")}`,
      type: "sink",
      config: {},
      state: "RUNNING",
      workerId: "w:8083",
      tasks: [],
    }));
    const { client } = await clientOf({}, { connect: { listConnectors: async () => [...many].reverse() } });
    const first = (await client.callTool({ name: "list", arguments: {} })) as CallToolResult;
    assert.ok(text(first).length < 8_000, `a page, not all: ${text(first).length} characters`);
    assert.ok(JSON.stringify(first.structuredContent).length < 16_000);
    const cursor = (first.structuredContent as { nextCursor?: string }).nextCursor;
    assert.equal(cursor, "conn-00039");
    assert.match(text(first), /… and 4960 more: the next page: list --after conn-00039/);
    const second = (await client.callTool({ name: "list", arguments: { after: cursor } })) as CallToolResult;
    assert.match(text(second), /conn-00040/);
    assert.doesNotMatch(text(second), /^conn-00039 /m);
    const last = (await client.callTool({
      name: "list",
      arguments: { after: "conn-04990" },
    })) as CallToolResult;
    assert.equal((last.structuredContent as { nextCursor?: string }).nextCursor, undefined);
    assert.match(text(last), /conn-04999/);
  });
});

test("the commands that propose are exactly those the approvals carry: an agent reaches no other change", () => {
  const names = new Set(commands.map((command) => command.name));
  assert.deepEqual(
    commands
      .filter((command) => command.proposes)
      .map((command) => command.name)
      .sort(),
    [...destructiveCommands].filter((entry) => names.has(entry)).sort(),
  );
  // `bulk` is the kind pause, resume and restart file: what an agent's call of one of them becomes.
  assert.deepEqual(
    destructiveCommands.filter((entry) => !names.has(entry)),
    ["bulk"],
  );
  // Their agent's calls become requests too, under no entry a policy can waive: an agent's request always waits.
  assert.deepEqual(
    commands.filter((command) => command.proposable).map((command) => command.name),
    ["pause", "resume", "restart", "topics reset", "loggers set", "loggers reset"],
  );
  for (const command of commands.filter((c) => c.proposes))
    assert.ok(
      command.flags.reason?.required === true,
      `${command.name}: the agent's stated intent is the request's reason`,
    );
});

describe("agents in the config file", () => {
  const file = (agents: string) => () =>
    `
agents:
${agents}
clusters:
  - name: prod
    connect: { url: "http://127.0.0.1:1" }
    kafka: { brokers: ["127.0.0.1:2"] }
`;
  const long = "x".repeat(40);
  const load = (agents: string, env: Record<string, string> = {}) =>
    loadConfig({ CONFIG_FILE: "/agents.yaml", ...env }, file(agents));

  test("each agent's token, roles and limits are read; a wrong one stops the bot saying which and how to fix it", () => {
    const [agent] = load(
      "  - { name: claude-ops, tokenEnv: T1, roles: [{ cluster: prod, role: operator }] }",
      {
        T1: long,
      },
    ).agents;
    assert.deepEqual(agent, {
      name: "claude-ops",
      token: long,
      roles: [{ cluster: "prod", role: "operator" }],
      limits: { callsPerMinute: 60, openProposals: 3 },
    });
    assert.throws(
      () => load("  - { name: a, tokenEnv: T1 }"),
      /Agent "a": tokenEnv names T1, but that variable is not set/,
    );
    assert.throws(
      () => load("  - { name: a, tokenEnv: T1 }", { T1: "short" }),
      /has 5 characters; use at least 32/,
    );
    assert.throws(
      () => load("  - { name: a, tokenEnv: T1 }\n  - { name: b, tokenEnv: T2 }", { T1: long, T2: long }),
      /Agent "b": its token is another agent's/,
    );
    assert.throws(
      () => load("  - { name: a, tokenEnv: T1, roles: [{ cluster: staging, role: viewer }] }", { T1: long }),
      /roles names cluster "staging", which is not configured \(prod\)/,
    );
    assert.throws(
      () => load("  - { name: a, tokenEnv: T1, roles: [{ cluster: prod, role: approver }] }", { T1: long }),
      /expected one of "viewer"\|"operator"\n {2}→ at agents\[0\]\.roles\[0\]\.role/,
    );
  });
});
