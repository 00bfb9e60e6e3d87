// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { renderText } from "../src/shell/render-text.js";
import { createSlackClient } from "../src/slack/slack-adapter.js";
import { SlackAlertNotifier } from "../src/slack/slack-alerts.js";
import { SlackStoryNotifier } from "../src/slack/slack-stories.js";
import { type RecordedCall, SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { AutomationBots } from "./support/automation-bots.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import {
  createTopicWithMessages,
  eventually,
  runningFileSink,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";

const botToken = "xoxb-windows-token";
const alertsChannel = "C0WINALERTS";
const opsChannel = "C0WINOPS";
const operator = { id: "U0WOTTO", name: "otto", source: "slack" };
const approver = { id: "U0WANNA", name: "anna", source: "slack" };

/** Paused for 3 s is "unexpectedly halted": a window of 8 s would page without its hold. */
const configFileText = (connectUrl: string) => `
alerts:
  channel: ${alertsChannel}
  pollInterval: 1s
  thresholds: { sustain: 5s, stalled: 10m, fallingBehind: 10m, paused: 3s }
automation:
  channel: ${opsChannel}
clusters:
  - name: main
    connect: { url: "${connectUrl}" }
    kafka: { brokers: ["${testBed().bootstrapServers}"] }
    roles: { operator: [${operator.id}], approver: [${approver.id}] }
`;

const textOf = (call: RecordedCall) => `${String(call.args.text)} ${JSON.stringify(call.args.blocks ?? [])}`;
/** `2026-12-07T22:30:05Z`, `ms` from now: a window's time to the second. */
const at = (ms: number) => `${new Date(Date.now() + ms).toISOString().slice(0, 19)}Z`;

describe("maintenance windows: pause and put back on time, alerts held in between", () => {
  const { prefix, cleanup } = testRedis("windows");
  const kafka = testKafka();
  let standIn: SlackApiStandIn;
  let dir: string;
  let topic: string;
  const apps: App[] = [];
  const created: string[] = [];

  const start = async (): Promise<App> => {
    const config = loadConfig(
      {
        CONFIG_FILE: "windows.yaml",
        LOG_LEVEL: "silent",
        SLACK_BOT_TOKEN: botToken,
        SLACK_API_URL: standIn.apiUrl,
      },
      () => configFileText(testBed().connectUrl),
    );
    const client = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    const app = createApp({
      config,
      keyPrefix: `${prefix}bot:`,
      alertNotifier: () => new SlackAlertNotifier(client),
      storyNotifier: () => new SlackStoryNotifier(client),
    });
    apps.push(app);
    await app.approvals.startWorker();
    await app.alerts.start();
    app.automation.start();
    return app;
  };
  const connect = () => apps[0]?.clusters[0]?.connect ?? assert.fail("no app");
  const stateOf = async (name: string) => (await connect().status(name)).connector.state;
  async function sink(): Promise<string> {
    const name = uniqueName("win-sink");
    created.push(name);
    await runningFileSink(connect(), name, topic, join(dir, `${name}.txt`));
    return name;
  }
  const alertsAbout = (connector: string) =>
    standIn
      .callsOf("chat.postMessage")
      .filter((call) => call.args.channel === alertsChannel && textOf(call).includes(connector));
  const storyOf = (id: string) =>
    standIn
      .callsOf("chat.postMessage")
      .filter((call) => call.args.channel === opsChannel)
      .map(textOf)
      .filter((line) => line.includes(id));
  const windowAudits = async (app: App, connector: string) =>
    (await app.audit.query({ connector, limit: 50 })).filter((entry) => entry.command.startsWith("window "));
  /**
   * How long after `dueMs` (epoch ms) the bot began the window's action whose audit detail starts with `detail`:
   * measured from the bot's own audit entry (its time less its duration), not from when this test looked.
   */
  const lateBy = async (app: App, connector: string, detail: string, dueMs: number): Promise<number> => {
    const entry = await eventually(`the "${detail}" audit entry for ${connector}`, async () =>
      (await windowAudits(app, connector)).find((each) => each.detail?.startsWith(detail)),
    );
    return Date.parse(entry.time) - (entry.durationMs ?? 0) - dueMs;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "windows-"));
    topic = uniqueName("win-topic");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 3 });
    standIn = await SlackApiStandIn.start({ botToken });
  });
  after(async () => {
    for (const name of created)
      await connect()
        .deleteConnector(name)
        .catch(() => undefined);
    for (const app of apps) await app.close().catch(() => undefined);
    await standIn.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("a window pauses at its start and resumes at its end, healthy; its alerts are held and auto-restart keeps off, while a hand-paused twin pages", async () => {
    const app = await start();
    const held = await sink();
    const twin = await sink();
    const [from, until] = [at(2_000), at(10_000)];
    const asked = await app.dispatcher.dispatch({
      actor: operator,
      text: `pause ${held} --from ${from} --until ${until} --reason "database migration"`,
      requestId: "win-1",
    });
    assert.equal(asked.outcome, "succeeded", renderText(asked));
    const id = /window (w\d+-[a-z]{4})/.exec(renderText(asked))?.[1] ?? assert.fail(renderText(asked));
    assert.match(renderText(asked), /\(typed times are read as UTC\)/);
    assert.equal(await stateOf(held), "RUNNING", "nothing happens before the window's start");
    const listed = await app.dispatcher.dispatch({ actor: operator, text: "windows", requestId: "win-2" });
    assert.match(renderText(listed), new RegExp(`${id} +scheduled +pause ${held}`));

    await eventually(`${held} PAUSED`, async () => ((await stateOf(held)) === "PAUSED" ? true : undefined), {
      timeoutMs: 40_000,
    });
    const pausedLate = await lateBy(app, held, "pause at the window's start", Date.parse(from));
    assert.ok(pausedLate >= 0 && pausedLate < 5_000, `paused ${pausedLate} ms after the start`);
    await connect().pause(twin);
    assert.equal(await app.automation.heldBy("main", held), `maintenance window ${id}`);
    assert.equal(await app.automation.heldBy("main", twin), undefined);

    await eventually(
      `${twin} pages as unexpectedly halted`,
      async () => (alertsAbout(twin).some((call) => /paused for/.test(textOf(call))) ? true : undefined),
      { timeoutMs: 40_000 },
    );
    await eventually(
      `${held} RUNNING again`,
      async () => ((await stateOf(held)) === "RUNNING" ? true : undefined),
      {
        timeoutMs: 40_000,
      },
    );
    const resumedLate = await lateBy(app, held, "back to RUNNING", Date.parse(until));
    assert.ok(resumedLate >= 0 && resumedLate < 5_000, `resumed ${resumedLate} ms after the end`);
    assert.deepEqual(alertsAbout(held).map(textOf), [], "no alert about the held connector");

    await eventually(
      "the thread says it came back healthy",
      async () => (storyOf(id).some((line) => /came back healthy/.test(line)) ? true : undefined),
      { timeoutMs: 40_000 },
    );
    const story = storyOf(id);
    assert.match(story[0] ?? "", /otto scheduled window .*: pause .* \(database migration\)/);
    assert.ok(story.some((line) => new RegExp(`paused at .*${held} \\(was RUNNING\\)`).test(line)));
    assert.ok(story.some((line) => new RegExp(`${held}.*RUNNING, healthy`).test(line)));
    const audits = await windowAudits(app, held);
    assert.equal(audits.length, 2, JSON.stringify(audits));
    await connect().resume(twin);
  });

  test("a window survives a bot restart: the next process opens and closes it once, on time", async () => {
    const first = apps[0] ?? (await start());
    const connector = await sink();
    const from = at(4_000);
    const asked = await first.dispatcher.dispatch({
      actor: operator,
      text: `pause ${connector} --from ${from} --for 5s --reason "storage failover"`,
      requestId: "win-restart",
    });
    assert.equal(asked.outcome, "succeeded", renderText(asked));
    for (const app of apps.splice(0)) await app.close({ drainMs: 0 });
    const next = await start();
    await eventually(
      `${connector} PAUSED`,
      async () => ((await stateOf(connector)) === "PAUSED" ? true : undefined),
      {
        timeoutMs: 40_000,
        intervalMs: 100,
      },
    );
    const pausedLate = await lateBy(next, connector, "pause at the window's start", Date.parse(from));
    assert.ok(pausedLate >= 0 && pausedLate < 5_000, `paused ${pausedLate} ms after the start`);
    await eventually(
      `${connector} RUNNING`,
      async () => ((await stateOf(connector)) === "RUNNING" ? true : undefined),
      { timeoutMs: 40_000, intervalMs: 100 },
    );
    const resumedLate = await lateBy(next, connector, "back to RUNNING", Date.parse(from) + 5_000);
    assert.ok(resumedLate >= 0 && resumedLate < 5_000, `resumed ${resumedLate} ms after the end`);
    await sleep(2_000);
    const audits = await windowAudits(next, connector);
    assert.deepEqual(
      audits.map((entry) => entry.detail?.split(":")[0]).reverse(),
      ["pause at the window's start", "back to RUNNING"],
      "paused once and put back once",
    );
  });

  test("a stop window needs approval up front: it opens once approved, and cancel ends it early", async () => {
    const app = apps[0] ?? (await start());
    const connector = await sink();
    const asked = await app.dispatcher.dispatch({
      actor: operator,
      text: `stop ${connector} --for 10m --reason "database migration"`,
      requestId: "win-stop",
    });
    assert.equal(asked.outcome, "succeeded", renderText(asked));
    const request = requestIdIn(renderText(asked));
    const id = /window (w\d+-[a-z]{4})/.exec(renderText(asked))?.[1] ?? assert.fail(renderText(asked));
    await sleep(2_000);
    assert.equal(await stateOf(connector), "RUNNING", "not stopped before the approval");
    const approved = await app.dispatcher.dispatch({
      actor: approver,
      text: `approve ${request}`,
      requestId: "win-approve",
    });
    assert.equal(approved.outcome, "succeeded", renderText(approved));
    await eventually(
      `${connector} STOPPED`,
      async () => ((await stateOf(connector)) === "STOPPED" ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    const ended = await app.dispatcher.dispatch({
      actor: operator,
      text: `cancel ${id}`,
      requestId: "win-cancel",
    });
    assert.equal(ended.outcome, "succeeded", renderText(ended));
    assert.match(renderText(ended), new RegExp(`otto ended window ${id} early`));
    assert.equal(await stateOf(connector), "RUNNING");
    const again = await app.dispatcher.dispatch({
      actor: operator,
      text: `cancel ${id}`,
      requestId: "win-cancel-2",
    });
    assert.equal(again.outcome, "refused");
    assert.match(renderText(again), /has already ended \(closed\)/);
  });
});

describe("a maintenance window whose opening is cut short by a killed bot", () => {
  const { prefix, cleanup } = testRedis("windows-crash");
  const kafka = testKafka();
  const keyPrefix = `${prefix}bot:`;
  let standIn: SlackApiStandIn;
  let proxy: FaultProxy;
  let bots: AutomationBots;
  let app: App;
  let dir: string;
  const created: string[] = [];
  const connect = () => app.clusters[0]?.connect ?? assert.fail("no cluster");
  const stateOf = async (name: string) => (await connect().status(name)).connector.state;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "windows-crash-"));
    standIn = await SlackApiStandIn.start({ botToken });
    proxy = await FaultProxy.start(testBed().connectUrl);
    const configFile = join(dir, "bot.yaml");
    await writeFile(configFile, configFileText(proxy.url));
    bots = new AutomationBots({ configFile, keyPrefix, slack: { botToken, apiUrl: standIn.apiUrl } });
    // This process asks, as a Slack-facing replica would; only the bots it starts run workers.
    const config = loadConfig(
      {
        CONFIG_FILE: configFile,
        LOG_LEVEL: "silent",
        SLACK_BOT_TOKEN: botToken,
        SLACK_API_URL: standIn.apiUrl,
      },
      () => configFileText(proxy.url),
    );
    const client = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    app = createApp({ config, keyPrefix, storyNotifier: () => new SlackStoryNotifier(client) });
  });
  after(async () => {
    await bots.closeAll();
    for (const name of created)
      await connect()
        .deleteConnector(name)
        .catch(() => undefined);
    await app.close();
    await proxy.close();
    await standIn.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("SIGKILL between two connectors' pauses: the next bot goes on, and the end resumes only what the window paused, never the one paused by hand before it", async () => {
    const topic = uniqueName("win-crash-topic");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 3 });
    const base = uniqueName("win-crash");
    for (const suffix of ["a", "b", "c"]) {
      created.push(`${base}-${suffix}`);
      await runningFileSink(connect(), `${base}-${suffix}`, topic, join(dir, `${base}-${suffix}.txt`));
    }
    const asked = await app.dispatcher.dispatch({
      actor: operator,
      text: `pause "${base}-*" --from ${at(4_000)} --for 40s --reason "database migration"`,
      requestId: "win-crash-1",
    });
    assert.equal(asked.outcome, "succeeded", renderText(asked));
    const id = /window (w\d+-[a-z]{4})/.exec(renderText(asked))?.[1] ?? assert.fail(renderText(asked));
    const window = (await app.automation.windows.get(id)) ?? assert.fail("no window");
    // The window halts its connectors in this order: the first is paused by hand before it opens, and the bot is
    // killed while the last one's pause is on its way (held by the proxy, so it never reaches Connect).
    const [byHand, second, last] = window.connectors;
    assert.ok(byHand !== undefined && second !== undefined && last !== undefined);
    await connect().pause(byHand);
    await eventually(`${byHand} PAUSED`, async () =>
      (await stateOf(byHand)) === "PAUSED" ? true : undefined,
    );
    const lastPause = { method: "PUT", path: new RegExp(`/connectors/${last}/pause$`) };
    proxy.hangNextMatching(lastPause);

    const doomed = await bots.start();
    await eventually(
      `the pause of ${last} sent`,
      async () =>
        proxy.requests.some((r) => r.method === "PUT" && lastPause.path.test(r.url)) ? true : undefined,
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    await bots.kill(doomed);
    const cut = (await app.automation.windows.get(id)) ?? assert.fail("no window");
    assert.equal(cut.state, "opening", "killed while opening");
    assert.deepEqual(cut.prior, { [byHand]: "PAUSED", [second]: "RUNNING", [last]: "RUNNING" });
    assert.equal(await stateOf(last), "RUNNING", "its pause never reached Connect");

    await bots.start();
    await eventually(`${last} PAUSED`, async () => ((await stateOf(last)) === "PAUSED" ? true : undefined), {
      timeoutMs: 30_000,
    });
    const storyOf = () =>
      standIn
        .callsOf("chat.postMessage")
        .filter((call) => call.args.channel === opsChannel && textOf(call).includes(id))
        .map(textOf);
    const ended = await eventually(
      "the window's end in its thread",
      async () => storyOf().find((line) => /ended at/.test(line)),
      { timeoutMs: 60_000 },
    );
    assert.ok(
      storyOf().some((line) =>
        /the bot stopped while opening it; another run went on where it stopped/.test(line),
      ),
    );
    assert.match(ended, /everything came back healthy/);
    assert.equal(await stateOf(byHand), "PAUSED", "paused by hand before the window, it stays paused");
    assert.equal(await stateOf(second), "RUNNING");
    assert.equal(await stateOf(last), "RUNNING");
    const resumes = proxy.requests.filter((r) => r.method === "PUT" && /\/resume$/.test(r.url));
    assert.ok(!resumes.some((r) => r.url.includes(`/${byHand}/`)), `${byHand} was never resumed`);
    assert.equal((await app.automation.windows.get(id))?.state, "closed");
  });
});
