// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ConnectNotFound } from "../src/connect/connect-errors.js";
import type { Actor } from "../src/core/command-spec.js";
import type { Reply } from "../src/core/reply.js";
import { isOlderThan } from "../src/core/worker-version.js";
import { renderText } from "../src/shell/render-text.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import {
  createTopicWithMessages,
  eventually,
  fileSinkThatRead,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";
import { startTestBot, type TestBot } from "./support/test-bot.js";

const operator: Actor = { id: "U0OPER", name: "otto", source: "slack" };
const approver: Actor = { id: "U0APPR", name: "anna", source: "slack" };
const fileSink = "org.apache.kafka.connect.file.FileStreamSinkConnector";

/**
 * Config changes and new connectors on the real worker of the bed (through the fault proxy, which counts the calls
 * and can answer `GET /` as an older worker): validated, approved by a second person, applied on the config the
 * approver saw, read back, reported RUNNING; undone from the snapshot; created STOPPED or RUNNING with the replay
 * said up front.
 */
describe("config set, config restore, config history and create", () => {
  const { prefix, cleanup } = testRedis("config-changes");
  const kafka = testKafka();
  let proxy: FaultProxy;
  let bot: TestBot;
  let dir: string;
  let realVersion: string;
  const run = (actor: Actor, text: string) => bot.run(actor, text);
  const finished = (id: string) => bot.finished(id);
  const connect = () => bot.connect();
  const approved = async (asked: Reply) => {
    const id = requestIdIn(asked.summary);
    assert.equal((await run(approver, `approve ${id}`)).outcome, "succeeded");
    return finished(id);
  };
  const sentTo = (since: number, method: string, path: RegExp) =>
    proxy.requests.slice(since).filter((r) => r.method === method && path.test(r.url.split("?")[0] ?? ""));
  const answerAs = (version: string) =>
    proxy.answerNextWith({ method: "GET", path: /^\/$/ }, 100, 200, {
      version,
      commit: "c4deed513057c94e",
      kafka_cluster_id: "bed",
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "config-changes-"));
    proxy = await FaultProxy.start(testBed().connectUrl);
    bot = await startTestBot({
      connectUrl: proxy.url,
      env: { ROLE_OPERATORS: operator.id, ROLE_APPROVERS: approver.id },
      keyPrefix: prefix,
    });
    realVersion = (await connect().workerInfo()).version;
  });
  after(async () => {
    await bot.close();
    await proxy.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("a change is validated, approved by a second person, applied once, read back and reported RUNNING; restore undoes it", async () => {
    const { connector, file } = await fileSinkThatRead(connect(), kafka, dir, 3);
    const moved = join(dir, `${connector}-moved.txt`);

    const invalid = await run(operator, `config set ${connector} tasks.max=many --reason "more tasks"`);
    assert.equal(invalid.outcome, "refused");
    assert.match(renderText(invalid), /tasks\.max +Invalid value many for configuration tasks\.max/);

    const sent = proxy.requests.length;
    const asked = await run(
      operator,
      `config set ${connector} file=${moved} errors.tolerance=all --reason "move the output"`,
    );
    const plan = renderText(asked);
    assert.match(asked.summary, /waiting for an approver/);
    assert.match(plan, /\+ errors\.tolerance = all/);
    assert.match(plan, new RegExp(`~ file: ${file} → ${moved}`));
    assert.match(plan, /Connect validated the whole config: no errors in \d+ setting\(s\)/);
    assert.equal((await connect().config(connector)).file, file, "nothing changes before approval");
    assert.equal(
      (await run(operator, `approve ${requestIdIn(asked.summary)}`)).outcome,
      "refused",
      "the requester cannot approve",
    );

    const done = await approved(asked);
    assert.equal(done.state, "succeeded", done.outcome);
    assert.match(
      done.outcome ?? "",
      new RegExp(`${connector} is RUNNING on the new config, with 1 task\\(s\\) RUNNING`),
    );
    assert.equal(
      sentTo(sent, "PATCH", /\/config$/).length + sentTo(sent, "PUT", /\/connectors\/[^/]+\/config$/).length,
      1,
      "applied once",
    );
    const now = await connect().config(connector);
    assert.equal(now.file, moved);
    assert.equal(now["errors.tolerance"], "all");
    assert.equal(done.snapshotConfig?.file, file, "the snapshot holds the config before the change");

    const history = renderText(await run(operator, `config history ${connector}`));
    assert.match(history, new RegExp(`${done.id} .* otto +anna +succeeded +\\+ errors\\.tolerance = all`));

    const undo = await run(operator, `config restore ${done.id} --reason "the old file was right"`);
    assert.match(renderText(undo), new RegExp(`Back to the config saved by ${done.id}`));
    assert.match(renderText(undo), /- errors\.tolerance \(was all\)/);
    const restored = await approved(undo);
    assert.equal(restored.state, "succeeded", restored.outcome);
    const back = await connect().config(connector);
    assert.equal(back.file, file);
    assert.equal(back["errors.tolerance"], undefined);
    assert.equal((await connect().status(connector)).connector.state, "RUNNING");
  });

  test("a change the connector cannot run with ends failed with the first line of the task's trace, and the undo", async () => {
    const { connector } = await fileSinkThatRead(connect(), kafka, dir, 2);
    const unwritable = join(dir, "no-such-directory", "out.txt");
    const done = await approved(
      await run(operator, `config set ${connector} file=${unwritable} --reason "move the output"`),
    );
    assert.equal(done.state, "failed");
    assert.match(
      done.outcome ?? "",
      /Failed while waiting for the connector to run with the new config: task 0 FAILED with the new config: \S+/,
    );
    assert.match(
      done.outcome ?? "",
      new RegExp(
        `The change was applied and read back, but the connector did not run with it\\. Undo it with \`config restore ${done.id}`,
      ),
    );
    assert.equal((await connect().config(connector)).file, unwritable);
    const undone = await approved(
      await run(operator, `config restore ${done.id} --reason "the directory is missing"`),
    );
    assert.equal(undone.state, "succeeded", undone.outcome);
  });

  test("a config someone else changes between the preview and the approval fails as stale; their change stands", async () => {
    const { connector, file } = await fileSinkThatRead(connect(), kafka, dir, 2);
    const asked = await run(
      operator,
      `config set ${connector} errors.tolerance=all --reason "skip bad records"`,
    );
    assert.match(asked.summary, /waiting for an approver/);
    // Someone else, outside the bot, changes the same connector meanwhile.
    const elsewhere = join(dir, `${connector}-elsewhere.txt`);
    await connect().putConfig(connector, { ...(await connect().config(connector)), file: elsewhere });
    const sent = proxy.requests.length;
    const done = await approved(asked);
    assert.equal(done.state, "failed");
    assert.match(
      done.outcome ?? "",
      /Failed while changing the config: stale: the config of .* changed after the request was asked \(file\)/,
    );
    assert.match(done.outcome ?? "", /Nothing was changed\./);
    assert.equal(sentTo(sent, "PATCH", /\/config$/).length, 0, "nothing was sent");
    const now = await connect().config(connector);
    assert.equal(now.file, elsewhere);
    assert.equal(now["errors.tolerance"], undefined);
    assert.notEqual(now.file, file);
  });

  test("create --stopped: validated, approved, created STOPPED with no task", async () => {
    const name = uniqueName("created");
    const topic = uniqueName("topic");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 4 });
    const asked = await run(
      operator,
      `create ${name} connector.class=FileStreamSink topics=${topic} file=${join(dir, `${name}.txt`)} --stopped --reason "new export"`,
    );
    assert.match(asked.summary, /waiting for an approver/);
    assert.match(
      renderText(asked),
      new RegExp(`${name} is created STOPPED \\(FileStreamSink, 3 settings\\)`),
    );
    assert.match(renderText(asked), /Created STOPPED, it reads nothing until resumed/);
    await assert.rejects(connect().status(name), ConnectNotFound, "nothing exists before approval");
    const done = await approved(asked);
    assert.equal(done.state, "succeeded", done.outcome);
    const status = await connect().status(name);
    assert.equal(status.connector.state, "STOPPED");
    assert.equal(status.tasks.length, 0);
  });

  test("create RUNNING of a sink on a topic with data: the plan says how much it replays, and it does", async () => {
    const name = uniqueName("created");
    const topic = uniqueName("topic");
    await createTopicWithMessages(kafka, topic, { partitions: 2, count: 7 });
    const config = JSON.stringify({
      "connector.class": fileSink,
      topics: topic,
      file: join(dir, `${name}.txt`),
    });
    const asked = await run(operator, `create ${name} --config '${config}' --reason "new export"`);
    assert.match(
      renderText(asked),
      new RegExp(
        `its new consumer group connect-${name} starts where auto\\.offset\\.reset=earliest \\(Connect default\\) sends it, the log start, so it will read 7 record\\(s\\) already in ${topic} \\(2 partition\\(s\\)\\), a replay`,
      ),
    );
    const done = await approved(asked);
    assert.equal(done.state, "succeeded", done.outcome);
    await eventually("the sink to write the 7 records it replayed", async () => {
      const lines = (await readFile(join(dir, `${name}.txt`), "utf8").catch(() => "")).split("\n");
      return lines.filter(Boolean).length === 7 ? true : undefined;
    });
    assert.match(
      renderText(await run(operator, `config history ${name}`)),
      /created RUNNING with 3 settings/,
    );
  });

  test("older workers: --stopped refused before 3.7 naming the version; before 3.8 the change is a whole PUT", async () => {
    const name = uniqueName("created");
    answerAs("3.6.2");
    const sent = proxy.requests.length;
    const refused = await run(
      operator,
      `create ${name} connector.class=FileStreamSink topics=x file=${join(dir, "x.txt")} --paused --reason "new"`,
    );
    proxy.clearFaults();
    assert.notEqual(refused.outcome, "succeeded");
    assert.match(
      refused.summary,
      /runs Kafka Connect 3\.6\.2; creating a connector STOPPED or PAUSED \(initial_state, KIP-980\) needs Kafka Connect 3\.7 or newer/,
    );
    assert.equal(refused.queued, undefined);
    assert.equal(sentTo(sent, "POST", /\/connectors$/).length, 0);

    if (isOlderThan(realVersion, "3.7")) return;
    const { connector } = await fileSinkThatRead(connect(), kafka, dir, 1);
    answerAs("3.7.2");
    const asked = await run(
      operator,
      `config set ${connector} errors.tolerance=all --reason "skip bad records"`,
    );
    assert.match(
      renderText(asked),
      /Applied with PUT …\/config \(the whole config: this worker predates PATCH, Connect 3\.8\)/,
    );
    const before = proxy.requests.length;
    const done = await approved(asked);
    proxy.clearFaults();
    assert.equal(done.state, "succeeded", done.outcome);
    assert.equal(sentTo(before, "PATCH", /\/config$/).length, 0, "no PATCH to a 3.7 worker");
    assert.equal(sentTo(before, "PUT", /\/connectors\/[^/]+\/config$/).length, 1);
    assert.equal((await connect().config(connector))["errors.tolerance"], "all");
  });
});
