// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { ConnectClient } from "../src/connect/connect-client.js";
import { createSlackClient } from "../src/slack/slack-adapter.js";
import { SlackAlertNotifier } from "../src/slack/slack-alerts.js";
import { type RecordedCall, SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { testRedis } from "./support/redis-prefix.js";
import {
  createTopicWithMessages,
  eventually,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";
import { startWorkerGroup, type WorkerGroup } from "./support/worker-group.js";

const botToken = "xoxb-dead-worker";
const channel = "C0DEADWORKER";
const textOf = (call: RecordedCall) => `${String(call.args.text)} ${JSON.stringify(call.args.blocks ?? [])}`;

/**
 * A real group of two workers; the one that does not lead, running a sink's task, is SIGKILLed. Connect keeps showing the task RUNNING
 * on it (nobody writes its status) until the session timeout (6 s here) and the scheduled rebalance delay (20 s
 * here) have passed: the alert must fire inside that time, after the grace (5 s here), naming the dead worker, and
 * resolve once the other worker runs the task.
 */
describe("unassigned: a connector's worker dies", () => {
  const { prefix, cleanup } = testRedis("dead-worker");
  const kafka = testKafka();
  let group: WorkerGroup;
  let standIn: SlackApiStandIn;
  let dir: string;
  let app: App | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "dead-worker-"));
    standIn = await SlackApiStandIn.start({ botToken, users: [] });
    group = await startWorkerGroup({ workers: 2, rebalanceDelayMs: 20_000 });
  });
  after(async () => {
    await app?.close();
    await group.close();
    await standIn.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("a SIGKILLed worker's task: the alert fires after the grace naming that worker, and resolves once it is reassigned", async () => {
    const [one, two] = group.workers;
    assert.ok(one !== undefined && two !== undefined);
    const direct = new ConnectClient({ cluster: "group", url: one.url });
    const topic = uniqueName("dead-worker");
    await createTopicWithMessages(kafka, topic, { partitions: 2, count: 4 });
    // Three sinks of one task each: six parts over two workers, so each worker runs something the states name.
    const sinks = [uniqueName("dw-sink"), uniqueName("dw-sink"), uniqueName("dw-sink")];
    for (const sink of sinks) {
      await direct.putConfig(sink, {
        "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
        topics: topic,
        file: join(dir, `${sink}.txt`),
      });
    }
    // The worker killed must not be the leader: a new leader knows nothing of the dead worker's assignment and
    // hands its task out at once, so the alert would race the reassignment (WorkerGroup.leader).
    const leader = await group.leader();
    const { target, doomed } = await eventually(
      "all sinks running on both workers, one task on a worker that does not lead",
      async () => {
        const listed = (await direct.listConnectors()).filter((c) => sinks.includes(c.name));
        const running = listed.every(
          (c) => c.state === "RUNNING" && c.tasks.length === 1 && c.tasks[0]?.state === "RUNNING",
        );
        const workers = new Set(listed.flatMap((c) => [c.workerId, ...c.tasks.map((t) => t.worker_id)]));
        if (listed.length !== sinks.length || !running || workers.size !== 2) return undefined;
        const found = listed.find((c) => c.tasks[0]?.worker_id !== leader.workerId);
        const worker = group.workers.find((each) => each.workerId === found?.tasks[0]?.worker_id);
        return found === undefined || worker === undefined ? undefined : { target: found, doomed: worker };
      },
    );
    await direct.close();
    const survivor = group.workers.find((worker) => worker !== doomed);
    assert.ok(survivor !== undefined && survivor === leader, "the other worker leads the group");

    const config = loadConfig(
      {
        CONFIG_FILE: "alerts.yaml",
        LOG_LEVEL: "silent",
        SLACK_BOT_TOKEN: botToken,
        SLACK_API_URL: standIn.apiUrl,
      },
      () => `
alerts:
  channel: ${channel}
  pollInterval: 1s
  thresholds: { unassigned: 5s }
clusters:
  - name: group
    connect: { url: "${survivor.url}" }
    kafka: { brokers: ["${testBed().bootstrapServers}"] }
`,
    );
    const slack = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    app = createApp({
      config,
      keyPrefix: `${prefix}bot:`,
      alertNotifier: () => new SlackAlertNotifier(slack),
    });
    await app.alerts.start();

    await doomed.kill();
    const killedAt = Date.now();
    const fired = await standIn.waitForCall(
      "chat.postMessage",
      (call) =>
        call.args.channel === channel &&
        /unassigned/.test(textOf(call)) &&
        textOf(call).includes(target.name),
      60_000,
    );
    const firedAfterMs = Date.now() - killedAt;
    assert.ok(firedAfterMs >= 5_000, `not before the 5 s grace: ${firedAfterMs} ms`);
    assert.match(
      textOf(fired),
      new RegExp(`task 0 on worker ${doomed.workerId.replaceAll(".", "\\.")}, which does not answer`),
    );
    // Connect still shows the task RUNNING on the dead worker: the probe, not a state, found it.
    const status = await app.clusters[0]?.connect.status(target.name);
    assert.equal(status?.tasks[0]?.worker_id, doomed.workerId, "not yet reassigned when the alert fired");

    const resolved = await standIn.waitForCall(
      "chat.update",
      (call) =>
        call.args.channel === channel &&
        textOf(call).includes(target.name) &&
        /RESOLVED: unassigned/.test(textOf(call)),
      90_000,
    );
    assert.match(
      textOf(resolved),
      new RegExp(doomed.workerId.replaceAll(".", "\\.")),
      "the resolved message keeps the worker",
    );
    const after = await app.clusters[0]?.connect.status(target.name);
    assert.equal(after?.tasks[0]?.worker_id, survivor.workerId, "the survivor runs the task now");
    assert.equal(after?.tasks[0]?.state, "RUNNING");
    console.log(`dead worker: alert after ${firedAfterMs} ms, resolved after ${Date.now() - killedAt} ms`);
  });
});
