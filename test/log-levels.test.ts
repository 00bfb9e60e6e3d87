// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { ConnectClient } from "../src/connect/connect-client.js";
import { renderText } from "../src/shell/render-text.js";
import { SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { AutomationBots } from "./support/automation-bots.js";
import { testRedis } from "./support/redis-prefix.js";
import {
  createTopicWithMessages,
  eventually,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";
import { startWorkerGroup } from "./support/worker-group.js";

/** A real logger of the test bed's worker that only FileStreamSink tasks write to: a few seconds of DEBUG is harmless. */
const logger = "org.apache.kafka.connect.file.FileStreamSinkTask";
const operator = { id: "U0LOGS", name: "lou", source: "slack" };
const botToken = "xoxb-log-levels";

const configFileText = (connectUrl: string) => `
alerts:
  channel: C0LOGALERTS
  pollInterval: 1s
automation:
  channel: C0LOGOPS
clusters:
  - name: main
    connect: { url: "${connectUrl}" }
    kafka: { brokers: ["${testBed().bootstrapServers}"] }
    roles: { operator: [${operator.id}] }
`;

describe("log levels that put themselves back", () => {
  const { prefix, cleanup } = testRedis("log-levels");
  const keyPrefix = `${prefix}bot:`;
  let standIn: SlackApiStandIn;
  let bots: AutomationBots;
  let dir: string;
  let app: App;
  const level = async () => (await app.clusters[0]?.connect.logger(logger))?.level;
  const run = (text: string, requestId: string) =>
    app.dispatcher.dispatch({ actor: operator, text, requestId });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "log-levels-"));
    standIn = await SlackApiStandIn.start({ botToken });
    const configFile = join(dir, "bot.yaml");
    await writeFile(configFile, configFileText(testBed().connectUrl));
    bots = new AutomationBots({ configFile, keyPrefix, slack: { botToken, apiUrl: standIn.apiUrl } });
    // This process takes the commands, as a Slack-facing replica would; the bots it starts run the automation.
    app = createApp({
      config: loadConfig({ CONFIG_FILE: configFile, LOG_LEVEL: "silent" }, () =>
        configFileText(testBed().connectUrl),
      ),
      keyPrefix,
    });
  });
  after(async () => {
    await bots.closeAll();
    await app.close();
    await standIn.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("DEBUG needs --for; set for 6 s, the bot that would put it back is killed (SIGKILL), the next bot puts the level back once, on time", async () => {
    const doomed = await bots.start();
    const before = await level();
    const refused = await run(`loggers set ${logger} DEBUG --reason "commits look slow"`, "log-refused");
    assert.equal(refused.outcome, "refused");
    assert.match(renderText(refused), /DEBUG and TRACE fill disks: say how long with --for/);
    const set = await run(`loggers set ${logger} DEBUG --for 6s --reason "commits look slow"`, "log-set");
    const setAt = Date.now();
    assert.equal(set.outcome, "succeeded", renderText(set));
    assert.match(renderText(set), new RegExp(`goes back to ${before}`));
    assert.match(renderText(set), /Worker scope: only 127\.0\.0\.1:\d+; a restart of that worker loses it/);
    assert.equal(await level(), "DEBUG");
    await bots.kill(doomed);
    await bots.start();
    await eventually("the level back", async () => ((await level()) === before ? true : undefined), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    const backAfter = Date.now() - setAt;
    assert.ok(backAfter >= 5_800 && backAfter < 14_000, `back after ${backAfter} ms`);
    await sleep(2_000);
    const reverts = (await app.audit.query({ limit: 20 })).filter(
      (entry) => entry.command === "loggers revert",
    );
    assert.equal(reverts.length, 1);
    assert.match(reverts[0]?.args ?? "", new RegExp(`${logger} DEBUG → ${before}`));
  });

  test("loggers reset ends it early; a second reset has nothing to put back", async () => {
    const before = await level();
    await run(`loggers set ${logger} TRACE --for 10m --reason "snapshot stuck"`, "log-set-2");
    assert.equal(await level(), "TRACE");
    const reset = await run(`loggers reset ${logger}`, "log-reset");
    assert.equal(reset.outcome, "succeeded", renderText(reset));
    assert.equal(await level(), before);
    const again = await run(`loggers reset ${logger}`, "log-reset-2");
    assert.equal(again.outcome, "refused");
  });
});

describe("log levels on a group of two workers: --worker, and each worker's own level put back", () => {
  const { prefix, cleanup } = testRedis("log-levels-group");
  const kafka = testKafka();
  let group: Awaited<ReturnType<typeof startWorkerGroup>>;
  let app: App;
  let dir: string;
  let first: string;
  let second: string;
  const run = (text: string, requestId: string) =>
    app.dispatcher.dispatch({ actor: operator, text, requestId });
  const levelAt = async (worker: string) =>
    (await app.clusters[0]?.connect.atWorker(worker).logger(logger))?.level;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "log-levels-group-"));
    group = await startWorkerGroup({ workers: 2, rebalanceDelayMs: 5_000 });
    first = group.workers[0]?.url ?? assert.fail("no worker");
    second = group.workers[1]?.url ?? assert.fail("no second worker");
    app = createApp({
      config: loadConfig({ CONFIG_FILE: "group.yaml", LOG_LEVEL: "silent" }, () => configFileText(first)),
      keyPrefix: `${prefix}bot:`,
    });
    app.automation.start();
    // A connector with two tasks, so that each worker runs something and a status names it.
    const topic = uniqueName("log-group-topic");
    await createTopicWithMessages(kafka, topic, { partitions: 2, count: 2 });
    const connect = app.clusters[0]?.connect ?? assert.fail("no cluster");
    // A group just formed may take its time over its first write: the same PUT again is harmless.
    const direct = new ConnectClient({ cluster: "group", url: first });
    const sink = uniqueName("log-group-sink");
    await eventually(
      `${sink} created`,
      () =>
        direct
          .putConfig(sink, {
            "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
            topics: topic,
            file: join(dir, "out.txt"),
            "tasks.max": "2",
          })
          .then(() => true),
      { timeoutMs: 90_000, intervalMs: 1_000 },
    );
    await direct.close();
    // Each worker must run one of its tasks: a worker has the task class's logger only once it has loaded the
    // class, and Connect answers 404 for a logger it does not have. A status naming the worker is not enough (it
    // may run only the connector).
    const ids = group.workers.map((worker) => worker.workerId);
    await eventually(
      `${sink}'s tasks running on ${ids.join(" and ")}`,
      async () => {
        const tasks = (await connect.listConnectors()).find((each) => each.name === sink)?.tasks ?? [];
        const on = new Set(tasks.filter((task) => task.state === "RUNNING").map((task) => task.worker_id));
        return ids.every((id) => on.has(id)) ? true : undefined;
      },
      { timeoutMs: 90_000 },
    );
  });
  after(async () => {
    await app.close();
    await group.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("--cluster-wide for 5 s: both workers change, then each gets its own earlier level back (they differed)", async () => {
    await app.clusters[0]?.connect.atWorker(second).setLoggerLevel(logger, "ERROR", "worker");
    const firstBefore = (await levelAt(first)) ?? assert.fail("no level");
    assert.notEqual(firstBefore, "ERROR");
    const set = await run(
      `loggers set ${logger} DEBUG --cluster-wide --for 5s --reason "slow commits everywhere"`,
      "group-set",
    );
    assert.equal(set.outcome, "succeeded", renderText(set));
    assert.match(
      renderText(set),
      new RegExp(
        `goes back to (${firstBefore} on [\\d.:]+, ERROR on [\\d.:]+|ERROR on [\\d.:]+, ${firstBefore} on [\\d.:]+)`,
      ),
    );
    for (const worker of [first, second])
      await eventually(
        `DEBUG on ${worker}`,
        async () => ((await levelAt(worker)) === "DEBUG" ? true : undefined),
        {
          timeoutMs: 15_000,
        },
      );
    await eventually(
      "each worker's own level back",
      async () =>
        (await levelAt(first)) === firstBefore && (await levelAt(second)) === "ERROR" ? true : undefined,
      { timeoutMs: 30_000 },
    );
    await sleep(3_000);
    assert.equal(await levelAt(first), firstBefore, "still the first worker's own level");
    assert.equal(await levelAt(second), "ERROR", "still the second worker's own level");
  });

  test("--worker changes that worker only, and reset puts its own level back; an address outside the group is refused", async () => {
    const firstBefore = await levelAt(first);
    const secondBefore = await levelAt(second);
    const set = await run(
      `loggers set ${logger} TRACE --worker ${second} --for 10m --reason "one task is slow"`,
      "group-worker",
    );
    assert.equal(set.outcome, "succeeded", renderText(set));
    assert.match(renderText(set), new RegExp(`Worker scope: only ${new URL(second).host}`));
    assert.equal(await levelAt(second), "TRACE");
    assert.equal(await levelAt(first), firstBefore, "the other worker is untouched");
    const listed = await run(`loggers ${logger} --worker ${second}`, "group-list");
    assert.match(renderText(listed), new RegExp(`${logger} +TRACE`));
    const reset = await run(`loggers reset ${logger}`, "group-reset");
    assert.equal(reset.outcome, "succeeded", renderText(reset));
    assert.equal(await levelAt(second), secondBefore);

    const outside = await run(
      `loggers set ${logger} DEBUG --worker http://127.0.0.1:9 --for 1m --reason "typo"`,
      "group-outside",
    );
    assert.equal(outside.outcome, "refused");
    assert.match(
      renderText(outside),
      /http:\/\/127\.0\.0\.1:9 is not a worker of main: its workers are .*Nothing was changed/,
    );
    assert.equal(await levelAt(first), firstBefore);
    assert.equal(await levelAt(second), secondBefore);
  });
});
