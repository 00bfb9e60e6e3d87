// needs: bed
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { commands } from "../commands/registry.js";
import type { Actor } from "../src/core/command-spec.js";
import { renderText } from "../src/shell/render-text.js";
import { renderBlocks } from "../src/slack/block-kit.js";
import { testRedis } from "./support/redis-prefix.js";
import { eventually, testBed, uniqueName } from "./support/test-bed-env.js";
import { startTestBot, type TestBot } from "./support/test-bot.js";

const operator: Actor = { id: "U0OPER", name: "otto", source: "slack" };
const fileSink = "org.apache.kafka.connect.file.FileStreamSinkConnector";

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address !== null ? address.port : assert.fail("no port");
}

describe("answers that help: help, refusals that name what is wrong, one glob dialect", () => {
  const { prefix, cleanup } = testRedis("answers");
  let bot: TestBot;
  let dir: string;
  const family = uniqueName("glob");
  const names = [`${family}-orders-a`, `${family}-orders-b`, `${family}-ordersx`];
  const run = (text: string, actor: Actor = operator) => bot.run(actor, text);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "answers-"));
    bot = await startTestBot({
      env: { ROLE_OPERATORS: operator.id },
      keyPrefix: prefix,
      worker: false,
    });
    for (const name of names) {
      await bot.app.clusters[0]?.connect.putConfig(name, {
        "connector.class": fileSink,
        topics: uniqueName("answers-topic"),
        file: join(dir, `${name}.txt`),
      });
    }
  });
  after(async () => {
    for (const name of names) await bot.app.clusters[0]?.connect.deleteConnector(name).catch(() => undefined);
    await bot.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("/connect with no text shows the short help", async () => {
    const answer = await run("   ");
    assert.equal(answer.outcome, "succeeded");
    assert.match(renderText(answer), /offsets reset\s+operator/);
  });

  test("help fits 80 columns in the shell; in Slack it is a data table, which never scrolls sideways", async () => {
    const answer = await run("help");
    const table = renderBlocks(answer).find((block) => block.type === "data_table");
    assert.ok(table?.type === "data_table", "Slack: a sortable, paged table");
    assert.ok(table.rows.length > commands.length, "every command, under a header");
    const long = renderText(answer)
      .split("\n")
      .filter((line) => [...line].length > 80);
    assert.deepEqual(long, []);
  });

  test("help offsets lists every offsets command with its usage", async () => {
    const shown = renderText(await run("help offsets"));
    const offsetsCommands = commands.filter((c) => c.name.startsWith("offsets "));
    assert.ok(offsetsCommands.length >= 4);
    for (const command of offsetsCommands) assert.ok(shown.includes(`${command.name} <`), command.name);
    assert.ok(shown.split("\n").every((line) => line.length <= 80));
  });

  test("a missing required flag is named with why; usage shows it without brackets", async () => {
    const answer = await run(`stop ${names[0]}`);
    assert.equal(answer.outcome, "refused");
    assert.match(answer.summary, /--reason is required: it is shown to the approver and kept in the audit/);
    assert.match(
      answer.summary,
      /Usage: `stop <connector> \[--exact\] \[--from TIME\] \[--until TIME\] \[--for DURATION\] --reason "WHY"`/,
    );
    assert.doesNotMatch(answer.summary, /Invalid input|\[--reason/);
    assert.match((await run("deny prod-1")).summary, /--reason is required: it is told to the requester/);
  });

  test("a flag the command does not declare is refused by name", async () => {
    const answer = await run(`stop ${names[0]} --reason "maintenance" --force`);
    assert.equal(answer.outcome, "refused");
    assert.match(answer.summary, /Unknown option --force/);
    assert.match((await run(`status ${names[0]} --reason "x"`)).summary, /Unknown option --reason/);
  });

  test("list and alerts silence read a pattern the same way", async () => {
    const pattern = `${family}-orders-*`;
    const listed = renderText(await run(`list ${pattern}`));
    assert.match(listed, new RegExp(`${names[0]}[\\s\\S]*${names[1]}`));
    assert.doesNotMatch(listed, new RegExp(`${names[2]}`));
    const silenced = await run(`alerts silence "${pattern}" 1h --reason "planned migration"`);
    assert.equal(silenced.outcome, "succeeded", silenced.summary);
    assert.match(silenced.summary, /\(2 connector\(s\) now\)/);
    assert.match(renderText(await run(`list ${family}-orders-?`)), new RegExp(names[0] ?? "?"));
  });

  test("alerts snooze, ack and silence refuse a connector or pattern that matches nothing", async () => {
    const nothing = uniqueName("no-such");
    const snooze = await run(`alerts snooze ${nothing} 1h`);
    assert.equal(snooze.outcome, "refused");
    assert.match(snooze.summary, new RegExp(`No connector named ${nothing} on default`));
    assert.match((await run(`alerts ack ${nothing}`)).summary, /No connector named/);
    const silence = await run(`alerts silence "${nothing}-*" 1h --reason "migration"`);
    assert.equal(silence.outcome, "refused");
    assert.match(silence.summary, /matches no connector on default/);
    assert.equal((await run(`alerts snooze ${names[0]} 1h`)).outcome, "succeeded");
  });

  test("audit --user takes @name, a user id and Slack's <@U…> mention", async () => {
    await run(`status ${names[0]}`);
    for (const user of ["@otto", "@Otto", operator.id, `<@${operator.id}>`, `<@${operator.id}|otto>`]) {
      const shown = renderText(await run(`audit --user ${user} --since 1h`));
      assert.match(shown, /otto\s+default\s+status/, `audit --user ${user}`);
    }
    assert.match((await run("audit --user nobody!")).summary, /is not a user: type @name/);
  });
});

describe("Redis down: one clear line, a clear answer, and the bot keeps retrying", () => {
  let redisPort: number;
  let redisServer: ChildProcess | undefined;
  after(() => {
    redisServer?.kill();
  });

  test("commands answer with what is down, where and how to start it; they run once Redis is back", async () => {
    redisPort = await freePort();
    const reports: string[] = [];
    const bot = await startTestBot({
      env: { REDIS_URL: `redis://127.0.0.1:${redisPort}` },
      keyPrefix: "answers-redis-down:",
      reportRedis: (line) => reports.push(line),
      worker: false,
    });
    try {
      const whoami = { actor: operator, text: "whoami", requestId: "r1" };
      const first = await bot.app.dispatcher.dispatch(whoami);
      assert.equal(first.outcome, "failed");
      assert.match(first.summary, new RegExp(`Redis at 127\\.0\\.0\\.1:${redisPort} is not answering`));
      assert.match(first.summary, /redis-server --daemonize yes --port/);
      await bot.app.dispatcher.dispatch(whoami);
      assert.equal(reports.length, 1, "the outage is reported once");

      redisServer = spawn(
        "redis-server",
        ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", ""],
        {
          stdio: "ignore",
        },
      );
      const back = await eventually(
        "the bot to reconnect by itself",
        async () => {
          const answer = await bot.app.dispatcher.dispatch(whoami);
          return answer.outcome === "succeeded" ? answer : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      assert.match(renderText(back), /otto/);
      assert.match(reports.at(-1) ?? "", /answers again/);
    } finally {
      await bot.close();
    }
  });

  test("the shell prints one line, not stack traces", async () => {
    const closedPort = await freePort();
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "src/main.ts", "--command", "whoami"],
      {
        cwd: new URL("..", import.meta.url).pathname,
        env: {
          ...process.env,
          REDIS_URL: `redis://127.0.0.1:${closedPort}`,
          CONNECT_URL: testBed().connectUrl,
        },
      },
    ).catch((error: { stdout: string; stderr: string }) => error);
    const output = `${stdout}${stderr}`.trim();
    assert.equal(output.split("\n").length, 1, output);
    assert.match(output, new RegExp(`Redis at 127\\.0\\.0\\.1:${closedPort} is not answering`));
    assert.doesNotMatch(output, /\n\s+at |ECONNREFUSED.*\n.*ECONNREFUSED/);
  });
});
