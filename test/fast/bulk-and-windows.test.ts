// needs: pure
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { MaintenanceWindow } from "../../src/core/ports.js";
import { actor, fakeBot } from "./fakes.js";
import { assertRefused } from "./refusals.js";

// The fakes' clock reads 2026-11-29T12:00:00Z; windows are capped at 12 h, starting within 7 days.
const otto = actor("otto");
const vera = actor("vera");

const status = async () => ({
  name: "orders",
  connector: { state: "RUNNING" as const, worker_id: "w1:8083" },
  tasks: [{ id: 0, state: "RUNNING" as const, worker_id: "w1:8083" }],
  type: "sink" as const,
});

describe("bulk actions: a pattern, its flags", () => {
  test("a pattern holding another glob dialect's characters is refused before Connect is asked", async () => {
    for (const line of ['pause "orders-[0-9]*"', 'resume "orders-{a,b}*"', 'restart "orders?[x]"']) {
      await assertRefused(fakeBot(), otto, line, {
        says: /mixes glob dialects: .* \* \(any run\) and \? \(one character\)/,
        errorCode: "USAGE",
      });
    }
  });

  test("a task number with a pattern, and --confirm or --yes without one", async () => {
    await assertRefused(fakeBot(), otto, 'restart "orders-*/2"', {
      says: /a task number goes with one connector, not with a pattern/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), otto, "pause orders --confirm 0123456789ab", {
      says: /--confirm and --yes go with a pattern .*; orders is one connector/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), otto, "resume orders --yes", {
      says: /go with a pattern/,
      errorCode: "USAGE",
    });
  });

  test("a confirmation whose preview is gone acts on nothing", async () => {
    const bot = fakeBot({ bulkPreviews: { take: async () => undefined } });
    await assertRefused(bot, otto, 'pause "orders-*" --confirm 0123456789ab', {
      says: /No preview 0123456789ab of `pause "orders-\*"` on prod waits: it was confirmed already, or it expired/,
      calls: ["bulkPreviews.take"],
    });
  });

  test("a pattern needs the operator role, like one connector", async () => {
    await assertRefused(fakeBot(), vera, 'pause "orders-*"', {
      says: /needs the operator role/,
      errorCode: "FORBIDDEN",
    });
  });

  test("--exact addresses a connector whose name holds * or ?, as the alert's Restart button does", async () => {
    const touched: string[] = [];
    const bot = fakeBot({
      connect: {
        pause: async (name) => {
          touched.push(name);
        },
        status: async () => ({
          ...(await status()),
          connector: { state: "PAUSED" as const, worker_id: "w1:8083" },
          tasks: [],
        }),
        restart: async (name) => {
          touched.push(name);
          return undefined;
        },
      },
    });
    const paused = await bot.run(otto, 'pause "odd*name" --exact');
    assert.equal(paused.reply.outcome, "succeeded", paused.text);
    const restarted = await bot.call(otto, {
      command: "restart",
      args: { target: "odd*name", "failed-only": true, "include-tasks": true, exact: true },
    });
    assert.equal(restarted.reply.outcome, "succeeded", restarted.text);
    assert.deepEqual(touched, ["odd*name", "odd*name"]);
    assert.ok(!bot.calls.includes("connect.listConnectors"), "never read as a pattern");
  });

  test("--yes (the shell's confirmation) acts on the set as listed, one audit entry per connector, and answers with the outcome table", async () => {
    const paused: string[] = [];
    const listed = (name: string, state: "RUNNING" | "PAUSED") => ({
      name,
      type: "sink" as const,
      config: {},
      state,
      workerId: "w1:8083",
      tasks: [{ id: 0, state, worker_id: "w1:8083" }],
    });
    const bot = fakeBot({
      connect: {
        listConnectors: async () => [
          listed("orders-a", "RUNNING"),
          listed("orders-b", "RUNNING"),
          listed("orders-old", "PAUSED"),
          listed("payments", "RUNNING"),
        ],
        pause: async (name) => {
          paused.push(name);
        },
        status: async () => ({
          ...(await status()),
          connector: { state: "PAUSED" as const, worker_id: "w1:8083" },
          tasks: [],
        }),
      },
      stories: { tell: async () => undefined },
    });
    const { reply, text } = await bot.run(otto, 'pause "orders-*" --yes');
    assert.equal(reply.outcome, "succeeded", text);
    assert.deepEqual(paused.sort(), ["orders-a", "orders-b"]);
    assert.match(text, /otto asked to pause 2 connectors matching "orders-\*" on prod: 2 done\./);
    assert.match(text, /orders-a +done +PAUSED/);
    const perConnector = bot.audit.entries.filter((entry) => entry.command === "bulk pause");
    assert.deepEqual(perConnector.map((entry) => entry.connector).sort(), ["orders-a", "orders-b"]);
  });

  test("stop takes a pattern only with a window", async () => {
    await assertRefused(fakeBot(), otto, 'stop "orders-*" --reason "database migration"', {
      says: /stop takes one connector at a time; a pattern \("orders-\*"\) only with a window/,
    });
  });
});

describe("maintenance windows: refused before anything is scheduled", () => {
  const cases: [string, RegExp][] = [
    ["pause orders --for 30m", /a maintenance window needs --reason/],
    ["pause orders --from 00:30 --until 01:00", /a maintenance window needs --reason/],
  ];
  for (const [line, says] of cases) {
    test(`no reason: ${line}`, async () => {
      await assertRefused(fakeBot(), otto, line, { says, errorCode: "USAGE" });
    });
  }

  const refused: [string, RegExp][] = [
    [
      'pause orders --from 2026-11-29T11:00Z --until 2026-11-29T11:30Z --reason "db migration"',
      /^--from 2026-11-29T11:00Z is in the past \(it is 2026-11-29 12:00 UTC now\); a window starts now or later\. Nothing was scheduled\.$/,
    ],
    [
      'pause orders --until 2026-11-29T11:30Z --reason "db migration"',
      /^--until 2026-11-29T11:30Z is not after the start \(2026-11-29 12:00 UTC\)\. Nothing was scheduled\.$/,
    ],
    [
      'pause orders --from 12:30 --until 01:30 --reason "db migration"',
      /^The window would last 13 h, longer than the 12 h allowed \(automation\.windows\.maxLength\)\. Nothing was scheduled\.$/,
    ],
    ['stop orders --for 13h --reason "db migration"', /longer than the 12 h allowed/],
    ['pause orders --from 2026-12-25T00:00Z --for 1h --reason "db migration"', /more than 7 days ahead/],
    [
      'pause orders --from 00:30 --reason "db migration"',
      /^A window needs its end: --until HH:MM \(UTC\) or --for 30m, one of them\./,
    ],
    ['pause orders --until 01:00 --for 30m --reason "db migration"', /one of them/],
    [
      'pause orders --from tonight --for 30m --reason "db migration"',
      /--from tonight is not a time: give HH:MM in UTC/,
    ],
  ];
  for (const [line, says] of refused) {
    test(line, async () => {
      await assertRefused(fakeBot(), otto, line, { says });
    });
  }

  test("--from 00:30 means the next 00:30 UTC: tomorrow at noon, and the answer says so", async () => {
    let scheduled: Omit<MaintenanceWindow, "state"> | undefined;
    const bot = fakeBot({
      connect: { status },
      windows: {
        newId: async () => "w1-abcd",
        schedule: async (window) => {
          scheduled = window;
          return { ...window, state: "scheduled" };
        },
      },
    });
    const { reply, text } = await bot.run(
      otto,
      'pause orders --from 00:30 --until 01:00 --reason "db migration"',
    );
    assert.equal(reply.outcome, "succeeded", text);
    assert.equal(new Date(scheduled?.from ?? 0).toISOString(), "2026-11-30T00:30:00.000Z");
    assert.equal(new Date(scheduled?.until ?? 0).toISOString(), "2026-11-30T01:00:00.000Z");
    assert.equal(scheduled?.needsApproval, false);
    assert.match(
      text,
      /scheduled window w1-abcd on prod: pause orders from 2026-11-30 00:30 UTC until 2026-11-30 01:00 UTC \(typed times are read as UTC\)/,
    );
    assert.match(text, /cancel w1-abcd/);
  });

  test("cancel tells a window id from a request id, and a window that does not exist is refused", async () => {
    const bot = fakeBot({ windows: { get: async () => undefined } });
    await assertRefused(bot, otto, "cancel w7-kmxp", {
      says: /^There is no window w7-kmxp\./,
      calls: ["windows.get"],
    });
    await assertRefused(fakeBot(), otto, "cancel w7", {
      says: /a request id such as prod-17-k3mx, or a window id such as w7-kmxp/,
      errorCode: "USAGE",
    });
  });
});
