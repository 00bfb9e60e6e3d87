// needs: bed
import assert from "node:assert/strict";
import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { ApprovalRequest } from "../approvals/approval-request.js";
import { describeExecution } from "../approvals/approval-words.js";
import type { ApprovalsOptions } from "../approvals/approvals.js";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { ConnectNotFound } from "../src/connect/connect-errors.js";
import type { Actor } from "../src/core/command-spec.js";
import { inUtc, type Reply } from "../src/core/reply.js";
import { isOlderThan } from "../src/core/worker-version.js";
import { renderText } from "../src/shell/render-text.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import { eventually, fileSinkThatRead, testBed, testKafka, uniqueName } from "./support/test-bed-env.js";

const person = (id: string, name: string): Actor => ({ id, name, source: "slack" });
const operator = person("U0OPER", "otto");
const approver = person("U0APPR", "anna");
const secondApprover = person("U0APPR2", "abel");

/** Three clusters on the one test bed, differing only in their approval policy. */
function configFile(connectUrl: string): string {
  const cluster = (name: string, approvals: string) => `
  - name: ${name}
    connect: { url: "${connectUrl}" }
    kafka: { brokers: ["${testBed().bootstrapServers}"] }
    roles: { operator: [${operator.id}], approver: [${approver.id}, ${secondApprover.id}] }
    ${approvals}`;
  return `clusters:${cluster("one", "")}${cluster("two", "approvals: { approvers: 2 }")}${cluster("free", "approvals: { required: [] }")}
`;
}

describe("approvals: stop, delete, offsets set and restore; per-cluster policy; faults during execution", () => {
  const { prefix, cleanup } = testRedis("approval-operations");
  const kafka = testKafka();
  let proxy: FaultProxy;
  let app: App;
  let dir: string;
  let calls = 0;

  const start = async (keyPrefix: string, approvalOptions: Partial<ApprovalsOptions> = {}) => {
    const started = createApp({
      config: loadConfig({ CONFIG_FILE: "clusters.yaml", LOG_LEVEL: "silent" }, () => configFile(proxy.url)),
      keyPrefix,
      approvalOptions,
    });
    await started.approvals.startWorker();
    return started;
  };
  const run = (a: App, actor: Actor, text: string): Promise<Reply> =>
    a.dispatcher.dispatch({ actor, text, requestId: `r${++calls}` });
  const idOf = (reply: Reply) => requestIdIn(reply.summary);
  const finished = (a: App, id: string) =>
    eventually(`${id} to finish`, async () => {
      const request = await a.approvals.get(id);
      return request?.state === "succeeded" || request?.state === "failed" ? request : undefined;
    });
  const connect = () => app.clusters[0]?.connect ?? assert.fail("no cluster");

  const sinkThatRead = (count: number) => fileSinkThatRead(connect(), kafka, dir, count);
  const committed = async (connector: string) =>
    (await connect().offsets(connector)).offsets.map((o) => o.offset?.kafka_offset);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "approval-operations-"));
    proxy = await FaultProxy.start(testBed().connectUrl);
    app = await start(`${prefix}main:`);
  });
  after(async () => {
    await app.close();
    await proxy.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("stop waits for an approver, then leaves the connector STOPPED", async () => {
    const { connector } = await sinkThatRead(3);
    const asked = await run(app, operator, `stop ${connector} -c one --reason "database maintenance"`);
    assert.match(asked.summary, /waiting for an approver/);
    assert.match(renderText(asked), /is RUNNING with 1 task\(s\), 1 running/);
    assert.equal(
      (await connect().status(connector)).connector.state,
      "RUNNING",
      "nothing happens before approval",
    );
    await run(app, approver, `approve ${idOf(asked)}`);
    const done = await finished(app, idOf(asked));
    assert.equal(done.state, "succeeded", done.outcome);
    assert.equal((await connect().status(connector)).connector.state, "STOPPED");
  });

  test("delete keeps the connector's config and offsets with the request; offsets restore creates it again", async () => {
    const { connector, topic } = await sinkThatRead(2);
    const asked = await run(app, operator, `delete ${connector} -c one --reason "replaced by v2"`);
    assert.match(renderText(asked), /1 committed offset\(s\)\) is deleted/);
    await run(app, approver, `approve ${idOf(asked)}`);
    const done = await finished(app, idOf(asked));
    assert.equal(done.state, "succeeded", done.outcome);
    assert.equal(done.snapshotConfig?.topics, topic);
    await assert.rejects(connect().status(connector), ConnectNotFound);

    // A worker older than 3.7 cannot create it STOPPED (KIP-980): the undo is refused up front (version-gates.test.ts).
    if (isOlderThan((await connect().workerInfo()).version, "3.7")) {
      const refused = await run(app, operator, `offsets restore ${idOf(asked)} -c one --reason "undo"`);
      assert.match(refused.summary, /needs Kafka Connect 3\.7 or newer/);
      return;
    }
    // Undo: created again from the saved config, its offsets set before it reads anything, and RUNNING as before.
    const undo = await run(
      app,
      operator,
      `offsets restore ${idOf(asked)} -c one --reason "deleted the wrong one"`,
    );
    assert.match(renderText(undo), /created again from the config saved by/);
    await run(app, approver, `approve ${idOf(undo)}`);
    const recreated = await finished(app, idOf(undo));
    assert.equal(recreated.state, "succeeded", recreated.outcome);
    assert.equal((await connect().config(connector)).topics, topic);
    assert.deepEqual(await committed(connector), [2]);
    await eventually("RUNNING again", async () =>
      (await connect().status(connector)).connector.state === "RUNNING" ? true : undefined,
    );
    assert.match(
      (await run(app, operator, `offsets restore ${idOf(asked)} -c one --reason "twice"`)).summary,
      /exists again/,
    );
  });

  test("offsets set moves one partition; offsets restore puts the snapshot back", async () => {
    const { connector, topic } = await sinkThatRead(10);
    assert.match(
      (await run(app, operator, `offsets set ${connector} ${topic}:0=x --reason "typo"`)).summary,
      /is not topic:partition=offset/,
    );
    assert.match(
      (await run(app, operator, `offsets set ${connector} ${topic}:7=1 -c one --reason "no such partition"`))
        .summary,
      new RegExp(`${topic}:7 is not a partition this connector reads`),
    );
    assert.match(
      (await run(app, operator, `offsets set ${connector} ${topic}:0=99999 -c one --reason "too far"`))
        .summary,
      new RegExp(`${topic}:0=99999 is past the log end \\(10\\)`),
    );
    assert.match(
      (await run(app, operator, `offsets set ${connector} --json '[{"partition":{}}]' --reason "sink"`))
        .summary,
      /--json: expected \[\{"partition"/,
    );
    // --preview shows the plan the request would carry, and asks for nothing.
    const previewed = await run(
      app,
      operator,
      `offsets set ${connector} ${topic}:0=3 -c one --preview --reason "what would it replay?"`,
    );
    assert.match(
      renderText(previewed),
      new RegExp(`nothing was asked[^]*${topic}:0  10 → 3  \\(replays 7\\)`),
    );
    assert.equal((await app.approvals.recent(100)).filter((r) => r.connector === connector).length, 0);
    // Paused, the sink stays where the change puts it, so the restore below has something to undo.
    await connect().pause(connector);
    const asked = await run(
      app,
      operator,
      `offsets set ${connector} ${topic}:0=3 -c one --reason "skip back"`,
    );
    assert.match(renderText(asked), new RegExp(`${topic}:0  10 → 3  \\(replays 7\\)`));
    const set = idOf(asked);
    await run(app, approver, `approve ${set}`);
    assert.equal((await finished(app, set)).state, "succeeded");
    assert.deepEqual(await committed(connector), [3]);

    const restore = await run(app, operator, `offsets restore ${set} -c one --reason "undo"`);
    assert.match(renderText(restore), new RegExp(`Back to the snapshot taken by ${set}`));
    assert.match(
      (await run(app, operator, `offsets restore ${set} -c two --reason "wrong cluster"`)).summary,
      /ran on cluster one: add `--cluster one`/,
    );
    const restored = idOf(restore);
    await run(app, approver, `approve ${restored}`);
    const done = await finished(app, restored);
    assert.equal(done.state, "succeeded", done.outcome);
    assert.deepEqual(await committed(connector), [10]);
    assert.equal(done.priorState, "PAUSED");
    assert.equal(
      (await connect().status(connector)).connector.state,
      "PAUSED",
      "returned to its prior state",
    );
  });

  test("a source connector's offsets: set from the JSON `offsets get` shows, then restored from the snapshot", async () => {
    const input = join(dir, "source-input.txt");
    await writeFile(input, "one\ntwo\nthree\n");
    const connector = uniqueName("ops-source");
    await connect().putConfig(connector, {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
      file: input,
      topic: uniqueName("ops-source-topic"),
    });
    const position = async () =>
      (await connect().offsets(connector)).offsets.find((o) => o.partition.filename === input)?.offset
        ?.position;
    await eventually("the source to read the file", async () =>
      (await position()) === 14 ? true : undefined,
    );

    assert.match(
      (await run(app, operator, `offsets set ${connector} ${connector}:0=1 -c one --reason "wrong form"`))
        .summary,
      /is a source connector: .*--json/,
    );
    const json = JSON.stringify([{ partition: { filename: input }, offset: { position: 4 } }]);
    const asked = await run(
      app,
      operator,
      `offsets set ${connector} --json '${json}' -c one --reason "re-read two and three"`,
    );
    assert.match(renderText(asked), /\{"position":14\} → \{"position":4\}/);
    // The source reads one more line before the approval: the absolute offset stays, the done text says it moved.
    await appendFile(input, "four\n");
    await eventually("the source to read the new line", async () =>
      (await position()) === 19 ? true : undefined,
    );
    await run(app, approver, `approve ${idOf(asked)}`);
    const set = await finished(app, idOf(asked));
    assert.equal(set.state, "succeeded", set.outcome);
    assert.match(
      inUtc(describeExecution(set) ?? []),
      /had moved since the preview at .*: \{"filename":".*"\} \{"position":14\} → \{"position":19\} \(\+5\)\. The offsets set are the ones approved/,
    );
    // Resumed, the source reads "two", "three" and "four" again and moves back to the end of the file.
    await eventually("the source to read from byte 4 to the end again", async () =>
      (await position()) === 19 ? true : undefined,
    );

    // Back at the end of the file, the snapshot's offsets are the current ones: restoring changes nothing.
    const noop = await run(app, operator, `offsets restore ${idOf(asked)} -c one --reason "undo"`);
    assert.match(noop.summary, /Nothing would change/);
    // Paused and set back to byte 4 again, there is something to undo.
    await connect().pause(connector);
    const again = await run(
      app,
      operator,
      `offsets set ${connector} --json '${json}' -c one --reason "again"`,
    );
    await run(app, approver, `approve ${idOf(again)}`);
    assert.equal((await finished(app, idOf(again))).state, "succeeded");
    assert.equal(await position(), 4);
    const undo = await run(app, operator, `offsets restore ${idOf(again)} -c one --reason "undo"`);
    assert.match(renderText(undo), /\{"filename":.*\} {2}→ \{"position":19\}/);
    await run(app, approver, `approve ${idOf(undo)}`);
    assert.equal((await finished(app, idOf(undo))).state, "succeeded");
    assert.equal(await position(), 19);
    await connect().deleteConnector(connector);
  });

  test("a cluster that needs no approval runs at once; one that needs two waits for two different people", async () => {
    const { connector, topic } = await sinkThatRead(4);
    const free = await run(app, operator, `offsets set ${connector} ${topic}:0=1 -c free --reason "staging"`);
    assert.match(free.summary, /no approval is needed there/);
    assert.equal((await finished(app, idOf(free))).state, "succeeded");

    const asked = await run(app, operator, `stop ${connector} -c two --reason "needs two"`);
    assert.match(asked.summary, /waiting for 2 approvers/);
    const id = idOf(asked);
    assert.match((await run(app, approver, `approve ${id}`)).summary, /needs 1 more approver/);
    assert.match((await run(app, approver, `approve ${id}`)).summary, /You approved .* already/);
    assert.equal((await app.approvals.get(id))?.state, "pending");
    assert.equal((await connect().status(connector)).connector.state, "RUNNING");
    await run(app, secondApprover, `approve ${id}`);
    const done = await finished(app, id);
    assert.equal(done.state, "succeeded");
    assert.deepEqual(
      done.approvedBy.map((p) => p.name),
      ["anna", "abel"],
    );
  });

  test("a rebalance (409) while changing offsets is retried: the change lands once", async () => {
    const { connector, topic } = await sinkThatRead(6);
    const id = idOf(
      await run(app, operator, `offsets set ${connector} ${topic}:0=2 -c one --reason "rebalance"`),
    );
    const before = proxy.requests.length;
    proxy.answerNextMatching(
      { method: "PATCH", path: /\/offsets$/ },
      2,
      409,
      "Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)",
    );
    await run(app, approver, `approve ${id}`);
    const done = await finished(app, id);
    assert.equal(done.state, "succeeded", done.outcome);
    const patches = proxy.requests.slice(before).filter((r) => r.method === "PATCH");
    assert.equal(patches.length, 3, "two refused, one applied");
    assert.equal((await connect().status(connector)).connector.state, "RUNNING");
  });

  test("Connect down in the middle of an execution ends in a failed state that says where the connector was left", async () => {
    const faulty = await start(`${prefix}down:`, {
      afterStep: async (step: string) => {
        if (step === "resolved") proxy.setDown(true);
      },
    });
    try {
      const { connector, topic } = await sinkThatRead(5);
      const id = idOf(
        await run(faulty, operator, `offsets set ${connector} ${topic}:0=1 -c one --reason "down"`),
      );
      await run(faulty, approver, `approve ${id}`);
      const done: ApprovalRequest = await finished(faulty, id);
      proxy.setDown(false);
      assert.equal(done.state, "failed");
      assert.match(done.outcome ?? "", /^Failed while changing the offsets: /);
      assert.match(
        done.outcome ?? "",
        /The change was sent but Connect.s answer was lost, so the connector was left STOPPED on purpose/,
      );
      assert.equal((await connect().status(connector)).connector.state, "STOPPED");
      assert.deepEqual(await committed(connector), [5]);
    } finally {
      proxy.setDown(false);
      await faulty.close();
    }
  });
});
