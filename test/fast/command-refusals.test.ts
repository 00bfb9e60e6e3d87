// needs: pure
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ApprovalRequest } from "../../approvals/approval-request.js";
import type { Alert } from "../../src/alerts/alert-store.js";
import { ConnectNotFound, ConnectUnaddressableName } from "../../src/connect/connect-errors.js";
import { actor, fakeBot } from "./fakes.js";
import { assertRefused } from "./refusals.js";

const otto = actor("otto");
const anna = actor("anna");

/** A request as the approvals port returns it; `changes` sets what a case needs. */
function request(changes: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    id: "prod-1-abcd",
    cluster: "prod",
    connector: "orders",
    command: "stop",
    reason: "maintenance",
    requester: { id: "otto", name: "otto" },
    operation: { kind: "stop" },
    planSummary: "orders is RUNNING with 1 task(s).",
    state: "pending",
    createdAt: "2026-11-29T11:50:00.000Z",
    expiresAt: "2026-11-29T12:20:00.000Z",
    approversNeeded: 1,
    approvedBy: [],
    requestId: "fast-0",
    ...changes,
  };
}

const connectorInfo = (type: "sink" | "source") => async () => ({
  name: "orders",
  config: { "connector.class": "X", topics: "orders" },
  tasks: [],
  type,
});
const status = async () => ({
  name: "orders",
  connector: { state: "RUNNING" as const, worker_id: "w1:8083" },
  tasks: [{ id: 0, state: "RUNNING" as const, worker_id: "w1:8083" }],
  type: "sink" as const,
});
const openRequest = {
  request: async () => ({
    ok: false as const,
    refusal: "orders has an open request prod-3-wxyz: decide or cancel it first.",
  }),
};
const knownConnectors = { connectorNames: async () => ["orders"] };
const noAlerts = { firing: async (): Promise<Alert[]> => [] };

describe("alerts ack / snooze / unsnooze / silence", () => {
  test("a connector Connect does not list and no alert names is refused", async () => {
    const bot = fakeBot({ connect: knownConnectors, alerts: noAlerts });
    await assertRefused(bot, otto, "alerts ack ghost", {
      says: /^No connector named ghost on prod, and no alert fires for it: `list` shows the connectors\.$/,
      calls: ["connect.connectorNames", "alerts.firing"],
    });
    bot.calls.length = 0;
    await assertRefused(bot, otto, "alerts snooze ghost 2h", {
      says: /^No connector named ghost on prod, and no alert fires for it/,
      calls: ["connect.connectorNames", "alerts.firing"],
    });
  });

  test("ack with nothing firing", async () => {
    const bot = fakeBot({ connect: knownConnectors, alerts: { ...noAlerts, acknowledge: async () => 0 } });
    await assertRefused(bot, otto, "alerts ack orders", {
      says: /^No alert is firing for orders on prod\.$/,
      calls: ["connect.connectorNames", "alerts.firing", "alerts.acknowledge"],
    });
  });

  test("a snooze longer than 7 days, or not a duration", async () => {
    await assertRefused(fakeBot(), otto, "alerts snooze orders 8d", {
      says: /^A snooze lasts at most 7d; use a silence for longer\.$/,
    });
    await assertRefused(fakeBot(), otto, "alerts snooze orders soon", {
      says: /^<duration>: "soon" is not a duration such as 30m, 24h or 7d\n/,
      errorCode: "USAGE",
    });
  });

  test("unsnooze of a connector that is not snoozed", async () => {
    await assertRefused(
      fakeBot({ alerts: { unsnooze: async () => false } }),
      otto,
      "alerts unsnooze orders",
      {
        says: /^orders on prod is not snoozed\.$/,
        calls: ["alerts.unsnooze"],
      },
    );
  });

  test("a silence that matches no connector, or without a reason worth the name", async () => {
    await assertRefused(
      fakeBot({ connect: knownConnectors, alerts: noAlerts }),
      otto,
      'alerts silence "ghost-*" 2h --reason "planned work"',
      {
        says: /^ghost-\* matches no connector on prod: nothing to silence\. `list ghost-\*` uses the same pattern\.$/,
        calls: ["connect.connectorNames", "alerts.firing"],
      },
    );
    await assertRefused(fakeBot(), otto, 'alerts silence "orders-*" 2h --reason no', {
      says: /^--reason: say why, in a few words\n/,
      errorCode: "USAGE",
    });
  });
});

describe("approve / deny / cancel", () => {
  test("a request id that is not one, or a digest that is not 12 hex digits", async () => {
    await assertRefused(fakeBot(), anna, "approve nope", {
      says: /^<request>: a request id such as prod-17-k3mx\n/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), anna, "approve prod-1-abcd --digest xyz", {
      says: /^--digest: 12 hex digits, as the buttons send\n/,
      errorCode: "USAGE",
    });
  });

  test("a request that does not exist", async () => {
    for (const line of ["approve prod-9-abcd", 'deny prod-9-abcd --reason "not now"']) {
      await assertRefused(fakeBot({ approvals: { get: async () => undefined } }), anna, line, {
        says: /^There is no request prod-9-abcd\. `approvals` lists them\.$/,
        calls: ["approvals.get"],
      });
    }
  });

  test("deciding needs the approver role on the request's cluster, asked afresh", async () => {
    const get = async () => request();
    await assertRefused(fakeBot({ approvals: { get } }), otto, "approve prod-1-abcd", {
      says: /^Approving needs the approver role on cluster prod; you have the operator role\.$/,
      calls: ["approvals.get"],
    });
    await assertRefused(fakeBot({ approvals: { get } }), otto, 'deny prod-1-abcd --reason "not now"', {
      says: /^Denying needs the approver role on cluster prod; you have the operator role\.$/,
      calls: ["approvals.get"],
    });
  });

  test("a decision the approvals port refuses is told as it words it", async () => {
    const bot = fakeBot({
      approvals: {
        get: async () => request({ requester: { id: "anna", name: "anna" } }),
        decide: async () => ({
          ok: false,
          refusal: "You asked for prod-1-abcd: another approver must decide it.",
        }),
      },
    });
    await assertRefused(bot, anna, "approve prod-1-abcd", {
      says: /^You asked for prod-1-abcd: another approver must decide it\.$/,
      calls: ["approvals.get", "approvals.decide"],
    });
  });

  test("deny needs a reason", async () => {
    await assertRefused(fakeBot(), anna, "deny prod-1-abcd", {
      says: /^--reason is required: it is told to the requester and kept in the audit\./,
      errorCode: "USAGE",
    });
  });

  test("cancel of a request someone else made", async () => {
    const cancel = async () => ({
      ok: false as const,
      refusal: "Only anna, who asked, can cancel prod-1-abcd.",
    });
    await assertRefused(fakeBot({ approvals: { cancel } }), otto, "cancel prod-1-abcd", {
      says: /^Only anna, who asked, can cancel prod-1-abcd\.$/,
      calls: ["approvals.cancel"],
    });
  });
});

describe("stop / delete: destructive, so a reason and a free connector", () => {
  test("without --reason, or with one too short", async () => {
    for (const command of ["stop", "delete"]) {
      await assertRefused(fakeBot(), otto, `${command} orders`, {
        says: /^--reason is required: it is shown to the approver and kept in the audit\./,
        errorCode: "USAGE",
      });
      await assertRefused(fakeBot(), otto, `${command} orders --reason ok`, {
        says: /^--reason: say why, in a few words\n/,
        errorCode: "USAGE",
      });
    }
  });

  test("a connector that already has an open request: nothing is queued", async () => {
    await assertRefused(
      fakeBot({ connect: { status }, approvals: openRequest }),
      otto,
      'stop orders --reason "db work"',
      {
        says: /^orders has an open request prod-3-wxyz: decide or cancel it first\.$/,
        calls: ["connect.status", "approvals.request"],
      },
    );
    const bot = fakeBot({
      connect: {
        status,
        offsets: async () => ({ offsets: [] }),
        config: async () => ({ "connector.class": "X" }),
        passwordKeys: async () => new Set<string>(),
      },
      approvals: openRequest,
    });
    await assertRefused(bot, otto, 'delete orders --reason "replaced by v2"', {
      says: /^orders has an open request prod-3-wxyz/,
      calls: [
        "connect.status",
        "connect.offsets",
        "connect.config",
        "connect.passwordKeys",
        "approvals.request",
      ],
    });
  });
});

describe("offsets reset / set / restore", () => {
  const reset = (flags: string) => `offsets reset orders ${flags} --reason "replay the outage"`;

  test("exactly one target, --all not scoped, a scope that parses", async () => {
    await assertRefused(fakeBot(), otto, reset(""), {
      says: /^name exactly one target: --to-earliest, --to-latest, --to-datetime, --by-duration, --shift-by, --to-offset, --all\n/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), otto, reset("--to-earliest --to-latest"), {
      says: /^name exactly one target/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), otto, reset("--all --topic orders"), {
      says: /^--all removes every offset: it cannot be scoped with --topic\n/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), otto, reset("--to-latest --topic orders:x"), {
      says: /^--topic: "orders:x" is not a topic or topic:partitions such as orders:0,1\n/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), otto, reset("--to-offset -1"), {
      says: /^--to-offset: Too small: expected number to be >=0\n/,
      errorCode: "USAGE",
    });
  });

  test("a relative target on a source connector, whose offsets are its own", async () => {
    const connect = { requireSupportedVersion: async () => {}, info: connectorInfo("source") };
    await assertRefused(fakeBot({ connect }), otto, reset("--to-latest"), {
      says: /^orders is a source connector: its offsets are its own, so only --all \(remove them\) or `offsets set` with its partition JSON applies\.$/,
      calls: ["connect.requireSupportedVersion", "connect.info"],
    });
  });

  test("set: words or --json, each for its kind of connector", async () => {
    const set = (rest: string) => `offsets set orders ${rest} --reason "skip the bad batch"`;
    await assertRefused(fakeBot(), otto, set(""), {
      says: /^give either topic:partition=offset words \(sink connectors\) or --json \(source connectors\)\n/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), otto, set(`--json "[1]"`), {
      says: /^--json: expected \[\{"partition": \{…\}, "offset": \{…\}\}, …\]\n/,
      errorCode: "USAGE",
    });
    const source = { requireSupportedVersion: async () => {}, info: connectorInfo("source") };
    await assertRefused(fakeBot({ connect: source }), otto, set("orders:0=5"), {
      says: /^orders is a source connector: topic:partition=offset applies to sinks; give its offsets with --json\.$/,
      calls: ["connect.requireSupportedVersion", "connect.info"],
    });
    const sink = { requireSupportedVersion: async () => {}, info: connectorInfo("sink") };
    await assertRefused(
      fakeBot({ connect: sink }),
      otto,
      set(`--json '[{"partition":{"t":1},"offset":{"o":2}}]'`),
      {
        says: /^orders is a sink connector: name its partitions as topic:partition=offset, such as orders:0=1200\.$/,
        calls: ["connect.requireSupportedVersion", "connect.info"],
      },
    );
  });

  test("restore: only a request of this cluster that changed offsets and took a snapshot", async () => {
    const restore = 'offsets restore prod-1-abcd --reason "the replay was not needed"';
    const asking = (found: ApprovalRequest | undefined) => fakeBot({ approvals: { get: async () => found } });
    await assertRefused(asking(undefined), otto, restore, {
      says: /^There is no request prod-1-abcd\. `approvals` lists them\.$/,
      calls: ["approvals.get"],
    });
    await assertRefused(asking(request({ cluster: "staging" })), otto, restore, {
      says: /^prod-1-abcd ran on cluster staging: add `--cluster staging`\.$/,
      calls: ["approvals.get"],
    });
    await assertRefused(asking(request()), otto, restore, {
      says: /^prod-1-abcd was a `stop`, which changed no offsets: there is nothing to restore\.$/,
      calls: ["approvals.get"],
    });
    await assertRefused(
      asking(request({ command: "offsets reset", operation: { kind: "reset-offsets" }, state: "denied" })),
      otto,
      restore,
      {
        says: /^prod-1-abcd is denied and never took a snapshot: its offsets were not changed\.$/,
        calls: ["approvals.get"],
      },
    );
    await assertRefused(
      asking(request({ command: "delete", operation: { kind: "delete" }, state: "failed" })),
      otto,
      restore,
      {
        says: /^prod-1-abcd is failed: no connector was deleted, so none is created again\.$/,
        calls: ["approvals.get"],
      },
    );
    const deleted = request({
      command: "delete",
      operation: { kind: "delete" },
      state: "succeeded",
      snapshotConfig: { "connector.class": "X" },
      snapshot: [],
    });
    const bot = fakeBot({
      approvals: { get: async () => deleted },
      connect: { info: connectorInfo("sink"), requireFeature: async () => {} },
    });
    await assertRefused(bot, otto, restore, {
      says: /^A connector named orders exists again on prod: delete it first, or restore offsets onto it with `offsets set`\.$/,
      calls: ["approvals.get", "connect.info", "connect.requireFeature"],
    });
    const gone = async () => {
      throw new ConnectNotFound({
        cluster: "prod",
        url: "http://connect:8083",
        operation: "GET /connectors/orders",
        reason: "Connector orders not found",
        status: 404,
      });
    };
    const withoutSecrets = { ...deleted, snapshotSecretKeys: ["connection.password"] };
    const unsealed = fakeBot({
      approvals: { get: async () => withoutSecrets },
      connect: { info: gone, requireFeature: async () => {} },
    });
    await assertRefused(unsealed, otto, restore, {
      says: /^prod-1-abcd saved the config of orders without its secret settings .*: connection\.password\. Create the connector again from outside/,
      calls: ["approvals.get", "connect.info", "connect.requireFeature"],
    });
  });
});

describe("offset changes on a consumer group another connector shares", () => {
  const sink = (name: string, state: "RUNNING" | "PAUSED" | "STOPPED", group?: string) => ({
    name,
    type: "sink" as const,
    state,
    workerId: "w1:8083",
    tasks: [],
    config: {
      "connector.class": "X",
      topics: `${name}-topic`,
      ...(group === undefined ? {} : { "consumer.override.group.id": group }),
    },
  });
  const ordersInfo = async () => sink("orders", "RUNNING", "legacy");
  const listing =
    (...others: ReturnType<typeof sink>[]) =>
    async () => [sink("orders", "RUNNING", "legacy"), ...others];

  test("a sharer that is not STOPPED refuses every kind of change before Kafka is read or anything is queued", async () => {
    // `billing` overrides its group to the same one; `audit-copy` names orders' group as its own default would be.
    const connect = {
      requireSupportedVersion: async () => {},
      info: ordersInfo,
      listConnectors: listing(
        sink("billing", "RUNNING", "legacy"),
        sink("refunds", "PAUSED", "legacy"),
        sink("unrelated", "RUNNING"),
        sink("stopped-one", "STOPPED", "legacy"),
      ),
    };
    for (const line of [
      'offsets reset orders --all --reason "start over"',
      'offsets reset orders --to-latest --topic orders-topic --reason "skip"',
      'offsets set orders orders-topic:0=5 --reason "skip"',
    ]) {
      await assertRefused(fakeBot({ connect }), otto, line, {
        says: /^orders shares consumer group legacy with billing \(RUNNING\), refunds \(PAUSED\)\. Connect changes a group's offsets only while no other connector of the group has tasks in it, .* Stop billing and refunds first \(`stop billing`\) and ask again, or give orders a consumer group of its own \(consumer\.override\.group\.id\)\.$/,
        calls: ["connect.requireSupportedVersion", "connect.info", "connect.listConnectors"],
      });
    }
  });

  test("a sharer whose topics cannot be told refuses the change, naming it, instead of failing it", async () => {
    const ordersLag = {
      groupId: "legacy",
      topicsFrom: "config" as const,
      settings: {
        autoOffsetReset: "earliest" as const,
        autoOffsetResetFrom: "Connect default" as const,
        isolationLevel: "read_uncommitted" as const,
        isolationLevelFrom: "Connect default" as const,
      },
      partitions: [
        {
          topic: "orders-topic",
          partition: 0,
          committed: 5,
          logStart: 0,
          logEnd: 9,
          next: 5,
          lag: 4,
          compacted: false,
          uncounted: 0,
          held: 0,
          lost: 0,
        },
      ],
      total: 4,
      lost: 0,
      unread: [],
    };
    const bot = fakeBot({
      connect: {
        requireSupportedVersion: async () => {},
        info: ordersInfo,
        listConnectors: listing(sink("billing", "STOPPED", "legacy")),
      },
      lag: {
        lag: async () => ordersLag,
        lagOfSinks: async () =>
          new Map([
            [
              "billing",
              {
                ...ordersLag,
                groupId: "legacy",
                topicsFrom: "unknown" as const,
                topicsUnknown: "no task of it consumes and its group has no committed offsets",
                partitions: [],
                total: 0,
              },
            ],
          ]),
      },
    });
    await assertRefused(bot, otto, 'offsets reset orders --to-latest --reason "skip"', {
      says: /^orders shares consumer group legacy with billing \(no task of it consumes and its group has no committed offsets\), whose topics could not be read: which partitions only orders reads cannot be told, so none is changed\.$/,
      calls: [
        "connect.requireSupportedVersion",
        "connect.info",
        "connect.listConnectors",
        "lag.lag",
        "lag.lagOfSinks",
      ],
    });
  });

  test("a sink whose default group another sink names is found too", async () => {
    const connect = {
      requireSupportedVersion: async () => {},
      info: async () => sink("orders", "RUNNING"),
      listConnectors: async () => [sink("orders", "RUNNING"), sink("shadow", "RUNNING", "connect-orders")],
    };
    await assertRefused(fakeBot({ connect }), otto, 'offsets reset orders --all --reason "start over"', {
      says: /^orders shares consumer group connect-orders with shadow \(RUNNING\)\./,
      calls: ["connect.requireSupportedVersion", "connect.info", "connect.listConnectors"],
    });
  });
});

describe("the other commands' words", () => {
  test("restart: a single task takes no --include-tasks", async () => {
    await assertRefused(fakeBot(), otto, "restart orders/1 --include-tasks", {
      says: /^a single task restarts on its own: drop --include-tasks and --failed-only\n/,
      errorCode: "USAGE",
    });
  });

  test("help about a command that does not exist", async () => {
    await assertRefused(fakeBot(), actor("sam"), "help frobnicate", {
      says: /^There is no command `frobnicate`\./,
    });
  });

  test("list: a state that is not one", async () => {
    await assertRefused(fakeBot(), otto, "list --state sleeping", {
      says: /^--state: Invalid option: expected one of "running"\|"paused"/,
      errorCode: "USAGE",
    });
  });

  test("audit: a user, a duration and a limit that parse", async () => {
    await assertRefused(fakeBot(), otto, "audit --user bob", {
      says: /^--user: "bob" is not a user: type @name, mention them, or give their id \(U…\)\n/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), otto, "audit --since soon", {
      says: /^--since: "soon" is not a duration/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), otto, "audit --limit 101", {
      says: /^--limit: Too big: expected number to be <=100\n/,
      errorCode: "USAGE",
    });
  });

  test("audit verify: a broken chain is a failure the reader sees, with the entry that breaks it", async () => {
    const bot = fakeBot();
    bot.audit.verification = { ok: false, entries: 41, problem: "entry 42-0 was changed", entryId: "42-0" };
    const { reply, text } = await bot.run(otto, "audit verify");
    assert.equal(reply.outcome, "failed");
    assert.match(
      text,
      /^The audit trail has been tampered with: entry 42-0 was changed\. 41 entries before it are intact\.$/,
    );
    assert.deepEqual(bot.calls, []);
  });
});

describe("config set / config restore / create: bad input gets the exact fault, and nothing is queued", () => {
  const current = async () => ({
    "connector.class": "FileStreamSink",
    name: "orders",
    topics: "orders",
    file: "/data/orders.txt",
  });
  const noPasswords = async () => new Set<string>();
  const set = (rest: string) => `config set orders ${rest} --reason "drain the backlog"`;
  const sinkPlugin = { class: "org.apache.kafka.connect.file.FileStreamSinkConnector", type: "sink" };
  const plugins = async () => [
    sinkPlugin,
    { class: "org.apache.kafka.connect.file.FileStreamSourceConnector", type: "source" },
  ];
  const gone = async () => {
    throw new ConnectNotFound({
      cluster: "prod",
      url: "http://connect:8083",
      operation: "GET /connectors/fresh",
      reason: "Connector fresh not found",
      status: 404,
    });
  };

  test("the words: something to change, key=value, each key once, not both set and removed", async () => {
    await assertRefused(fakeBot(), otto, 'config set orders --reason "drain the backlog"', {
      says: /^name what changes: key=value words, --unset KEY, or both\n/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), otto, set("tasks.max=4 errors.tolerance"), {
      says: /^<settings>: "errors\.tolerance" is not key=value: every setting is written key=value/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), otto, set("tasks.max=4 tasks.max=5"), {
      says: /^<settings>: tasks\.max is given twice: say each key once\n/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), otto, set("=4"), {
      says: /^<settings>: "=4" has no key before "="\n/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), otto, set("tasks.max=4 --unset tasks.max"), {
      says: /^a key cannot be both set and removed \(--unset\) in one change\n/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), otto, set("--unset file,,topics"), {
      says: /^--unset: "file,,topics" holds an empty key/,
      errorCode: "USAGE",
    });
  });

  test("a secret typed into chat is refused, saying why and how, before Connect sees its value", async () => {
    const bot = fakeBot({ connect: { config: current, passwordKeys: async () => new Set(["auth"]) } });
    await assertRefused(bot, otto, set("db.password=hunter2"), {
      says: /^A secret is never typed into chat, .*: db\.password \(its name says it is secret\)\. Put the value in a config provider .*\$\{file:\/etc\/kafka-connect\/secrets\.properties:db\.password\}.* the value @env:VARIABLE reads it from an environment variable\. Nothing was sent or queued\.$/,
      calls: ["connect.config", "connect.passwordKeys"],
    });
    bot.calls.length = 0;
    await assertRefused(bot, otto, set("auth=plain"), {
      says: /: auth \(its plugin declares it PASSWORD\)\./,
      calls: ["connect.config", "connect.passwordKeys"],
    });
  });

  test("@env:VARIABLE is read only where the person's adapter has an environment: the shell, never Slack", async () => {
    await assertRefused(fakeBot(), otto, set("db.password=@env:DB_PASSWORD"), {
      says: /^The value of db\.password, @env:DB_PASSWORD, reads an environment variable of the terminal shell; test has no environment to read\. Give a config-provider reference the workers resolve instead, such as db\.password=\$\{env:DB_PASSWORD\}/,
    });
    const shell = { ...otto, environment: (name: string) => (name === "DB_PASSWORD" ? "s3cret" : undefined) };
    await assertRefused(fakeBot(), shell, set("db.password=@env:NOT_SET"), {
      says: /^The value of db\.password, @env:NOT_SET, names a variable that is not set in this shell\./,
    });
    const bot = fakeBot({ connect: { config: current, passwordKeys: noPasswords } });
    await assertRefused(bot, shell, set("db.password=@env:DB_PASSWORD"), {
      says: /^db\.password is secret, and the request keeps it until it runs: no SNAPSHOT_KEYS is set to seal it\./,
      calls: ["connect.config", "connect.passwordKeys"],
    });
  });

  test("from the shell, @env:VARIABLE is read there and queued as its value, never as the words typed", async () => {
    let asked: unknown;
    const bot = fakeBot({
      connect: {
        config: current,
        passwordKeys: noPasswords,
        validateConfig: async () => ({ error_count: 0, configs: [] }),
        hasFeature: async () => true,
      },
      approvals: {
        request: async (input) => {
          asked = input.operation;
          return { ok: false, refusal: "orders has an open request prod-3-wxyz" };
        },
      },
    });
    const shell = { ...otto, environment: (name: string) => (name === "OUT" ? "/data/new.txt" : undefined) };
    await bot.run(shell, set("file=@env:OUT"));
    assert.deepEqual(asked, {
      kind: "config-change",
      set: { file: "/data/new.txt" },
      unset: [],
      seen: await current(),
      secretKeys: [],
      diff: [{ key: "file", change: "changed", before: "/data/orders.txt", after: "/data/new.txt" }],
    });
  });

  test("Connect's validation: every failing key with Connect's own message", async () => {
    const validateConfig = async () => ({
      error_count: 2,
      configs: [
        { definition: { name: "file", type: "STRING" } },
        {
          definition: { name: "tasks.max", type: "INT" },
          value: {
            errors: [
              "Invalid value many for configuration tasks.max: Not a number of type INT",
              "Invalid value null for configuration tasks.max: Value must be non-null",
            ],
          },
        },
      ],
    });
    const bot = fakeBot({ connect: { config: current, passwordKeys: noPasswords, validateConfig } });
    await assertRefused(bot, otto, set("tasks.max=many"), {
      says: /^Connect refuses this config of orders: 2 error\(s\)\. Nothing was queued\.\n+key +Connect says\ntasks\.max +Invalid value many for configuration tasks\.max: Not a number of type INT\ntasks\.max +Invalid value null/,
      calls: ["connect.config", "connect.passwordKeys", "connect.validateConfig"],
    });
  });

  test("removing a key the config does not have; a plugin class the worker does not have", async () => {
    await assertRefused(fakeBot({ connect: { config: current } }), otto, set("--unset batch.size"), {
      says: /^batch\.size is not in the config of orders: nothing to remove\./,
      calls: ["connect.config"],
    });
    const bot = fakeBot({
      connect: { config: current, passwordKeys: noPasswords, connectorPlugins: plugins },
    });
    await assertRefused(bot, otto, set("connector.class=FileStreamSnk"), {
      says: /^Cluster prod has no connector plugin FileStreamSnk\. Did you mean org\.apache\.kafka\.connect\.file\.FileStreamSinkConnector\? Nothing was sent or queued\.$/,
      calls: ["connect.config", "connect.passwordKeys", "connect.connectorPlugins"],
    });
  });

  test("a change that changes nothing is not queued", async () => {
    const bot = fakeBot({ connect: { config: current, passwordKeys: noPasswords } });
    const { reply, text } = await bot.run(otto, set("file=/data/orders.txt"));
    assert.match(
      text,
      /^Nothing would change: orders's config already reads so, so no request was queued\.$/,
    );
    assert.equal(reply.queued, undefined);
    assert.deepEqual(bot.calls, ["connect.config", "connect.passwordKeys"]);
  });

  test("create: invalid JSON with its position, a key twice, both forms, two states, a name that disagrees", async () => {
    const create = (rest: string) => `create fresh ${rest} --reason "new export"`;
    await assertRefused(fakeBot(), otto, create(`--config '{"topics": "orders",}'`), {
      says: /^--config: --config is not valid JSON at position 20 \(line 1, column 21, at "\}"\): expected a key in double quotes\n/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), otto, create(`--config '{"topics": "a", "topics": "b"}'`), {
      says: /^--config: --config names "topics" twice \(at positions 1 and 16\): say each key once\n/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), otto, create(`--config '{"tasks.max": [1]}'`), {
      says: /must be a string, a number or true\/false: Connect's config values are strings\n/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), otto, create(`topics=a --config '{"file": "x"}'`), {
      says: /^give the config either as key=value words or as --config '<json>', not both\n/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), otto, create("topics=a --stopped --paused"), {
      says: /^--stopped and --paused exclude each other\n/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), otto, create("topics=a name=other"), {
      says: /^The config names the connector other, the command fresh: they must agree/,
    });
  });

  test("create: a name Connect cannot address, a name taken, a class the worker does not have", async () => {
    const unaddressable = async () => {
      throw new ConnectUnaddressableName({
        cluster: "prod",
        url: "http://connect:8083",
        operation: 'address "a/b"',
        reason:
          "Connect's REST API cannot reach this name: its web server refuses '/', '\\' and '%' in a name",
      });
    };
    await assertRefused(
      fakeBot({ connect: { info: unaddressable } }),
      otto,
      'create a/b topics=x --reason "new export"',
      {
        says: /^Connect's REST API cannot reach this name: .*: Connect would create a\/b, but no REST call could reach it afterwards\. Choose a name without them\. Nothing was sent\.$/,
        calls: ["connect.info"],
      },
    );
    await assertRefused(
      fakeBot({ connect: { info: connectorInfo("sink") } }),
      otto,
      'create orders topics=x --reason "new export"',
      {
        says: /^A connector named orders exists on prod: `config set orders` changes its config\.$/,
        calls: ["connect.info"],
      },
    );
    const bot = fakeBot({ connect: { info: gone, connectorPlugins: plugins } });
    await assertRefused(
      bot,
      otto,
      'create fresh connector.class=JdbcSinkConnector topics=x --reason "new export"',
      {
        says: /^Cluster prod has no connector plugin JdbcSinkConnector\. Its plugins are: org\.apache\.kafka\.connect\.file\.FileStreamSinkConnector, org\.apache\.kafka\.connect\.file\.FileStreamSourceConnector\. Nothing was sent or queued\.$/,
        calls: ["connect.info", "connect.connectorPlugins"],
      },
    );
  });

  test("restore: only a config change that was sent, and whose secrets were kept", async () => {
    const restore = 'config restore prod-1-abcd --reason "tasks.max=4 overloaded the database"';
    const asking = (found: ApprovalRequest) => fakeBot({ approvals: { get: async () => found } });
    await assertRefused(asking(request()), otto, restore, {
      says: /^prod-1-abcd was a `stop`, which changed no config: `config restore` undoes `config set`\.$/,
      calls: ["approvals.get"],
    });
    const change = request({
      command: "config set",
      operation: {
        kind: "config-change",
        set: { "tasks.max": "4" },
        unset: [],
        seen: {},
        secretKeys: [],
        diff: [],
      },
      state: "failed",
    });
    await assertRefused(asking(change), otto, restore, {
      says: /^prod-1-abcd is failed and never sent its change: the config of orders was not changed by it\.$/,
      calls: ["approvals.get"],
    });
    const unsealed = {
      ...change,
      state: "succeeded" as const,
      changeSent: true,
      snapshotConfig: { topics: "orders" },
      snapshotSecretKeys: ["db.password"],
    };
    await assertRefused(asking(unsealed), otto, restore, {
      says: /^prod-1-abcd saved the config of orders without its secret settings .*: db\.password\. Undo the change with `config set`/,
      calls: ["approvals.get"],
    });
  });
});
