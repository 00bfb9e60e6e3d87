// needs: pure
/**
 * The role-scope matrix: people whose grants hold on some connectors only × connectors in and out of their patterns
 * × every registered command (each example of each, so a new command is covered as soon as it is registered) ×
 * every button the bot offers. What each person holds where is written out by hand below, never computed by the
 * code under test.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ApprovalRequest } from "../../approvals/approval-request.js";
import { commands } from "../../commands/registry.js";
import type { Command } from "../../src/core/command-spec.js";
import type { Identity } from "../../src/core/identity.js";
import type { Reply } from "../../src/core/reply.js";
import {
  hasRole,
  type Principal,
  type Role,
  type RoleGrants,
  RoleResolver,
  RoleScope,
  type ScopeQuestion,
} from "../../src/core/roles.js";
import { alertActionIds, alertButtonCall } from "../../src/slack/slack-alerts.js";
import { actor, fakeBot } from "./fakes.js";

const user = (id: string): Principal => ({ kind: "user", id });
const group = (id: string): Principal => ({ kind: "group", id });

/** prod's grants: two teams' patterns, one grant on the whole cluster, one through a user group. */
const grants: RoleGrants<Principal> = {
  viewer: [{ principals: [user("paul")] }, { principals: [user("vic")], connectors: ["payments-*"] }],
  operator: [
    { principals: [group("S0PAYMENTS")], connectors: ["payments-*"] },
    { principals: [user("olga")] },
  ],
  approver: [{ principals: [user("paul")], connectors: ["payments-*", "billing-sink"] }],
  admin: [],
};
const identity = new RoleResolver({
  grants: new Map([["prod", grants]]),
  unknownUsersAreViewers: false,
  directory: { members: async (id) => (id === "S0PAYMENTS" ? ["pia"] : []) },
});

const inScope = "payments-sink";
const outOfScope = "orders-sink";
type Where = typeof inScope | typeof outOfScope | "anywhere";

/** By hand: the role each person holds on each connector of prod, and anywhere there. */
const holds: Readonly<Record<string, Readonly<Record<Where, Role | undefined>>>> = {
  pia: { [inScope]: "operator", [outOfScope]: undefined, anywhere: "operator" },
  paul: { [inScope]: "approver", [outOfScope]: "viewer", anywhere: "approver" },
  olga: { [inScope]: "operator", [outOfScope]: "operator", anywhere: "operator" },
  vic: { [inScope]: "viewer", [outOfScope]: undefined, anywhere: "viewer" },
};

/** The connector the dispatcher checks the role on for a line: asked of a recording identity that grants nothing. */
async function connectorChecked(line: string): Promise<string | undefined> {
  const asked: (string | undefined)[] = [];
  const probe: Identity = {
    roleOf: async () => undefined,
    scopeOf: async (_principal, cluster, question?: ScopeQuestion) => {
      asked.push(question?.connector);
      return new RoleScope(cluster, []);
    },
  };
  await fakeBot({}, { identity: probe }).run(actor("sam"), line);
  return asked[0];
}

/** A stored request on `connector`, as `approvals.get` answers for `approve`, `deny`, `cancel`, `offsets restore`. */
function requestOn(connector: string): ApprovalRequest {
  return {
    id: "prod-17-k3mx",
    cluster: "prod",
    connector,
    command: "offsets reset",
    reason: "poison message",
    requester: { id: "rita", name: "rita", source: "test" },
    operation: { kind: "sink-offsets", target: { kind: "latest" } },
    planSummary: "orders:0 10 → 20",
    state: "pending",
    createdAt: "2026-11-29T11:50:00.000Z",
    expiresAt: "2026-11-29T12:20:00.000Z",
    approversNeeded: 1,
    approvedBy: [],
    requestId: "r-1",
    snapshot: [],
  };
}

/** Refused for want of a role where it acts: the words every scope refusal carries (`RoleScope.lacking`). */
const refusedForScope = (reply: Reply) =>
  reply.outcome === "refused" && /needs the (viewer|operator|approver|admin) role on/.test(reply.summary);

/** Runs `line` (or a button's call) as `who`; the calls made beyond reading the request are what it went on to do. */
async function attempt(
  who: string,
  line: string | Parameters<ReturnType<typeof fakeBot>["call"]>[1],
  on: string,
) {
  const bot = fakeBot({ approvals: { get: async () => requestOn(on) } }, { identity });
  const { reply } =
    typeof line === "string"
      ? await bot.run(actor(who as "sam"), line)
      : await bot.call(actor(who as "sam"), line);
  const acted = bot.calls.filter((call) => call !== "approvals.get");
  return { reply, acted, audit: bot.audit.entries.at(-1) };
}

/** Commands that name a request, not a connector: each checks the role on the request's connector itself. */
const requestRole: Readonly<Record<string, Role>> = {
  approve: "approver",
  deny: "approver",
  "offsets restore": "operator",
};

describe("role-scope matrix: people × connectors × commands", () => {
  for (const command of commands) {
    // Every grant here is on prod: an example's other cluster is left out.
    for (const example of command.examples.map((line) => line.replace(/ --cluster \S+/, ""))) {
      test(`${example}`, async () => {
        const named = await connectorChecked(example);
        const namesRequest = command.positionals.some((p) => p.name === "request");
        if (named === undefined && !namesRequest) {
          // A command that names no connector: the role anywhere on the cluster lets it run (and it shows only
          // what is in scope: see the listing tests below); a connector-like word in it would be a missed scope.
          assert.ok(
            !/\b(orders|db|old-orders)-(sink|source)\b/.test(example) || command.name === "alerts silence",
            `${example} names a connector the dispatcher does not check: give the spec a connectorOf`,
          );
          for (const [who, held] of Object.entries(holds)) {
            const { reply } = await attempt(who, example, inScope);
            const may = command.role === "anyone" || hasRole(held.anywhere, command.role);
            assert.equal(refusedForScope(reply), !may, `${who}: ${example}: ${reply.summary}`);
          }
          return;
        }
        for (const target of [inScope, outOfScope] as const) {
          const line =
            named === undefined
              ? example
              : example.replace(new RegExp(`(^|\\s)${named}(?=[\\s/]|$)`), `$1${target}`);
          for (const [who, held] of Object.entries(holds)) {
            const needed =
              requestRole[command.name] ?? (command.role === "anyone" ? undefined : command.role);
            const { reply, acted, audit } = await attempt(who, line, target);
            const may =
              command.name === "cancel" || needed === undefined ? true : hasRole(held[target], needed);
            const label = `${who} (${held[target] ?? "no role"} on ${target}): ${line}: ${reply.summary}`;
            assert.equal(refusedForScope(reply), !may, label);
            if (!may) {
              assert.deepEqual(acted, [], `${label}: nothing is read or changed`);
              if (named !== undefined)
                assert.equal(audit?.connector, target, `${label}: audited under the connector`);
            }
          }
        }
      });
    }
  }
});

describe("role-scope matrix: people × connectors × buttons", () => {
  const alertButtons = alertActionIds.map((id) => ({
    id,
    call: (on: string) => alertButtonCall(id, `prod/${on}/task-failed`),
  }));
  const approvalButtons = ["approve", "deny"].map((command) => ({
    id: command,
    call: (_on: string) => ({
      command,
      args: { request: "prod-17-k3mx", ...(command === "deny" ? { reason: "denied with the button" } : {}) },
    }),
  }));
  for (const button of [...alertButtons, ...approvalButtons]) {
    test(`the ${button.id} button`, async () => {
      for (const target of [inScope, outOfScope] as const) {
        const call = button.call(target);
        const command = commands.find((c) => c.name === call.command) as Command;
        const needed = requestRole[command.name] ?? (command.role as Role);
        for (const [who, held] of Object.entries(holds)) {
          const { reply, acted } = await attempt(who, call, target);
          const may = hasRole(held[target], needed);
          const label = `${who} (${held[target] ?? "no role"} on ${target}): ${button.id}: ${reply.summary}`;
          assert.equal(refusedForScope(reply), !may, label);
          if (!may) assert.deepEqual(acted, [], label);
        }
      }
    });
  }
});

describe("what a scoped person is shown", () => {
  const listed = [
    { name: "payments-sink", type: "sink", state: "RUNNING", tasks: [], workerId: "w1", config: {} },
    { name: "orders-sink", type: "sink", state: "RUNNING", tasks: [], workerId: "w1", config: {} },
    { name: "payments-dlq", type: "sink", state: "FAILED", tasks: [], workerId: "w1", config: {} },
  ];

  test("`list` shows only the connectors in the viewer scope, and says how many it left out", async () => {
    const bot = fakeBot({ connect: { listConnectors: async () => listed as never } }, { identity });
    const { text } = await bot.run(actor("vic" as "sam"), "list");
    assert.match(text, /payments-sink/);
    assert.match(text, /payments-dlq/);
    assert.doesNotMatch(text, /orders-sink/);
    assert.match(text, /1 connector\(s\) outside your scope not shown/);
    const all = await fakeBot({ connect: { listConnectors: async () => listed as never } }, { identity }).run(
      actor("paul" as "sam"),
      "list",
    );
    assert.match(all.text, /orders-sink/, "a viewer on the whole cluster sees everything");
    assert.doesNotMatch(all.text, /outside your scope/);
  });

  test("`approvals` lists requests on connectors in scope, with how long a waiting one has waited", async () => {
    const requests = [requestOn("payments-sink"), { ...requestOn("orders-sink"), id: "prod-18-abcd" }];
    const bot = fakeBot({ approvals: { recent: async () => requests } }, { identity });
    const { text } = await bot.run(actor("pia" as "sam"), "approvals");
    assert.match(text, /prod-17-k3mx\s+pending\s+10 min/);
    assert.doesNotMatch(text, /prod-18-abcd/);
    assert.match(text, /1 request\(s\) on connectors outside your scope not shown/);
  });

  test("`alerts silence` refuses a pattern that reaches connectors outside the operator scope", async () => {
    const answers = {
      connect: { connectorNames: async () => listed.map((c) => c.name) },
      alerts: { firing: async () => [], silence: async () => ({ id: "s-1" }) as never },
    };
    const refused = await fakeBot(answers, { identity }).run(
      actor("pia" as "sam"),
      'alerts silence "*-sink" 2h --reason "migration"',
    );
    assert.equal(refused.reply.outcome, "refused");
    assert.match(
      refused.reply.summary,
      /\*-sink matches 1 connector\(s\) outside your operator scope on prod \(orders-sink\)/,
    );
    const bot = fakeBot(answers, { identity });
    const allowed = await bot.run(
      actor("pia" as "sam"),
      'alerts silence "payments-*" 2h --reason "migration"',
    );
    assert.equal(allowed.reply.outcome, "succeeded", allowed.reply.summary);
    assert.ok(bot.calls.includes("alerts.silence"));
  });

  test("`whoami` shows each role with where it holds; `help` lists only what the person may run", async () => {
    const bot = fakeBot({}, { identity });
    const whoami = (await bot.run(actor("paul" as "sam"), "whoami")).text;
    assert.match(whoami, /prod\s+approver\s+payments-\*, billing-sink/);
    assert.match(whoami, /prod\s+viewer\s+every connector/);
    const help = (await bot.run(actor("vic" as "sam"), "help")).text;
    assert.match(help, /\blist\b/);
    assert.doesNotMatch(help, /\brestart\b/, "vic operates nothing");
    assert.match(help, /more command\(s\) need a role you do not hold/);
    assert.match(
      (await bot.run(actor("pia" as "sam"), "help")).text,
      /\brestart\b/,
      "pia may restart payments-*",
    );
  });
});

describe("a pattern touches only the connectors in the operator's scope", () => {
  const running = (name: string) => ({
    name,
    type: "sink" as const,
    config: {},
    state: "RUNNING" as const,
    workerId: "w1:8083",
    tasks: [{ id: 0, state: "RUNNING" as const, worker_id: "w1:8083" }],
  });
  const paused: string[] = [];
  const bot = () =>
    fakeBot(
      {
        connect: {
          listConnectors: async () => [
            running("payments-sink"),
            running("payments-dlq"),
            running("orders-sink"),
          ],
          pause: async (name) => {
            paused.push(name);
          },
          status: async () => ({
            name: "x",
            type: "sink" as const,
            connector: { state: "PAUSED" as const, worker_id: "w1:8083" },
            tasks: [],
          }),
        },
        stories: { tell: async () => undefined },
        bulkPreviews: { save: async () => {} },
      },
      { identity },
    );

  test("pia (operator on payments-*) pausing *-sink pauses payments-sink alone, and the answer counts the one left out", async () => {
    paused.length = 0;
    const { reply, text } = await bot().run(actor("pia" as "sam"), 'pause "*-sink" --yes');
    assert.equal(reply.outcome, "succeeded", text);
    assert.deepEqual(paused, ["payments-sink"]);
  });

  test("a pattern matching only connectors outside the scope acts on none, and says why", async () => {
    paused.length = 0;
    const { reply, text } = await bot().run(actor("pia" as "sam"), 'pause "orders-*" --yes');
    assert.equal(reply.outcome, "refused", text);
    assert.match(text, /1 connector matching "orders-\*" on prod would change, and none is yours to act on/);
    assert.deepEqual(paused, []);
  });

  test("the preview says how many matches were left out, and why", async () => {
    const { text } = await bot().run(actor("pia" as "sam"), 'pause "*-sink"');
    assert.match(text, /payments-sink/);
    assert.doesNotMatch(text, /orders-sink +RUNNING/);
    assert.match(text, /Left out: 1 more match, you do not hold the operator role on it\./);
  });
});
