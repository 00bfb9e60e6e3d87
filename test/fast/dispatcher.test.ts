// needs: pure
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { commands } from "../../commands/registry.js";
import { actor, fakeBot } from "./fakes.js";
import { assertRefused } from "./refusals.js";

const otto = actor("otto");
const usage = { command: "(unknown)", errorCode: "USAGE" } as const;

describe("the dispatcher refuses before any command runs, says why, and audits the refusal", () => {
  test("an unknown command, with the closest name", async () => {
    await assertRefused(fakeBot(), otto, "restrat orders", {
      says: /^Unknown command `restrat orders`\. Did you mean `restart`\? Type `help` for the list\.$/,
      ...usage,
    });
  });

  test("a line longer than 2000 characters", async () => {
    await assertRefused(fakeBot(), otto, `status ${"x".repeat(2100)}`, {
      says: /^That command is 2107 characters long; the most is 2000\.$/,
      ...usage,
    });
  });

  test("an invisible control character (a bidirectional override can disguise a name)", async () => {
    await assertRefused(fakeBot(), otto, "status orders\u202Exe", {
      says: /invisible control character \(U\+202E\); type it again without it/,
      ...usage,
    });
  });

  test("a quote not closed", async () => {
    await assertRefused(fakeBot(), otto, 'status "orders', {
      says: /^A quote \(.\) is not closed\.$/,
      ...usage,
    });
  });

  test("an argument too many, with the usage", async () => {
    await assertRefused(fakeBot(), otto, "status orders extra", {
      says: /^Unexpected argument `extra`\.\nUsage: `status <connector>`$/,
      command: "status",
      errorCode: "USAGE",
    });
  });

  test("a missing argument, named", async () => {
    await assertRefused(fakeBot(), otto, "status", {
      says: /^Missing <connector>: the connector's name\.\nUsage: `status <connector>`$/,
      command: "status",
      errorCode: "USAGE",
    });
  });

  test("a missing required flag, with why it is required", async () => {
    await assertRefused(fakeBot(), otto, "stop orders", {
      says: /^--reason is required: it is shown to the approver and kept in the audit\./,
      command: "stop",
      errorCode: "USAGE",
    });
  });

  test("an unknown flag, and a flag given twice", async () => {
    await assertRefused(fakeBot(), otto, "status orders --force", {
      says: /^Unknown option --force\.\nUsage: `status <connector>`$/,
      command: "status",
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), otto, "list --state failed --state running", {
      says: /^--state is given twice\./,
      command: "list",
      errorCode: "USAGE",
    });
  });

  test("an unknown cluster, with the configured ones", async () => {
    await assertRefused(fakeBot(), otto, "status orders --cluster nope", {
      says: /^Unknown cluster `nope`\. Configured: prod, staging\.$/,
      command: "status",
      errorCode: "USAGE",
    });
  });

  test("no cluster named and none is the default", async () => {
    await assertRefused(fakeBot({}, { noDefaultCluster: true }), otto, "status orders", {
      says: /^Several clusters are configured and none is the default: name one with `--cluster` \(prod, staging\)\.$/,
      command: "status",
      errorCode: "USAGE",
    });
  });

  test("a role too low on the cluster: the needed role and the one held", async () => {
    await assertRefused(fakeBot(), actor("vera"), "restart orders", {
      says: /^`restart` needs the operator role on cluster prod; you have the viewer role\. Ask an admin/,
      command: "restart",
      errorCode: "FORBIDDEN",
    });
    await assertRefused(fakeBot(), otto, "restart orders --cluster staging", {
      says: /^`restart` needs the operator role on cluster staging; you have the viewer role\./,
      command: "restart",
      errorCode: "FORBIDDEN",
    });
  });

  test("identity fails closed: no role, and an adapter with no identity registered gives nobody one", async () => {
    await assertRefused(fakeBot(), actor("sam"), "status orders", {
      says: /^`status` needs the viewer role on cluster prod; you have no role there\./,
      command: "status",
      errorCode: "FORBIDDEN",
    });
    await assertRefused(fakeBot(), actor("otto", "web"), "status orders", {
      says: /^`status` needs the viewer role on cluster prod; you have no role there\./,
      command: "status",
      errorCode: "FORBIDDEN",
    });
  });

  test("a structured call (a button) to an unknown command, or with an argument the command does not take", async () => {
    await assertRefused(
      fakeBot(),
      otto,
      { command: "restrat", args: {} },
      {
        says: /^Unknown command `restrat`\. Type `help` for the list\.$/,
        ...usage,
      },
    );
    await assertRefused(
      fakeBot(),
      otto,
      { command: "status", args: { connector: "orders", force: true } },
      {
        says: /^`status` takes no argument force\.\nUsage: `status <connector>`$/,
        command: "status",
        errorCode: "USAGE",
      },
    );
  });

  test("a structured call's arguments go through the command's schema like typed words", async () => {
    await assertRefused(
      fakeBot(),
      otto,
      { command: "status", args: { connector: "orders\u0007" } },
      {
        says: /^<connector>: a connector name cannot hold control characters\n/,
        command: "status",
        errorCode: "USAGE",
      },
    );
  });

  test("while the store is down: said at once, nothing runs, nothing reaches a port", async () => {
    const bot = fakeBot({}, { storeOutage: "Redis at 127.0.0.1:6379 does not answer." });
    const { reply, text } = await bot.run(otto, "restart orders");
    assert.equal(reply.outcome, "failed");
    assert.equal(text, "Redis at 127.0.0.1:6379 does not answer.");
    assert.deepEqual(bot.calls, []);
    assert.equal(bot.audit.entries.length, 0);
  });

  test("a failing port is told in words by its code, and audited as failed", async () => {
    const bot = fakeBot({
      connect: {
        status: async () => {
          throw Object.assign(new Error("not found"), {
            code: "CONNECT_NOT_FOUND",
            cluster: "prod",
            url: "http://connect:8083",
            operation: "GET /connectors/ghost/status",
            reason: "Connector ghost not found",
          });
        },
      },
    });
    const { reply, text } = await bot.run(otto, "status ghost");
    assert.equal(reply.outcome, "failed");
    assert.equal(
      text,
      "Not found on cluster prod: Connector ghost not found. `list` shows the connectors there.",
    );
    assert.deepEqual(bot.calls, ["connect.status"]);
    assert.equal(bot.audit.entries.at(-1)?.errorCode, "CONNECT_NOT_FOUND");
  });

  test("Kafka's failures are told by their code too: a gone topic, the client's own errors, never INTERNAL", async () => {
    const sink = {
      name: "orders",
      config: { "connector.class": "x", topics: "orders" },
      tasks: [],
      type: "sink",
    } as const;
    const failing = (error: Error) =>
      fakeBot({
        connect: { info: async () => sink, listConnectors: async () => [] },
        lag: {
          lag: async () => {
            throw error;
          },
        },
      });
    const gone = Object.assign(new Error("topic orders does not exist (deleted?)"), {
      code: "KAFKA_TOPIC_GONE",
      topic: "orders",
    });
    const goneBot = failing(gone);
    const told = await goneBot.run(otto, "lag orders");
    assert.equal(told.reply.outcome, "failed");
    assert.match(told.text, /Kafka has no topic orders \(deleted, or never created\)/);
    assert.equal(goneBot.audit.entries.at(-1)?.errorCode, "KAFKA_TOPIC_GONE");

    const busy = Object.assign(new Error("Request timed out"), { code: "PLT_KFK_NETWORK", canRetry: true });
    const busyBot = failing(busy);
    const retry = await busyBot.run(otto, "lag orders");
    assert.equal(retry.text, "Kafka did not answer as expected: Request timed out. Try again in a moment.");
    assert.equal(busyBot.audit.entries.at(-1)?.errorCode, "KAFKA_UNAVAILABLE");

    const refused = Object.assign(new Error("Unsupported version"), {
      code: "PLT_KFK_UNSUPPORTED",
      canRetry: false,
    });
    const refusedBot = failing(refused);
    assert.equal(
      (await refusedBot.run(otto, "lag orders")).text,
      "Kafka did not answer as expected: Unsupported version.",
    );
    assert.equal(refusedBot.audit.entries.at(-1)?.errorCode, "KAFKA_ERROR");
  });

  test("an audit trail that cannot record is told so by its code, never as a failure inside the bot", async () => {
    const bot = fakeBot({
      approvals: {
        cancel: async () => {
          throw Object.assign(new Error("the audit chain's head moved on every try"), {
            code: "AUDIT_CONTENDED",
          });
        },
      },
    });
    const { reply, text } = await bot.run(otto, "cancel prod-17-k3mx");
    assert.equal(reply.outcome, "failed");
    assert.match(text, /^The audit trail was too busy to record this/);
    assert.equal(bot.audit.entries.at(-1)?.errorCode, "AUDIT_CONTENDED");
  });
});

describe("every command's role is checked before it runs", () => {
  /** Pinned: lowering a command's role is a decision, not an accident. */
  const roles: Readonly<Record<string, string>> = {
    help: "anyone",
    whoami: "anyone",
    clusters: "viewer",
    list: "viewer",
    status: "viewer",
    config: "viewer",
    tasks: "viewer",
    topics: "viewer",
    plugins: "viewer",
    "config history": "viewer",
    lag: "viewer",
    "offsets get": "viewer",
    alerts: "viewer",
    approvals: "viewer",
    audit: "viewer",
    "audit verify": "viewer",
    loggers: "viewer",
    windows: "viewer",
    pause: "operator",
    resume: "operator",
    restart: "operator",
    "topics reset": "operator",
    stop: "operator",
    delete: "operator",
    create: "operator",
    "config set": "operator",
    "config restore": "operator",
    "offsets reset": "operator",
    "offsets set": "operator",
    "offsets restore": "operator",
    "alerts ack": "operator",
    "alerts snooze": "operator",
    "alerts unsnooze": "operator",
    "alerts silence": "operator",
    "loggers set": "operator",
    "loggers reset": "operator",
    approve: "anyone",
    deny: "anyone",
    cancel: "anyone",
    nudge: "anyone",
  };

  test("the registry's roles are the pinned ones", () => {
    assert.deepEqual(
      Object.fromEntries(commands.map((command) => [command.name, command.role])),
      Object.fromEntries(commands.map((command) => [command.name, roles[command.name] ?? "(not pinned)"])),
    );
  });

  for (const command of commands.filter((c) => c.role !== "anyone")) {
    test(`${command.name}: someone with no role is refused, and no port is called`, async () => {
      const example = command.examples[0] ?? command.name;
      await assertRefused(fakeBot(), actor("sam"), example, {
        says: new RegExp(
          `^\`${command.name}\` needs the ${command.role} role on cluster prod; you have no role there\\.`,
        ),
        command: command.name,
        errorCode: "FORBIDDEN",
      });
    });
  }
});
