// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import type { ApprovalRequest } from "../approvals/approval-request.js";
import { describeExecution } from "../approvals/approval-words.js";
import type { ApprovalsOptions } from "../approvals/approvals.js";
import { executeApproval } from "../approvals/execute-approval.js";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import type { Actor } from "../src/core/command-spec.js";
import { inUtc, type Reply } from "../src/core/reply.js";
import { RedisApprovalStore } from "../src/redis/redis-approval-store.js";
import { renderText } from "../src/shell/render-text.js";
import { runCommandOnce } from "../src/shell/shell.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import {
  createTopicWithMessages,
  eventually,
  fileSinkThatRead,
  produce,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";

const person = (id: string, name: string): Actor => ({ id, name, source: "slack" });
const viewer = person("U0VIEW", "vera");
const operator = person("U0OPER", "otto");
const approver = person("U0APPR", "anna");

/** Two clusters on the one test bed: `one` waits for an approver, `free` needs none. */
function configFile(connectUrl: string): string {
  const cluster = (name: string, approvals: string) => `
  - name: ${name}
    connect: { url: "${connectUrl}" }
    kafka: { brokers: ["${testBed().bootstrapServers}"] }
    roles: { viewer: [${viewer.id}], operator: [${operator.id}], approver: [${approver.id}] }
    ${approvals}`;
  return `clusters:${cluster("one", "default: true")}${cluster("free", "approvals: { required: [] }")}
`;
}

describe("approvals you can trust: the change that runs is the change that was approved", () => {
  const { prefix, cleanup } = testRedis("approvals-trust");
  const kafka = testKafka();
  let proxy: FaultProxy;
  let app: App;
  let dir: string;
  let calls = 0;
  let apps = 0;

  const start = (options: { worker?: boolean; approvalOptions?: Partial<ApprovalsOptions> } = {}) => {
    const started = createApp({
      config: loadConfig({ CONFIG_FILE: "clusters.yaml", LOG_LEVEL: "silent" }, () => configFile(proxy.url)),
      keyPrefix: `${prefix}${++apps}:`,
      ...(options.approvalOptions === undefined ? {} : { approvalOptions: options.approvalOptions }),
    });
    return options.worker === false ? started : started.approvals.startWorker().then(() => started);
  };
  const run = (a: App, actor: Actor, text: string): Promise<Reply> =>
    a.dispatcher.dispatch({ actor, text, requestId: `t${++calls}` });
  const idOf = (reply: Reply) => requestIdIn(reply.summary);
  const finished = (a: App, id: string) =>
    eventually(`${id} to finish`, async () => {
      const request = await a.approvals.get(id);
      return request?.state === "succeeded" || request?.state === "failed" ? request : undefined;
    });
  const connect = () => app.clusters[0]?.connect ?? assert.fail("no cluster");
  const committed = async (connector: string) =>
    (await connect().offsets(connector)).offsets.map((o) => o.offset?.kafka_offset);
  const fileLines = async (file: string) => (await readFile(file, "utf8")).split("\n").filter(Boolean);
  /** Writes `count` more messages, numbered on from `from`, and waits for the running sink to commit them. */
  async function sinkReads(connector: string, topic: string, from: number, count: number) {
    await produce(
      kafka,
      topic,
      Array.from({ length: count }, (_, i) => ({ value: `${topic}-${from + i}`, partition: 0 })),
    );
    await eventually(`${connector} to commit ${from + count}`, async () =>
      (await committed(connector))[0] === from + count ? true : undefined,
    );
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "approvals-trust-"));
    proxy = await FaultProxy.start(testBed().connectUrl);
    app = await start();
  });
  after(async () => {
    await app.close();
    await proxy.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("--to-latest is resolved after the stop: a sink that read 200 more since the preview replays nothing", async () => {
    const { connector, topic, file } = await fileSinkThatRead(connect(), kafka, dir, 100);
    // Behind by 50 when asked, so the preview has something to skip.
    await connect().pause(connector);
    // Pausing is asynchronous: until the task says PAUSED it may still read what is produced next.
    await eventually(`${connector} PAUSED`, async () => {
      const { connector: state, tasks } = await connect().status(connector);
      return state.state === "PAUSED" && tasks.every((task) => task.state === "PAUSED") ? true : undefined;
    });
    await produce(
      kafka,
      topic,
      Array.from({ length: 50 }, (_, i) => ({ value: `${topic}-${100 + i}`, partition: 0 })),
    );
    const asked = await run(
      app,
      operator,
      `offsets reset ${connector} --to-latest --reason "skip the backlog"`,
    );
    const text = renderText(asked);
    assert.match(text, new RegExp(`${topic}:0  100 → 150  \\(skips 50\\)`));
    assert.match(
      text,
      /Preview as of \d\d:\d\d:\d\d UTC\. The target is resolved again when the change runs/,
    );
    // The sink reads the 50 and 200 more before anybody approves.
    await connect().resume(connector);
    await sinkReads(connector, topic, 150, 200);

    await run(app, approver, `approve ${idOf(asked)}`);
    const done = await finished(app, idOf(asked));
    assert.equal(done.state, "succeeded", done.outcome);
    assert.deepEqual(done.resolved?.moves, [
      { partition: `${topic}:0`, before: 350, after: 350, replay: 0, skip: 0 },
    ]);
    assert.deepEqual(await committed(connector), [350]);
    await eventually("the sink RUNNING again", async () =>
      (await connect().status(connector)).connector.state === "RUNNING" ? true : undefined,
    );
    await produce(kafka, topic, [{ value: `${topic}-350`, partition: 0 }]);
    const lines = await eventually("message 350 delivered", async () => {
      const read = await fileLines(file);
      return read.includes(`${topic}-350`) ? read : undefined;
    });
    assert.equal(lines.length, 351, "every message delivered once: nothing replayed");
  });

  test("--shift-by -50 replays exactly 50 from where the sink is when the change runs, and the done text says how far it moved", async () => {
    const { connector, topic, file } = await fileSinkThatRead(connect(), kafka, dir, 100);
    const asked = await run(
      app,
      operator,
      `offsets reset ${connector} --shift-by -50 --reason "redo the last 50"`,
    );
    assert.match(renderText(asked), new RegExp(`${topic}:0  100 → 50  \\(replays 50\\)`));
    await sinkReads(connector, topic, 100, 20);

    await run(app, approver, `approve ${idOf(asked)}`);
    const done = await finished(app, idOf(asked));
    assert.equal(done.state, "succeeded", done.outcome);
    assert.deepEqual(done.resolved?.moves, [
      { partition: `${topic}:0`, before: 120, after: 70, replay: 50, skip: 0 },
    ]);
    assert.match(
      inUtc(describeExecution(done) ?? []),
      new RegExp(
        `The sink had moved by \\+20 since the preview \\(${topic}:0 100 → 120\\), so the target was resolved`,
      ),
    );
    const lines = await eventually("the replay", async () => {
      const read = await fileLines(file);
      return read.length >= 170 ? read : undefined;
    });
    assert.deepEqual(
      lines.slice(120),
      Array.from({ length: 50 }, (_, i) => `${topic}-${70 + i}`),
    );
    await new Promise((done) => setTimeout(done, 1500));
    assert.equal((await fileLines(file)).length, 170, "exactly 50 replayed");
  });

  test("a relative target is resolved only on the partitions the approver saw: a topic the sink took on since is left alone", async () => {
    const { connector, topic, file } = await fileSinkThatRead(connect(), kafka, dir, 10);
    const asked = await run(app, operator, `offsets reset ${connector} --to-earliest --reason "redo all"`);
    assert.match(renderText(asked), new RegExp(`${topic}:0  10 → 0  \\(replays 10\\)`));
    // Before anybody approves, the sink is given a second topic, and reads it.
    const added = uniqueName("topic");
    await createTopicWithMessages(kafka, added, { partitions: 1, count: 6 });
    await connect().putConfig(connector, {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: `${topic},${added}`,
      file,
    });
    const offsetOf = async (wanted: string) =>
      (await connect().offsets(connector)).offsets.find((o) => o.partition.kafka_topic === wanted)?.offset
        ?.kafka_offset;
    await eventually(`${connector} to read ${added}`, async () =>
      (await offsetOf(added)) === 6 ? true : undefined,
    );

    await run(app, approver, `approve ${idOf(asked)}`);
    const done = await finished(app, idOf(asked));
    assert.equal(done.state, "succeeded", done.outcome);
    assert.deepEqual(
      done.resolved?.moves?.map((m) => m.partition),
      [`${topic}:0`],
    );
    assert.equal(await offsetOf(topic), 0);
    assert.equal(await offsetOf(added), 6, "the topic nobody saw in the plan is not replayed");
  });

  test("an absolute --to-offset stays absolute; the done text says how far the replaced offsets moved", async () => {
    const { connector, topic } = await fileSinkThatRead(connect(), kafka, dir, 40);
    const asked = await run(app, operator, `offsets reset ${connector} --to-offset 10 --reason "absolute"`);
    assert.match(renderText(asked), /These offsets are absolute and are set as shown/);
    await sinkReads(connector, topic, 40, 15);
    await run(app, approver, `approve ${idOf(asked)}`);
    const done = await finished(app, idOf(asked));
    assert.equal(done.state, "succeeded", done.outcome);
    assert.deepEqual(done.resolved?.moves, [
      { partition: `${topic}:0`, before: 55, after: 10, replay: 45, skip: 0 },
    ]);
    assert.match(
      inUtc(describeExecution(done) ?? []),
      new RegExp(
        `Replayed 45, skipped 0 over 1 partition\\(s\\) \\(the preview at .* said 30 and 0\\)\\. The offsets it replaced had moved by \\+15 since the preview \\(${topic}:0 40 → 55\\)`,
      ),
    );
  });

  test("a one-shot command on a cluster that needs no approval waits for the execution and exits with its real outcome", async () => {
    const oneShot = (await start({ worker: false })) as App;
    try {
      const { connector } = await fileSinkThatRead(connect(), kafka, dir, 12);
      let output = "";
      const out = new Writable({
        write(chunk, _encoding, done) {
          output += String(chunk);
          done();
        },
      });
      const code = await runCommandOnce(
        oneShot,
        `offsets reset ${connector} --to-offset 5 -c free --reason "one-shot"`,
        out,
      );
      assert.match(output, /runs now/);
      assert.match(output, /is done\. Replayed 7, skipped 0/);
      // The same outcome Slack posts under the request's message: each partition before and after, and the undo.
      assert.match(output, /:0 +12 +5 +7 +0 +12 → 5/);
      assert.match(output, /Undo with `offsets restore [a-z0-9-]+ --reason/);
      assert.equal(code, 0);
      assert.deepEqual(await committed(connector), [5], "changed before the process exits");
      const asked = (await oneShot.approvals.recent(5)).find((r) => r.connector === connector);
      assert.equal(asked?.state, "succeeded");
    } finally {
      await oneShot.close();
    }
  });

  test("an approved request that no process starts in time fails as stale and never runs late", async () => {
    const told: ApprovalRequest[] = [];
    const late = createApp({
      config: loadConfig({ CONFIG_FILE: "clusters.yaml", LOG_LEVEL: "silent" }, () => configFile(proxy.url)),
      keyPrefix: `${prefix}late:`,
      approvalNotifier: () => ({
        async changed(request) {
          told.push(request);
          return undefined;
        },
      }),
      approvalOptions: { startWithinMs: 1_000 },
    });
    try {
      const { connector } = await fileSinkThatRead(connect(), kafka, dir, 9);
      const asked = await run(
        late,
        operator,
        `offsets reset ${connector} --to-earliest -c free --reason "late"`,
      );
      assert.match(asked.summary, /runs now/);
      // No process runs it for longer than the bound; then a bot starts.
      await new Promise((done) => setTimeout(done, 1_500));
      await late.approvals.startWorker();
      const done = await finished(late, idOf(asked));
      assert.equal(done.state, "failed");
      assert.match(done.outcome ?? "", /^Not run: no bot process started it within 1\.0 s of its approval/);
      assert.match(done.outcome ?? "", /Nothing was changed/);
      assert.ok(
        told.some((r) => r.id === done.id && r.state === "failed"),
        "the requester and message are told",
      );
      assert.deepEqual(await committed(connector), [9], "the offsets are untouched");
      assert.equal((await connect().status(connector)).connector.state, "RUNNING");
    } finally {
      await late.close();
    }
  });

  test("an execution whose bot died before the change and that is resumed after the start bound fails as stale; the connector runs again, untouched", async () => {
    const idle = (await start({ worker: false, approvalOptions: { startWithinMs: 1_000 } })) as App;
    try {
      const { connector } = await fileSinkThatRead(connect(), kafka, dir, 6);
      const id = idOf(
        await run(idle, operator, `offsets reset ${connector} --to-offset 1 -c free --reason "died"`),
      );
      // A bot took it, stopped the connector and died there; no other bot runs until well past the bound.
      await connect().stop(connector);
      await eventually("the sink STOPPED", async () =>
        (await connect().status(connector)).connector.state === "STOPPED" ? true : undefined,
      );
      const store = new RedisApprovalStore(idle.redis, idle.keyPrefix);
      const died = await store.transition(id, ["approved"], (r) => ({
        ...r,
        state: "executing",
        executor: "a-bot-that-died",
        step: "stopped",
        priorState: "RUNNING",
      }));
      assert.ok(died.ok);
      await new Promise((done) => setTimeout(done, 1_500));
      await idle.approvals.startWorker();
      const done = await finished(idle, id);
      assert.equal(done.state, "failed", done.outcome);
      assert.match(
        done.outcome ?? "",
        /^Not run: .* failed as stale rather than run late\. The offsets were not changed, and the connector was returned to RUNNING\./,
      );
      assert.deepEqual(await committed(connector), [6], "the offsets are untouched");
      await eventually("the sink RUNNING again", async () =>
        (await connect().status(connector)).connector.state === "RUNNING" ? true : undefined,
      );
    } finally {
      await idle.close();
    }
  });

  test("one open request per connector: asked twice in the same instant, one is queued and the other names it", async () => {
    const { connector } = await fileSinkThatRead(connect(), kafka, dir, 6);
    const both = await Promise.all([
      run(app, operator, `offsets reset ${connector} --to-earliest --reason "first"`),
      run(app, operator, `stop ${connector} --reason "second"`),
    ]);
    const queued = both.filter((r) => r.outcome === "succeeded");
    const refused = both.filter((r) => r.outcome === "refused");
    assert.equal(queued.length, 1, both.map((r) => r.summary).join(" | "));
    assert.equal(refused.length, 1);
    const id = idOf(queued[0] ?? assert.fail());
    assert.match(
      refused[0]?.summary ?? "",
      new RegExp(
        `${connector} already has an open request, ${id} \\(pending: .*: one change per connector at a time. Its requester can withdraw it with \`cancel ${id}\``,
      ),
    );
    // Once it ends, the connector takes a new request.
    await run(app, operator, `cancel ${id}`);
    const next = await run(app, operator, `stop ${connector} --reason "now"`);
    assert.equal(next.outcome, "succeeded", next.summary);
    await run(app, operator, `cancel ${idOf(next)}`);
  });

  test("a pending request past its expiry no longer holds its connector, even if its expiry job never ran", async () => {
    // No worker: the job that would mark it expired never runs (lost, or no bot is up).
    const idle = (await start({ worker: false, approvalOptions: { expiryMs: 1_500 } })) as App;
    try {
      const { connector } = await fileSinkThatRead(connect(), kafka, dir, 3);
      const first = idOf(await run(idle, operator, `stop ${connector} --reason "forgotten"`));
      const refused = await run(idle, operator, `stop ${connector} --reason "too soon"`);
      assert.match(refused.summary, new RegExp(`already has an open request, ${first}`));
      await new Promise((done) => setTimeout(done, 1_700));
      const late = await run(idle, approver, `approve ${first}`);
      assert.equal(late.outcome, "refused");
      assert.match(late.summary, new RegExp(`${first} expired at`));
      const next = await run(idle, operator, `stop ${connector} --reason "asked again"`);
      assert.equal(next.outcome, "succeeded", next.summary);
      assert.notEqual(idOf(next), first);
      await run(idle, operator, `cancel ${idOf(next)}`);
    } finally {
      await idle.close();
    }
  });

  test("an execution waits for the connector's lock: nothing reaches Connect while another owner holds it", async () => {
    const idle = (await start({ worker: false })) as App;
    try {
      const { connector } = await fileSinkThatRead(connect(), kafka, dir, 8);
      const id = idOf(
        await run(idle, operator, `offsets reset ${connector} --to-offset 2 -c free --reason "lock"`),
      );
      const store = new RedisApprovalStore(idle.redis, idle.keyPrefix);
      // Another execution (a killed one, say) holds the lock and never renews it: it expires after 1.5 s.
      assert.ok(await store.lock({ cluster: "free", connector }, "another-execution", 1_500));
      const startedAt = performance.now();
      const before = proxy.requests.length;
      const done = await executeApproval(id, {
        store,
        connect: idle.clusters[1]?.connect ?? assert.fail(),
        kafka: idle.clusters[1]?.lag ?? assert.fail(),
        now: () => Date.now(),
      });
      assert.equal(done.state, "succeeded", done.outcome);
      const first = proxy.requests[before] ?? assert.fail("no Connect call");
      assert.ok(
        first.startedMs - startedAt >= 1_300,
        `the first call came ${first.startedMs - startedAt} ms in`,
      );
    } finally {
      await idle.close();
    }
  });

  test("a run whose connector lock ran out under it (a stall) is resumed from its saved step, never left holding the connector", async () => {
    const { connector } = await fileSinkThatRead(connect(), kafka, dir, 8);
    let stalled = false;
    const stalling = (await start({
      approvalOptions: {
        afterStep: async (step, request) => {
          if (step !== "stopped" || stalled) return;
          stalled = true;
          // As if the process froze past the lock's TTL: the lock is gone, and nobody else has taken it.
          await stalling.redis.del(
            `${stalling.keyPrefix}approval:lock:${JSON.stringify([request.cluster, request.connector])}`,
          );
          await new Promise((done) => setTimeout(done, 2_500));
        },
      },
    })) as App;
    try {
      const asked = await run(
        stalling,
        operator,
        `offsets reset ${connector} --to-offset 2 -c free --reason "stall"`,
      );
      const done = await finished(stalling, idOf(asked));
      assert.ok(stalled, "the lock was taken away mid-run");
      assert.equal(done.state, "succeeded", done.outcome);
      assert.deepEqual(await committed(connector), [2]);
      const next = await run(stalling, operator, `stop ${connector} -c free --reason "free again"`);
      assert.equal(next.outcome, "succeeded", next.summary);
      assert.equal((await finished(stalling, idOf(next))).state, "succeeded");
    } finally {
      await stalling.close();
    }
  });

  test("a change that moves nothing is not queued; --to-offset past the log end is refused with the log end", async () => {
    const { connector } = await fileSinkThatRead(connect(), kafka, dir, 7);
    const atPosition = await run(app, operator, `offsets reset ${connector} --to-offset 7 --reason "no-op"`);
    assert.equal(atPosition.outcome, "succeeded");
    assert.match(atPosition.summary, /Nothing would change: .* no request was queued/);
    assert.match(renderText(atPosition), /:0 +7/);
    const future = await run(
      app,
      operator,
      `offsets reset ${connector} --to-datetime 2099-01-01T00:00:00Z --reason "future"`,
    );
    assert.match(future.summary, /Nothing would change/);
    const pastEnd = await run(app, operator, `offsets reset ${connector} --to-offset 500 --reason "too far"`);
    assert.equal(pastEnd.outcome, "refused", "a plan that cannot be is refused: nothing ran");
    assert.match(pastEnd.summary, /=500 is past the log end \(7\)/);
    assert.equal((await app.approvals.recent(100)).filter((r) => r.connector === connector).length, 0);
  });

  test("audit <connector> reads as what happened: each step by name, and a refused approval under the connector", async () => {
    const { connector } = await fileSinkThatRead(connect(), kafka, dir, 5);
    const id = idOf(await run(app, operator, `offsets reset ${connector} --to-offset 1 --reason "audit"`));
    assert.equal((await run(app, viewer, `approve ${id}`)).outcome, "refused");
    const approved = await run(app, approver, `approve ${id}`);
    // The typed approval says what it approved.
    assert.match(
      renderText(approved),
      new RegExp(
        `anna approved ${id}: \`offsets reset\` ${connector} on one, asked by otto \\("audit"\\)[^]*:0  5 → 1  \\(replays 4\\)`,
      ),
    );
    assert.equal((await finished(app, id)).state, "succeeded");
    const trail = renderText(await run(app, viewer, `audit ${connector} --limit 50`));
    for (const step of ["snapshot", "stopped", "resolved", "changed", "verified", "restored"])
      assert.match(trail, new RegExp(`succeeded: step ${step} done`));
    assert.match(trail, new RegExp(`vera .*approve ${id} .*refused`));
  });
});
