// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { commands } from "../commands/registry.js";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { parseWords, tokenize } from "../src/core/command-line.js";
import { mcpHttpRoute } from "../src/mcp/mcp-http.js";
import { mcpIdentities } from "../src/mcp/mcp-identity.js";
import { toolName } from "../src/mcp/mcp-tools.js";
import {
  createSlackClient,
  type RunningSlackAdapter,
  startSlackAdapter,
} from "../src/slack/slack-adapter.js";
import { approvalButtonValue, approveAction, SlackApprovalNotifier } from "../src/slack/slack-approvals.js";
import { SlackAccounts } from "../src/slack/slack-principals.js";
import { type RecordedCall, SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { SlackSimulator } from "./slack/slack-signer.js";
import { testRedis } from "./support/redis-prefix.js";
import { fileSinkThatRead, testBed, testKafka, uniqueName } from "./support/test-bed-env.js";

const botToken = "xoxb-mcp-token";
const signingSecret = "mcp-signing-secret";
const approvalsChannel = "C0APPROVALS";
const approver = { id: "U0APPR", name: "anna" };
const tokens = {
  claude: "claude-ops-token-0123456789abcdef0123456789",
  reader: "reader-bot-token-0123456789abcdef0123456789",
  unlimited: "unlimited-token-0123456789abcdef0123456789",
  scoped: "orders-only-token-0123456789abcdef0123456789",
  pauser: "pauser-bot-token-0123456789abcdef0123456789",
  pair: "two-at-once-token-0123456789abcdef0123456789",
};

/** The bed twice: `bed`, where approvals are off for people (no command waits, a rule approves all), and `elsewhere`. */
function configYaml(): string {
  const { connectUrl, bootstrapServers } = testBed();
  const cluster = (name: string) => `
  - name: ${name}
    ${name === "bed" ? "default: true" : ""}
    connect: { url: "${connectUrl}" }
    kafka: { brokers: ["${bootstrapServers}"] }
    roles: { approver: ["${approver.id}"] }
    approvals:
      required: []
      # A rule that would approve anything asked: it never approves an agent's proposal.
      autoApprove:
        - { name: anything, commands: [offsets reset, offsets set, offsets restore, stop, delete, config set, config restore, create], connectors: ["*"] }`;
  return `
approvalsChannel: ${approvalsChannel}
agents:
  - name: claude-ops
    tokenEnv: TOKEN_CLAUDE
    forPerson: Alice Ng
    roles: [{ cluster: bed, role: operator }]
    limits: { callsPerMinute: 1000, openProposals: 1 }
  - name: reader-bot
    tokenEnv: TOKEN_READER
    roles: [{ cluster: bed, role: viewer }]
    limits: { callsPerMinute: 3 }
  - name: orders-only
    tokenEnv: TOKEN_SCOPED
    roles: [{ cluster: bed, role: operator, connectors: ["orders-*"] }]
  - name: pauser
    tokenEnv: TOKEN_PAUSER
    forPerson: Bob Ray
    roles: [{ cluster: bed, role: operator }]
  - name: two-at-once
    tokenEnv: TOKEN_PAIR
    roles: [{ cluster: bed, role: operator }]
    limits: { callsPerMinute: 1000, openProposals: 2 }
  - name: every-tool
    tokenEnv: TOKEN_UNLIMITED
    roles: [{ cluster: bed, role: operator }]
    limits: { callsPerMinute: 1000, openProposals: 100 }
clusters:${cluster("bed")}${cluster("elsewhere")}
`;
}

const textOf = (call: RecordedCall) => `${String(call.args.text)} ${JSON.stringify(call.args.blocks ?? [])}`;
const text = (result: CallToolResult) =>
  result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
const structured = (result: CallToolResult) => (result.structuredContent ?? {}) as Record<string, unknown>;
const requestOf = (result: CallToolResult) =>
  (structured(result).request ?? assert.fail(`no request in ${text(result)}`)) as {
    id: string;
    state: string;
    link?: string;
    plan: string;
    moves?: { partition: string; before: number | null; after: number | null }[];
  };

describe("MCP over Streamable HTTP: agents diagnose and propose; only a person approves", () => {
  const { prefix, cleanup } = testRedis("mcp-http");
  const kafka = testKafka();
  let standIn: SlackApiStandIn;
  let app: App;
  let slack: RunningSlackAdapter;
  let dir: string;
  let mcpUrl: URL;
  const clients: Client[] = [];

  const connect = async (token: string): Promise<Client> => {
    const client = new Client({ name: "test-agent", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(mcpUrl, {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    clients.push(client);
    return client;
  };
  const call = (client: Client, name: string, args: Record<string, unknown>) =>
    client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
  const connectClient = () => app.clusters[0]?.connect ?? assert.fail("no cluster");

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "mcp-http-"));
    standIn = await SlackApiStandIn.start({ botToken, users: [{ id: approver.id, name: approver.name }] });
    const config = loadConfig(
      {
        CONFIG_FILE: "/mcp.yaml",
        LOG_LEVEL: "silent",
        TOKEN_CLAUDE: tokens.claude,
        TOKEN_READER: tokens.reader,
        TOKEN_UNLIMITED: tokens.unlimited,
        TOKEN_SCOPED: tokens.scoped,
        TOKEN_PAUSER: tokens.pauser,
        TOKEN_PAIR: tokens.pair,
        SLACK_BOT_TOKEN: botToken,
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_API_URL: standIn.apiUrl,
      },
      () => configYaml(),
    );
    const client = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    const identities = mcpIdentities(config.agents);
    app = createApp({
      config,
      keyPrefix: prefix,
      identities,
      approvalNotifier: ({ redis, keyPrefix }) =>
        new SlackApprovalNotifier({ client, redis, keyPrefix, channel: approvalsChannel }),
      accounts: new SlackAccounts(client),
    });
    await app.approvals.startWorker();
    slack = await startSlackAdapter({
      app,
      client,
      slack: { botToken, signingSecret },
      port: 0,
      // The per-minute count reads this clock: half past a minute, for the whole file.
      routes: [
        mcpHttpRoute({
          app,
          agents: config.agents,
          identities,
          now: () => Date.parse("2026-12-07T12:00:30Z"),
        }),
      ],
    });
    mcpUrl = new URL("/mcp", slack.operationsUrl);
  });
  after(async () => {
    for (const client of clients) await client.close();
    await slack.stop();
    await app.close();
    await standIn.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("no token or a wrong one: 401, nothing read, and the attempt is audited", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
    const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    const none = await fetch(mcpUrl, { method: "POST", headers, body });
    assert.equal(none.status, 401);
    assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
    const wrong = await fetch(mcpUrl, {
      method: "POST",
      headers: { ...headers, authorization: `Bearer ${tokens.claude}x` },
      body,
    });
    assert.equal(wrong.status, 401);
    assert.doesNotMatch(await wrong.text(), /tools|offsets/);
    await assert.rejects(connect("not-a-token-of-anyone-at-all-0000000000"), (error: { code?: number }) => {
      assert.equal(error.code, 401);
      return true;
    });
    const first = await app.audit.query({ actorId: "unknown", limit: 10 });
    assert.deepEqual(first.map((e) => [e.errorCode, e.detail]).reverse(), [
      ["UNAUTHENTICATED", "no bearer token"],
      ["UNAUTHENTICATED", "a token no agent has"],
      ["UNAUTHENTICATED", "a token no agent has"],
    ]);
    // A stream of bad tokens: every one is answered 401, ten a minute are audited, and one more says so.
    const flood = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(mcpUrl, { method: "POST", headers: { ...headers, authorization: "Bearer guess" }, body }),
      ),
    );
    assert.deepEqual(new Set(flood.map((r) => r.status)), new Set([401]));
    const audited = await app.audit.query({ actorId: "unknown", limit: 100 });
    assert.equal(audited.length, 11);
    assert.match(
      audited[0]?.detail ?? "",
      /over 10 refused this minute: the rest of the minute's are not audited one by one/,
    );
  });

  test("tools are the registry's commands: names, JSON Schema from the zod arguments, annotations from the risk", async () => {
    const { tools } = await (await connect(tokens.claude)).listTools();
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    for (const command of commands) assert.ok(byName.has(toolName(command)), `no tool for ${command.name}`);
    assert.equal(
      tools.length,
      commands.length + 2,
      "the registry's commands, approval_status and wait_for_outcome",
    );
    const reset = byName.get("offsets_reset") ?? assert.fail("no offsets_reset");
    assert.deepEqual(reset.inputSchema.required, ["connector", "reason"]);
    const properties = reset.inputSchema.properties as Record<string, Record<string, unknown>>;
    assert.equal(properties["to-offset"]?.type, "integer");
    assert.equal(properties["to-offset"]?.minimum, 0);
    assert.equal(properties["to-latest"]?.const, true);
    assert.equal(properties.reason?.description, "why (shown to the approver and kept in the audit)");
    assert.equal(properties.cluster?.type, "string");
    assert.ok(!JSON.stringify(reset.inputSchema).includes('"cli"'), "no command-line metadata in the schema");
    assert.equal(reset.annotations?.destructiveHint, true);
    assert.equal(reset.annotations?.readOnlyHint, false);
    assert.match(reset.description ?? "", /PROPOSES/);
    const status = byName.get("status") ?? assert.fail("no status");
    assert.equal(status.annotations?.readOnlyHint, true);
    assert.equal(status.annotations?.idempotentHint, true);
    assert.match(byName.get("pause")?.description ?? "", /For an agent this only PROPOSES/);
    assert.equal(byName.get("pause")?.annotations?.destructiveHint, false);
    assert.match(byName.get("loggers_set")?.description ?? "", /For an agent this only PROPOSES/);
    assert.match(byName.get("alerts_snooze")?.description ?? "", /Agents cannot run this/);
  });

  test("diagnose a sink, propose a reset; it waits for a person (approvals are off for people); approved in Slack, done with the real offsets", async () => {
    const agent = await connect(tokens.claude);
    const { connector, topic } = await fileSinkThatRead(connectClient(), kafka, dir, 10);

    const status = await call(agent, "status", { connector });
    assert.equal(status.isError, undefined, text(status));
    assert.match(text(status), new RegExp(`${connector}[\\s\\S]*RUNNING`));
    assert.equal(structured(status).outcome, "succeeded");
    const lag = await call(agent, "lag", { connector });
    assert.equal(lag.isError, undefined, text(lag));
    assert.match(text(lag), new RegExp(`${topic}`));

    const proposed = await call(agent, "offsets_reset", {
      connector,
      "to-offset": 4,
      reason: "replay the batch the agent found bad",
    });
    assert.equal(proposed.isError, undefined, text(proposed));
    const request = requestOf(proposed);
    assert.equal(request.state, "pending", "a proposal waits for a person whatever the policy says");
    assert.match(request.plan, new RegExp(`${topic}:0 +10 → 4`));
    assert.match(request.link ?? "", /^https:\/\//);
    assert.match(
      text(proposed),
      new RegExp(`agent claude-ops \\(for Alice Ng\\) proposes to reset the offsets of ${connector}`),
    );
    const message = await standIn.waitForCall(
      "chat.postMessage",
      (c) => c.args.channel === approvalsChannel && textOf(c).includes(request.id),
    );
    assert.match(textOf(message), /Proposed by/);
    assert.match(textOf(message), /agent claude-ops \(for Alice Ng\)/);
    assert.match(textOf(message), /replay the batch the agent found bad/);
    assert.equal(
      standIn.calls.filter((c) => c.args.channel === "agent:claude-ops").length,
      0,
      "no DM to an agent",
    );

    // The agent may not decide, nor open a second proposal while this one is open.
    for (const [tool, args] of [
      ["approve", { request: request.id }],
      ["deny", { request: request.id, reason: "changed my mind" }],
      ["cancel", { request: request.id }],
    ] as const) {
      const refused = await call(agent, tool, args);
      assert.equal(refused.isError, true, `${tool}: ${text(refused)}`);
      assert.match(
        text(refused),
        new RegExp(`\`${tool}\` changes state without a person approving it first`),
      );
    }
    const second = await call(agent, "stop", { connector: uniqueName("other"), reason: "one more" });
    assert.equal(second.isError, true);
    assert.match(
      text(second),
      new RegExp(`may have 1 proposal\\(s\\) open at once and has 1 \\(${request.id}\\)`),
    );
    const waited = await call(agent, "wait_for_outcome", { id: request.id, timeout_seconds: 1 });
    assert.equal(requestOf(waited).state, "pending");
    assert.match(text(waited), /Still pending after 1 s/);
    assert.equal((await connectClient().offsets(connector)).offsets[0]?.offset?.kafka_offset, 10);

    // A person approves with the message's button (a signed block_actions).
    const simulator = new SlackSimulator(slack.url, signingSecret);
    const stored = (await app.approvals.get(request.id)) ?? assert.fail("no request");
    const clicked = await simulator.buttonClick({
      userId: approver.id,
      userName: approver.name,
      actionId: approveAction,
      value: approvalButtonValue(stored),
      channelId: approvalsChannel,
      messageTs: "1764000000.000100",
      responseUrl: standIn.responseUrl(),
    });
    assert.equal(clicked.status, 200);

    const outcome = await call(agent, "wait_for_outcome", { id: request.id, timeout_seconds: 50 });
    const done = requestOf(outcome);
    assert.equal(done.state, "succeeded", text(outcome));
    assert.deepEqual(
      done.moves?.map((move) => [move.partition, move.before, move.after]),
      [[`${topic}:0`, 10, 4]],
    );
    assert.match(text(outcome), /is done/);
    assert.equal((await connectClient().offsets(connector)).offsets[0]?.offset?.kafka_offset, 4);
    const status2 = await call(agent, "approval_status", { id: request.id });
    assert.equal(requestOf(status2).state, "succeeded");

    const audit = await call(agent, "audit", { user: "agent:claude-ops", limit: 100 });
    assert.match(text(audit), /agent claude-ops \(for Alice Ng\) +bed +offsets reset/);
    assert.match(text(audit), /approve .*refused/);
  });

  test("refusals: outside its connector scope or its clusters, bad arguments with their path, over the calls-per-minute limit", async () => {
    // Granted on orders-* only: a real sink outside that is neither read nor proposed on, nor listed.
    const scoped = await connect(tokens.scoped);
    const { connector } = await fileSinkThatRead(connectClient(), kafka, dir, 3);
    const outside = await call(scoped, "status", { connector });
    assert.equal(outside.isError, true);
    assert.match(text(outside), new RegExp(`needs the viewer role on ${connector}`));
    const proposal = await call(scoped, "stop", { connector, reason: "not mine to stop" });
    assert.equal(proposal.isError, true);
    assert.match(text(proposal), new RegExp(`needs the operator role on ${connector}`));
    assert.doesNotMatch(text(await call(scoped, "list", {})), new RegExp(connector));
    assert.equal((await app.approvals.recent(50)).filter((r) => r.connector === connector).length, 0);

    const agent = await connect(tokens.claude);
    const elsewhere = await call(agent, "list", { cluster: "elsewhere" });
    assert.equal(elsewhere.isError, true);
    assert.match(text(elsewhere), /needs the viewer role on cluster elsewhere; you have no role there/);

    const negative = await call(agent, "offsets_reset", {
      connector: "x",
      "to-offset": -3,
      reason: "why not",
    });
    assert.equal(negative.isError, true);
    assert.match(text(negative), /--to-offset: Too small/);
    const shaped = await call(agent, "offsets_reset", {
      connector: "x",
      "to-offset": { at: 3 },
      reason: "why",
    });
    assert.match(text(shaped), /^to-offset: expected a string, a number or true, not object/);
    const unknown = await call(agent, "status", { connector: "x", color: "blue" });
    assert.match(text(unknown), /takes no argument color/);

    const reader = await connect(tokens.reader);
    const answers: CallToolResult[] = [];
    for (let i = 0; i < 4; i++) answers.push(await call(reader, "clusters", {}));
    assert.deepEqual(
      answers.map((a) => a.isError === true),
      [false, false, false, true],
    );
    const over = answers[3] ?? assert.fail();
    assert.match(
      text(over),
      /may make 3 calls a minute and this is call 4 this minute\. Retry after 30 s \(12:01:00 UTC\)/,
    );
    assert.equal(structured(over).retryAfterSeconds, 30);
    const audited = await app.audit.query({ actorId: "agent:reader-bot", limit: 10 });
    assert.equal(audited[0]?.errorCode, "RATE_LIMITED");
  });

  test("every state-changing tool, with approvals off for people: nothing executes; what proposes waits for a person", async () => {
    const agent = await connect(tokens.unlimited);
    const { connector, topic } = await fileSinkThatRead(connectClient(), kafka, dir, 6);
    const before = await connectClient().status(connector);
    const changing = commands.filter((command) => command.risk !== "read");
    assert.ok(changing.length >= 15, "every command that changes state is tried");
    const filed: string[] = [];
    for (const command of changing) {
      // The command's first example, about the real sink: valid arguments, so only the rule can refuse it.
      const example = (command.examples[0] ?? assert.fail(`${command.name} has no example`))
        .replaceAll("old-orders-sink", connector)
        .replaceAll("orders-sink", connector)
        .replaceAll("orders:", `${topic}:`);
      const words = tokenize(example).slice(command.name.split(" ").length);
      const parsed = parseWords(words, command.flags);
      const args: Record<string, unknown> = { ...parsed.flags };
      command.positionals.forEach((positional, i) => {
        args[positional.name] = positional.variadic
          ? parsed.positionals.slice(i).join(" ")
          : parsed.positionals[i];
      });
      // What acts at once for a person is proposed by an agent, with its intent as the reason.
      if (command.proposable) args.reason ??= "the agent's intent";
      const result = await call(agent, toolName(command), args);
      if (command.proposes || command.proposable) {
        const asked = structured(result).request as { id: string; state: string } | undefined;
        // Filed: it waits for a person (denied here, to free the connector). Not filed: refused, or nothing to change.
        if (asked !== undefined) {
          filed.push(command.name);
          assert.equal(asked.state, "pending", `${command.name} must wait for a person`);
          await app.approvals.decide(asked.id, { ...approver, source: "slack" }, "deny", "test");
        }
      } else {
        assert.equal(result.isError, true, `${command.name} ran for an agent: ${text(result)}`);
        assert.match(text(result), /an agent cannot run it/);
      }
    }
    for (const proposed of ["stop", "delete", "pause", "restart", "topics reset", "loggers set"])
      assert.ok(filed.includes(proposed), `filed: ${filed.join(", ")}`);
    const afterwards = await connectClient().status(connector);
    assert.equal(afterwards.connector.state, before.connector.state);
    assert.deepEqual(await connectClient().connectorTopics(connector), [topic], "its topics were not reset");
    const logger = "org.apache.kafka.connect.runtime.WorkerSinkTask";
    assert.equal(await app.automation.logLevels.openChange("bed", logger), undefined, "no level was set");
    assert.equal((await connectClient().offsets(connector)).offsets[0]?.offset?.kafka_offset, 6);
    const entries = await app.audit.query({ actorId: "agent:every-tool", limit: 100 });
    const ran = entries.filter(
      (e) =>
        e.outcome === "succeeded" &&
        !commands.some((c) => c.name === e.command && (c.proposes || c.proposable || c.risk === "read")),
    );
    assert.deepEqual(ran, [], "no state-changing command succeeded for the agent");
  });
  test("an agent's pause is a proposal: nothing pauses until a person approves it in Slack, then it is PAUSED; the audit names the agent, then the person", async () => {
    const agent = await connect(tokens.pauser);
    const { connector } = await fileSinkThatRead(connectClient(), kafka, dir, 2);

    const unexplained = await call(agent, "pause", { connector });
    assert.equal(unexplained.isError, true);
    assert.match(text(unexplained), new RegExp(`Proposing \`pause ${connector}\` needs --reason`));

    const proposed = await call(agent, "pause", { connector, reason: "it floods the downstream API" });
    assert.equal(proposed.isError, undefined, text(proposed));
    const request = requestOf(proposed);
    assert.equal(request.state, "pending");
    assert.match(text(proposed), new RegExp(`agent pauser \\(for Bob Ray\\) proposes to pause ${connector}`));
    assert.match(request.plan, new RegExp(`${connector} +RUNNING +tasks 0`));
    const message = await standIn.waitForCall(
      "chat.postMessage",
      (c) => c.args.channel === approvalsChannel && textOf(c).includes(request.id),
    );
    assert.match(textOf(message), /Proposed by/);
    assert.match(textOf(message), /agent pauser \(for Bob Ray\)/);
    assert.match(textOf(message), /it floods the downstream API/);
    assert.equal((await connectClient().status(connector)).connector.state, "RUNNING", "nothing paused yet");

    const simulator = new SlackSimulator(slack.url, signingSecret);
    const stored = (await app.approvals.get(request.id)) ?? assert.fail("no request");
    // Whoever approves must hold the role there that running it would need: someone without it is refused.
    const noRole = standIn.responseUrl();
    await simulator.buttonClick({
      userId: "U0NOROLE",
      userName: "norm",
      actionId: approveAction,
      value: approvalButtonValue(stored),
      channelId: approvalsChannel,
      messageTs: "1764000000.000200",
      responseUrl: noRole,
    });
    const refusal = await standIn.waitForCall("response_url", (c) => c.url === noRole);
    assert.match(textOf(refusal), /Approving .*approver role/);
    assert.equal((await app.approvals.get(request.id))?.state, "pending");
    const clicked = await simulator.buttonClick({
      userId: approver.id,
      userName: approver.name,
      actionId: approveAction,
      value: approvalButtonValue(stored),
      channelId: approvalsChannel,
      messageTs: "1764000000.000200",
      responseUrl: standIn.responseUrl(),
    });
    assert.equal(clicked.status, 200);
    const outcome = await call(agent, "wait_for_outcome", { id: request.id, timeout_seconds: 50 });
    assert.equal(requestOf(outcome).state, "succeeded", text(outcome));
    assert.equal((await connectClient().status(connector)).connector.state, "PAUSED");

    const trail = (await app.audit.query({ connector, limit: 50 })).toReversed();
    const who = trail.map((entry) => [entry.actorId, entry.command, entry.outcome]);
    const proposedAt = who.findIndex(([id, command]) => id === "agent:pauser" && command === "pause");
    const approvedAt = who.findIndex(([id, , outcome]) => id === approver.id && outcome === "approved");
    assert.ok(proposedAt >= 0 && approvedAt > proposedAt, `agent, then person: ${JSON.stringify(who)}`);
    assert.ok(
      trail.every((entry) => entry.actorId !== "agent:pauser" || entry.outcome !== "approved"),
      "the agent approved nothing",
    );
  });

  test("an agent's loggers set, loggers reset and topics reset are proposals: nothing changes until a person approves in Slack, then exactly that runs", async () => {
    const agent = await connect(tokens.pauser);
    const simulator = new SlackSimulator(slack.url, signingSecret);
    const click = async (id: string, person: { id: string; name: string }) => {
      const stored = (await app.approvals.get(id)) ?? assert.fail(`no request ${id}`);
      const message = await standIn.waitForCall(
        "chat.postMessage",
        (c) => c.args.channel === approvalsChannel && textOf(c).includes(id),
      );
      // The person decides on what will run: the sealed plan is in the message they click.
      assert.ok(textOf(message).includes(stored.planSummary.slice(0, 40)), textOf(message));
      const responseUrl = standIn.responseUrl();
      await simulator.buttonClick({
        userId: person.id,
        userName: person.name,
        actionId: approveAction,
        value: approvalButtonValue(stored),
        channelId: approvalsChannel,
        messageTs: "1764000000.000300",
        responseUrl,
      });
      return responseUrl;
    };
    const approved = async (id: string) => {
      await click(id, approver);
      const outcome = await call(agent, "wait_for_outcome", { id, timeout_seconds: 50 });
      assert.equal(requestOf(outcome).state, "succeeded", text(outcome));
      return text(outcome);
    };
    const levelOf = async (name: string) =>
      (await app.automation.logLevels.list("bed", "mcp-http-levels"))[name]?.level;
    // A logger no other test of the shared bed sets.
    const logger = "org.apache.kafka.connect.runtime.errors.LogReporter";
    const was = await levelOf(logger);

    const set = await call(agent, "loggers_set", {
      logger,
      level: "debug",
      for: "10m",
      reason: "why are commits slow",
    });
    assert.equal(set.isError, undefined, text(set));
    const setRequest = requestOf(set);
    assert.equal(setRequest.state, "pending");
    assert.match(text(set), new RegExp(`agent pauser \\(for Bob Ray\\) proposes to set ${logger} to DEBUG`));
    assert.match(
      setRequest.plan,
      new RegExp(`Set ${logger} to DEBUG on bed \\(the worker at the cluster's URL\\) for 10 min`),
    );
    const noRole = await click(setRequest.id, { id: "U0NOROLE", name: "norm" });
    assert.match(textOf(await standIn.waitForCall("response_url", (c) => c.url === noRole)), /approver role/);
    assert.equal(await levelOf(logger), was, "nothing changes before a person approves");

    assert.match(
      await approved(setRequest.id),
      new RegExp(`${logger} is DEBUG on .+ for 10 min; it goes back to`),
    );
    assert.equal(await levelOf(logger), "DEBUG");
    const change =
      (await app.automation.logLevels.openChange("bed", logger)) ?? assert.fail("no open change");
    assert.equal(change.level, "DEBUG");
    assert.equal(change.by.id, "agent:pauser", "the change is the agent's, as proposed");
    assert.ok(
      change.until > Date.now() + 9 * 60_000,
      "it goes back when its time runs out, as the typed one would",
    );

    const unexplained = await call(agent, "loggers_reset", { logger });
    assert.match(text(unexplained), /needs --reason/);
    const reset = await call(agent, "loggers_reset", { logger, reason: "found it" });
    const resetRequest = requestOf(reset);
    assert.equal(await levelOf(logger), "DEBUG", "still DEBUG until a person approves the reset");
    await approved(resetRequest.id);
    assert.equal(await app.automation.logLevels.openChange("bed", logger), undefined);
    assert.equal(await levelOf(logger), Object.values(change.before)[0], "back to the level it had");

    const { connector, topic } = await fileSinkThatRead(connectClient(), kafka, dir, 1);
    const topics = await call(agent, "topics_reset", { connector, reason: "orders-v1 was migrated away" });
    const topicsRequest = requestOf(topics);
    assert.match(topicsRequest.plan, new RegExp(`it holds ${topic} now`));
    assert.deepEqual(await connectClient().connectorTopics(connector), [topic], "nothing reset yet");
    assert.match(await approved(topicsRequest.id), new RegExp(`it held ${topic}`));
    assert.deepEqual(await connectClient().connectorTopics(connector), []);

    for (const [name, command] of [
      [logger, "loggers set"],
      [logger, "loggers reset"],
      [connector, "topics reset"],
    ] as const) {
      const who = (await app.audit.query({ connector: name, limit: 50 }))
        .toReversed()
        .filter((entry) => entry.command.startsWith(command))
        .map((entry) => [entry.actorId, entry.outcome]);
      const proposedAt = who.findIndex(([id]) => id === "agent:pauser");
      const approvedAt = who.findIndex(([id, outcome]) => id === approver.id && outcome === "approved");
      assert.ok(
        proposedAt >= 0 && approvedAt > proposedAt,
        `${command}: agent, then person: ${JSON.stringify(who)}`,
      );
    }
  });

  test("the open-proposal limit holds under concurrent calls: of six proposals at once, two are filed", async () => {
    const agent = await connect(tokens.pair);
    const names = Array.from({ length: 6 }, () => uniqueName("planned"));
    const results = await Promise.all(
      names.map((name) =>
        call(agent, "create", {
          name,
          settings: `connector.class=FileStreamSink topics=${name} file=${join(dir, `${name}.txt`)}`,
          stopped: true,
          reason: "a new export the agent drafted",
        }),
      ),
    );
    const filed = results.filter((result) => structured(result).request !== undefined);
    const refused = results.filter((result) => structured(result).limit === "open-proposals");
    assert.equal(filed.length, 2, results.map(text).join("\n---\n"));
    assert.equal(refused.length, 4);
    assert.match(text(refused[0] ?? assert.fail()), /may have 2 proposal\(s\) open at once and has 2/);
    const open = (await app.approvals.recent(100)).filter((r) => r.requester.id === "agent:two-at-once");
    assert.equal(open.length, 2);

    // A person decides one: its place is free again, and the next proposal is filed.
    const [first] = open;
    await app.approvals.decide(first?.id ?? assert.fail(), { ...approver, source: "slack" }, "deny", "no");
    const next = await call(agent, "create", {
      name: uniqueName("planned"),
      settings: `connector.class=FileStreamSink topics=t file=${join(dir, "next.txt")}`,
      stopped: true,
      reason: "a new export the agent drafted",
    });
    assert.equal(requestOf(next).state, "pending", text(next));
  });
});
