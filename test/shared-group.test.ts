// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import type { ConnectClient } from "../src/connect/connect-client.js";
import { awaitState } from "../src/core/await-state.js";
import type { Actor } from "../src/core/command-spec.js";
import type { Reply } from "../src/core/reply.js";
import { renderText } from "../src/shell/render-text.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import { type SharedGroup, sinksSharingGroup } from "./support/shared-group.js";
import { eventually, testBed, testKafka, uniqueName } from "./support/test-bed-env.js";

const person = (id: string, name: string): Actor => ({ id, name, source: "slack" });
const operator = person("U0OPER", "otto");
const approver = person("U0APPR", "anna");

/** `text` matched as it is, inside a RegExp. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("two sinks sharing one consumer group: a change to one never touches the other unseen", () => {
  const { prefix, cleanup } = testRedis("shared-group");
  const kafka = testKafka();
  let app: App;
  let dir: string;
  let bed: SharedGroup;
  let connect: ConnectClient;
  let calls = 0;
  /** The request whose snapshot the restore test puts back. */
  let removedAll = "";

  const run = async (actor: Actor, text: string): Promise<{ reply: Reply; text: string }> => {
    const reply = await app.dispatcher.dispatch({ actor, text, requestId: `r${++calls}` });
    return { reply, text: renderText(reply) };
  };
  const finished = (id: string) =>
    eventually(`${id} to finish`, async () => {
      const request = await app.approvals.get(id);
      return request?.state === "succeeded" || request?.state === "failed" ? request : undefined;
    });
  const approved = async (line: string) => {
    const asked = await run(operator, `${line} -c one --reason "shared-group test"`);
    const id = requestIdIn(asked.reply.summary);
    await run(approver, `approve ${id}`);
    return { asked, done: await finished(id) };
  };
  const stateOf = async (connector: string) => (await connect.status(connector)).connector.state;
  const setState = async (connector: string, state: "STOPPED" | "RUNNING") => {
    await (state === "STOPPED" ? connect.stop(connector) : connect.resume(connector));
    assert.ok((await awaitState(connect, connector, state, { timeoutMs: 60_000 })).reached);
  };
  const queued = async () => (await app.approvals.recent(100)).length;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "shared-group-"));
    const { connectUrl, bootstrapServers } = testBed();
    const clusters = `clusters:
  - name: one
    connect: { url: "${connectUrl}" }
    kafka: { brokers: ["${bootstrapServers}"] }
    roles: { operator: [${operator.id}], approver: [${approver.id}] }
`;
    app = createApp({
      config: loadConfig({ CONFIG_FILE: "clusters.yaml", LOG_LEVEL: "silent" }, () => clusters),
      keyPrefix: `${prefix}main:`,
    });
    await app.approvals.startWorker();
    connect = app.clusters[0]?.connect ?? assert.fail("no cluster");
    bed = await sinksSharingGroup(connect, kafka, dir, { a: 10, b: 20, shared: 6 });
  });
  after(async () => {
    await bed?.remove();
    await app.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("get, lag and status say the group is shared, and with whom", async () => {
    const { a, b, group } = bed;
    const note = new RegExp(
      `Consumer group ${literal(group)} is shared with ${literal(b.connector)} \\(RUNNING\\)`,
    );
    for (const command of ["offsets get", "lag", "status"]) {
      const { text } = await run(operator, `${command} ${a.connector} -c one`);
      assert.match(text, note, `${command}: ${text}`);
    }
    const { text } = await run(operator, "lag -c one");
    const listed = new RegExp(`${literal(group)} \\((${literal(a.connector)}, ${literal(b.connector)})\\)`);
    assert.match(text, listed);
  });

  test("with the other sink running, every offset change is refused up front: nothing stopped, nothing queued", async () => {
    const { a, b, group, sharedTopic } = bed;
    const before = await bed.committed();
    const requests = await queued();
    for (const line of [
      `offsets reset ${a.connector} --all`,
      `offsets reset ${a.connector} --to-earliest --topic ${a.topic}`,
      `offsets set ${a.connector} ${a.topic}:0=3`,
    ]) {
      const started = Date.now();
      const { reply, text } = await run(operator, `${line} -c one --reason "replay"`);
      assert.equal(reply.outcome, "refused", text);
      assert.match(
        text,
        new RegExp(
          `${literal(a.connector)} shares consumer group ${literal(group)} with ${literal(b.connector)} \\(RUNNING\\)`,
        ),
      );
      assert.match(text, new RegExp(`Stop ${literal(b.connector)} first`));
      assert.ok(Date.now() - started < 5_000, `refused at once, not after Connect's retries (${line})`);
    }
    assert.equal(await stateOf(a.connector), "RUNNING", "nothing was stopped");
    assert.equal(await queued(), requests, "nothing was queued");
    assert.deepEqual(await bed.committed(), before);
    assert.ok(sharedTopic);
  });

  test("--all on A removes only A's own partitions: the plan names B and what happens to it; B's offsets stay", async () => {
    const { a, b, group, sharedTopic } = bed;
    await setState(b.connector, "STOPPED");
    const { asked, done } = await approved(`offsets reset ${a.connector} --all`);
    const plan = asked.text;
    assert.match(
      plan,
      new RegExp(
        `Consumer group ${literal(group)} is shared with ${literal(b.connector)} \\(STOPPED, reads ${[b.topic, sharedTopic ?? ""].sort().map(literal).join(", ")}\\)`,
      ),
    );
    assert.match(plan, new RegExp(`${literal(b.connector)} keeps its offsets`));
    assert.match(
      plan,
      new RegExp(`Left alone: ${literal(sharedTopic ?? "")}:0: also read by ${literal(b.connector)}`),
    );
    assert.match(plan, /Not sent as Connect's reset, which deletes the whole group/);
    assert.match(plan, new RegExp(`${literal(a.topic)}:0  10 → removed`));
    assert.equal(done.state, "succeeded", done.outcome);
    removedAll = done.id;
    assert.deepEqual(
      done.resolved?.moves?.map((m) => [m.partition, m.before, m.after]),
      [[`${a.topic}:0`, 10, null]],
    );
    const now = await bed.committed();
    assert.equal(now.get(`${b.topic}:0`), 20, "B's own topic keeps its offset");
    assert.equal(now.get(`${sharedTopic}:0`), 6, "the topic both read keeps its offset");
    // A, RUNNING again, starts its own topic over from auto.offset.reset (earliest): 10 lines written twice.
    await eventually("A to replay its topic", async () =>
      (await readFile(a.file, "utf8")).split("\n").filter((line) => line.startsWith(a.topic)).length >= 20
        ? true
        : undefined,
    );
  });

  test("offsets set: a partition both read is refused naming B; A's own partition is set and B's stay", async () => {
    const { a, b, group, sharedTopic } = bed;
    const requests = await queued();
    const refused = await run(
      operator,
      `offsets set ${a.connector} ${sharedTopic}:0=2 -c one --reason "skip"`,
    );
    assert.equal(refused.reply.outcome, "refused", refused.text);
    assert.match(
      refused.text,
      new RegExp(
        `${literal(sharedTopic ?? "")}:0 is read by both ${literal(a.connector)} and ${literal(b.connector)} through consumer group ${literal(group)}: the group keeps one committed offset per partition`,
      ),
    );
    assert.match(
      refused.text,
      new RegExp(`Change only topics ${literal(a.connector)} alone reads \\(${literal(a.topic)}\\)`),
    );
    assert.equal(await queued(), requests);

    const scoped = await run(
      operator,
      `offsets reset ${a.connector} --to-earliest --topic ${sharedTopic} -c one --reason "replay"`,
    );
    assert.equal(scoped.reply.outcome, "refused", scoped.text);
    assert.match(scoped.text, /is read by both/);

    await setState(a.connector, "STOPPED");
    const { done } = await approved(`offsets set ${a.connector} ${a.topic}:0=4`);
    assert.equal(done.state, "succeeded", done.outcome);
    const now = await bed.committed();
    assert.equal(now.get(`${a.topic}:0`), 4);
    assert.equal(now.get(`${b.topic}:0`), 20);
    assert.equal(now.get(`${sharedTopic}:0`), 6);
  });

  test("--to-earliest without --topic is narrowed to A's own partitions, and says what it leaves alone", async () => {
    const { a, b, sharedTopic } = bed;
    const { asked, done } = await approved(`offsets reset ${a.connector} --to-earliest`);
    assert.match(
      asked.text,
      new RegExp(`Left alone: ${literal(sharedTopic ?? "")}:0: also read by ${literal(b.connector)}`),
    );
    assert.equal(done.state, "succeeded", done.outcome);
    assert.deepEqual(
      done.resolved?.moves?.map((m) => [m.partition, m.before, m.after]),
      [[`${a.topic}:0`, 4, 0]],
    );
    const now = await bed.committed();
    assert.equal(now.get(`${b.topic}:0`), 20);
    assert.equal(now.get(`${sharedTopic}:0`), 6);
  });

  test("offsets restore puts back A's partitions only: B's offsets in the group's snapshot are left alone", async () => {
    const { a, b, sharedTopic } = bed;
    // B moves on after the snapshot (both are STOPPED, so Connect lets its offsets change).
    await connect.alterOffsets(b.connector, [
      { partition: { kafka_topic: b.topic, kafka_partition: 0 }, offset: { kafka_offset: 15 } },
    ]);
    const { asked, done } = await approved(`offsets restore ${removedAll}`);
    assert.match(asked.text, new RegExp(`Left alone from the snapshot: ${literal(b.topic)}:0`));
    assert.match(asked.text, new RegExp(`${literal(a.topic)}:0  0 → 10`));
    assert.equal(done.state, "succeeded", done.outcome);
    const now = await bed.committed();
    assert.equal(now.get(`${a.topic}:0`), 10);
    assert.equal(now.get(`${b.topic}:0`), 15, "B's offset is where B left it, not the snapshot's 20");
    assert.equal(now.get(`${sharedTopic}:0`), 6);
  });

  test("a sink that starts running, or joins the group, after the plan was shown refuses the run before anything is stopped", async () => {
    const { a, b, group } = bed;
    await setState(a.connector, "RUNNING");
    await eventually("A to read its topic to the end", async () =>
      (await bed.committed()).get(`${a.topic}:0`) === 10 ? true : undefined,
    );

    const first = await run(operator, `offsets reset ${a.connector} --to-earliest -c one --reason "replay"`);
    const id = requestIdIn(first.reply.summary);
    await setState(b.connector, "RUNNING");
    // A restore asked now is refused up front like every other change.
    const restore = await run(operator, `offsets restore ${removedAll} -c one --reason "undo"`);
    assert.equal(restore.reply.outcome, "refused", restore.text);
    assert.match(restore.text, new RegExp(`with ${literal(b.connector)} \\(RUNNING\\)`));
    await run(approver, `approve ${id}`);
    const refused = await finished(id);
    assert.equal(refused.state, "failed");
    assert.match(
      refused.outcome ?? "",
      new RegExp(`shares consumer group ${literal(group)} with ${literal(b.connector)} \\(RUNNING\\)`),
    );
    assert.match(
      refused.outcome ?? "",
      /\(consumer\.override\.group\.id\)\. Nothing was changed\. At [\d:]+ UTC Connect reports it RUNNING\.$/,
    );
    assert.equal(refused.step, undefined, "not even the snapshot was taken: A was never stopped");
    assert.equal(await stateOf(a.connector), "RUNNING");

    await setState(b.connector, "STOPPED");
    const second = await run(operator, `offsets reset ${a.connector} --to-earliest -c one --reason "replay"`);
    const secondId = requestIdIn(second.reply.summary);
    const c = uniqueName("sharing-c");
    await connect.putConfig(c, {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: b.topic,
      file: join(dir, `${c}.txt`),
      "consumer.override.group.id": group,
    });
    try {
      await run(approver, `approve ${secondId}`);
      const joined = await finished(secondId);
      assert.equal(joined.state, "failed");
      assert.match(
        joined.outcome ?? "",
        new RegExp(
          `${literal(c)} started sharing consumer group ${literal(group)} with ${literal(a.connector)} after this plan was shown \\(it named ${literal(b.connector)}\\)`,
        ),
      );
      assert.equal(await stateOf(a.connector), "RUNNING");
      assert.equal((await bed.committed()).get(`${a.topic}:0`), 10);
    } finally {
      await connect.deleteConnector(c);
    }
  });
});
