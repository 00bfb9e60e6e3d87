// needs: bed
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { commands } from "../commands/registry.js";
import type { Actor } from "../src/core/command-spec.js";
import type { Reply } from "../src/core/reply.js";
import { renderText } from "../src/shell/render-text.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { testRedis } from "./support/redis-prefix.js";
import {
  createTopicWithMessages,
  eventually,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";
import { startTestBot, type TestBot } from "./support/test-bot.js";

const users = {
  viewer: { id: "U0VIEW", name: "vera", source: "slack" },
  operator: { id: "U0OPER", name: "otto", source: "slack" },
  approver: { id: "U0APPR", name: "anna", source: "slack" },
  admin: { id: "U0ADMN", name: "adam", source: "slack" },
  stranger: { id: "U0NOBODY", name: "sam", source: "slack" },
} satisfies Record<string, Actor>;

describe("/connect commands against the real worker", () => {
  const { prefix, cleanup } = testRedis("commands");
  const kafka = testKafka();
  let bot: TestBot;
  let proxy: FaultProxy;
  let dir: string;
  const sink = uniqueName("cmd-sink");
  const broken = uniqueName("cmd-broken");
  const topic = uniqueName("cmd-topic");

  const run = (actor: Actor, text: string) => bot.run(actor, text);
  const text = (reply: Reply) => renderText(reply);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "commands-"));
    proxy = await FaultProxy.start(testBed().connectUrl);
    bot = await startTestBot({
      connectUrl: proxy.url,
      env: {
        ROLE_VIEWERS: users.viewer.id,
        ROLE_OPERATORS: users.operator.id,
        ROLE_APPROVERS: users.approver.id,
        ROLE_ADMINS: users.admin.id,
      },
      keyPrefix: prefix,
      worker: false,
    });
    await createTopicWithMessages(kafka, topic, { partitions: 2, count: 20 });
    const fileSink = "org.apache.kafka.connect.file.FileStreamSinkConnector";
    const connect = bot.connect();
    await connect?.putConfig(sink, {
      "connector.class": fileSink,
      topics: topic,
      file: join(dir, "out.txt"),
      "connection.password": "hunter2",
      "errors.deadletterqueue.url": "https://svc:s3cr3t@dlq.example.com/x",
    });
    // A file in a folder that does not exist: the task fails when it starts.
    await connect?.putConfig(broken, {
      "connector.class": fileSink,
      topics: topic,
      file: join(dir, "missing", "out.txt"),
    });
    await eventually("both connectors settled", async () => {
      const listed = await connect?.listConnectors();
      const ours = listed?.filter((c) => c.name === sink || c.name === broken) ?? [];
      return ours.length === 2 &&
        ours.every((c) => c.tasks.length === 1 && c.tasks[0]?.state !== "UNASSIGNED")
        ? true
        : undefined;
    });
  });
  after(async () => {
    for (const name of [sink, broken])
      await bot
        .connect()
        .deleteConnector(name)
        .catch(() => undefined);
    await bot.close();
    await proxy.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("list shows type, state and tasks, and --state failed narrows to the broken connector", async () => {
    const all = text(await run(users.viewer, "list cmd-*"));
    assert.match(all, new RegExp(`${sink}\\s+sink\\s+RUNNING\\s+1/1\\s+0`));
    const failed = await run(users.viewer, "list --state failed");
    assert.match(text(failed), new RegExp(broken));
    assert.doesNotMatch(text(failed), new RegExp(sink));
  });

  test("status shows the start of a failed task's trace", async () => {
    const reply = await eventually("the task to fail", async () => {
      const current = await run(users.viewer, `status ${broken}`);
      return /Trace of task 0/.test(text(current)) ? current : undefined;
    });
    assert.match(text(reply), /FAILED/);
    assert.ok(text(reply).split("\n").length < 40, "only the first lines of the trace");
  });

  test("config hides secret keys and passwords inside URLs", async () => {
    const shown = text(await run(users.viewer, `config ${sink}`));
    assert.doesNotMatch(shown, /hunter2|s3cr3t/);
    assert.match(shown, /connection\.password\s+••••••/);
    assert.match(shown, /https:\/\/svc:••••••@dlq\.example\.com\/x/);
    assert.match(shown, /connector\.class\s+org\.apache\.kafka\.connect\.file\.FileStreamSinkConnector/);
  });

  test("pause and resume change the connector in Connect and are announced in the channel", async () => {
    const paused = await run(users.operator, `pause ${sink}`);
    assert.equal(paused.visibility, "in_channel");
    assert.match(paused.summary, /is PAUSED/);
    assert.equal((await bot.connect().status(sink))?.connector.state, "PAUSED");
    const resumed = await run(users.operator, `resume ${sink}`);
    assert.match(resumed.summary, /is RUNNING/);
  });

  test("roles: reads need viewer, changes need operator; refusals name the missing role and are audited", async () => {
    const reads = [
      `status ${sink}`,
      `config ${sink}`,
      "list",
      `offsets get ${sink}`,
      `lag ${sink}`,
      "clusters",
      "audit",
    ];
    const changes = [`pause ${sink}`, `resume ${sink}`, `restart ${sink}`, `restart ${sink}/0`];
    const matrix: [Actor, string, boolean][] = [
      ...reads.flatMap((line) => [
        [users.stranger, line, false] as [Actor, string, boolean],
        [users.viewer, line, true] as [Actor, string, boolean],
        [users.admin, line, true] as [Actor, string, boolean],
      ]),
      ...changes.flatMap((line) => [
        [users.stranger, line, false] as [Actor, string, boolean],
        [users.viewer, line, false] as [Actor, string, boolean],
        [users.operator, line, true] as [Actor, string, boolean],
        [users.approver, line, true] as [Actor, string, boolean],
      ]),
      [users.stranger, "help", true],
      [users.stranger, "whoami", true],
    ];
    for (const [actor, line, allowed] of matrix) {
      const before = proxy.requests.length;
      const reply = await run(actor, line);
      const label = `${actor.name}: ${line}`;
      if (allowed) {
        assert.equal(reply.outcome, "succeeded", `${label}: ${reply.summary}`);
      } else {
        assert.equal(reply.outcome, "refused", label);
        assert.match(reply.summary, /needs the (viewer|operator) role on cluster default; you have/, label);
        assert.equal(proxy.requests.length, before, `${label}: nothing reached Connect`);
      }
    }
    const refusals = await bot.app.audit.query({ actorId: users.viewer.id, limit: 200 });
    assert.ok(
      refusals.some((e) => e.outcome === "refused" && e.errorCode === "FORBIDDEN" && e.command === "pause"),
    );
  });

  test("whoami tells each user their role", async () => {
    assert.match(text(await run(users.approver, "whoami")), /default\s+approver/);
    assert.match(text(await run(users.stranger, "whoami")), /default\s+none/);
  });

  test("every command lands in the audit trail with its outcome, and the chain verifies", async () => {
    await run(users.viewer, "status no-such-connector-here");
    const [latest] = await bot.app.audit.query({ limit: 1 });
    assert.equal(latest?.outcome, "failed");
    assert.equal(latest?.errorCode, "CONNECT_NOT_FOUND");
    assert.equal(latest?.actorId, users.viewer.id);
    assert.equal(latest?.connector, "no-such-connector-here");
    const mine = text(await run(users.viewer, `audit ${sink} --since 1h`));
    assert.match(mine, /otto\s+default\s+pause/);
    assert.match(text(await run(users.viewer, "audit verify")), /intact/);
  });

  test("unknown commands and flags get a specific error with a suggestion", async () => {
    assert.match((await run(users.viewer, "stauts x")).summary, /Did you mean `status`/);
    assert.match((await run(users.viewer, `list --stat failed`)).summary, /Did you mean --state/);
    assert.match((await run(users.viewer, `status`)).summary, /Missing <connector>/);
    assert.match((await run(users.viewer, `audit --since soon`)).summary, /not a duration/);
    assert.match(
      (await run(users.viewer, `status ${sink} --cluster nope`)).summary,
      /Unknown cluster `nope`/,
    );
  });

  test("5,000 malformed command lines: each gets an error, and Connect receives no mutating request", async () => {
    const before = proxy.requests.length;
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const verbs = [
      "pause",
      "resume",
      "restart",
      "status",
      "config",
      "list",
      "lag",
      "offsets get",
      "audit",
      "nope",
      "",
    ];
    const junk = [
      "x",
      "orders",
      "💥",
      "ü",
      "--",
      "-",
      "'a b'",
      "../..",
      "a/b",
      "%2F",
      "名前",
      "\u202e",
      "$(rm)",
      "<@U1>",
    ];
    const defects = [
      () => "--no-such-flag",
      () => `"unclosed ${pick(junk)}`,
      () => `name\u0000with\u0007control`,
      () => "x".repeat(2500),
      () => `${pick(junk)} ${pick(junk)} ${pick(junk)}`,
      () => `--cluster ${pick(junk)}x`,
      () => "-z",
    ];
    for (let i = 0; i < 5000; i++) {
      const words = [pick(verbs)];
      for (let n = Math.floor(random() * 3); n > 0; n--) words.push(pick(junk));
      words.splice(1 + Math.floor(random() * words.length), 0, pick(defects)());
      const reply = await run(pick([users.operator, users.admin]), words.join(" "));
      assert.notEqual(reply.outcome, "succeeded", `"${words.join(" ").slice(0, 80)}" was accepted`);
      assert.ok(reply.summary.length > 0);
    }
    const mutations = proxy.requests.slice(before).filter((r) => r.method !== "GET");
    assert.deepEqual(mutations, []);
  });

  test("the registry lists every file in commands/, and help shows every command", async () => {
    const files = readdirSync(new URL("../commands/", import.meta.url)).filter(
      (file) => file.endsWith(".ts") && file !== "registry.ts",
    );
    assert.equal(commands.length, files.length, `files: ${files.join(", ")}`);
    const helpText = text(await run(users.admin, "help"));
    for (const command of commands) assert.ok(helpText.includes(command.name), `help lists ${command.name}`);
    for (const command of commands) {
      const explained = await run(users.stranger, `help ${command.name}`);
      assert.equal(explained.outcome, "succeeded", `help ${command.name}: ${explained.summary}`);
      for (const example of command.examples) assert.ok(text(explained).includes(example.slice(0, 30)));
    }
  });
});
