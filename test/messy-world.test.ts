// needs: bed
/**
 * The fixed behaviour of issue 20's parts 2, 3, 5, 6 and 7 tried again in the messy world the issue asks for, so the
 * next fault of these kinds is found here first: a real Connect group of two workers that loses one (part 2, and
 * part 5/6 on the same group), the fault proxy answering 409 and dropping a connection (part 3), and Slack failing
 * per method (part 7). One worker group for the file: each costs a JVM per worker on a 2-core machine.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import type { ApprovalsOptions } from "../approvals/approvals.js";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { ConnectClient } from "../src/connect/connect-client.js";
import { awaitState } from "../src/core/await-state.js";
import type { Actor } from "../src/core/command-spec.js";
import type { Reply } from "../src/core/reply.js";
import { renderText } from "../src/shell/render-text.js";
import {
  createSlackClient,
  type RunningSlackAdapter,
  startSlackAdapter,
} from "../src/slack/slack-adapter.js";
import { SlackAlertNotifier } from "../src/slack/slack-alerts.js";
import { SlackApprovalNotifier } from "../src/slack/slack-approvals.js";
import { SlackOutbox } from "../src/slack/slack-outbox.js";
import { SlackAccounts } from "../src/slack/slack-principals.js";
import { type RecordedCall, SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { ConnectStatuses } from "./support/connect-statuses.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import { type SharedGroup, sinksSharingGroup } from "./support/shared-group.js";
import {
  createTopicWithMessages,
  eventually,
  produce,
  testBed,
  testKafka,
  uniqueName,
} from "./support/test-bed-env.js";
import { startWorkerGroup } from "./support/worker-group.js";

const textOf = (call: RecordedCall) => `${String(call.args.text)} ${JSON.stringify(call.args.blocks ?? [])}`;
/** `text` matched as it is, inside a RegExp. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const operator: Actor = { id: "U0OPER", name: "otto", source: "slack" };

describe("a Connect group of two workers that loses one", () => {
  const { prefix, cleanup } = testRedis("messy-world-group");
  const kafka = testKafka();
  const botToken = "xoxb-messy-group";
  const alertsChannel = "C0MESSYGROUP";
  const approvalsChannel = "C0MESSYAPPROVALS";
  const anna: Actor = { id: "U0ANNA", name: "anna", source: "slack" };
  const bea: Actor = { id: "U0BEA", name: "bea", source: "slack" };
  let group: Awaited<ReturnType<typeof startWorkerGroup>>;
  let standIn: SlackApiStandIn;
  let dir: string;
  const apps: App[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "messy-world-"));
    standIn = await SlackApiStandIn.start({
      botToken,
      users: [operator, anna, bea].map(({ id, name }) => ({ id, name })),
    });
    // Parts move as soon as the group notices a worker is gone (6 s), whichever worker led it.
    group = await startWorkerGroup({ workers: 2, rebalanceDelayMs: 1_000 });
  });
  after(async () => {
    for (const app of apps) await app.close();
    await group?.close();
    await standIn.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  // First, while both workers live: the bot talks to one of them, the connector runs on the other.
  test("part 5/6: an approver deactivated while Slack's Web API fails: the re-check waits, then sets the request back saying why, once Slack answers", async () => {
    const [one, two] = group.workers;
    assert.ok(one !== undefined && two !== undefined);
    const client = createSlackClient(
      loadConfig({ SLACK_BOT_TOKEN: botToken, SLACK_API_URL: standIn.apiUrl }).slack,
    );
    const app = createApp({
      config: loadConfig({
        CONNECT_URL: one.url,
        KAFKA_BROKERS: testBed().bootstrapServers,
        LOG_LEVEL: "silent",
        ROLE_OPERATORS: operator.id,
        ROLE_APPROVERS: `${anna.id},${bea.id}`,
        APPROVERS_NEEDED: "2",
        APPROVALS_CHANNEL: approvalsChannel,
        SLACK_BOT_TOKEN: botToken,
        SLACK_API_URL: standIn.apiUrl,
      }),
      keyPrefix: `${prefix}part5:`,
      accounts: new SlackAccounts(client),
      approvalNotifier: ({ redis, keyPrefix }) =>
        new SlackApprovalNotifier({
          client,
          redis,
          keyPrefix,
          channel: approvalsChannel,
          outbox: new SlackOutbox({ client, redis, keyPrefix }),
        }),
      approvalOptions: { identityRetryMs: 300 },
    });
    apps.push(app);
    await app.approvals.startWorker();
    const connect = app.clusters[0]?.connect ?? assert.fail("no cluster");
    const topic = uniqueName("mw-approve");
    const connector = uniqueName("mw-approve-sink");
    await createTopicWithMessages(kafka, topic, { partitions: 1, count: 3 });
    await connect.putConfig(connector, {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: topic,
      file: join(dir, `${connector}.txt`),
    });
    await eventually(`${connector} running`, async () => {
      const status = await connect.status(connector);
      return status.connector.state === "RUNNING" && status.tasks[0]?.state === "RUNNING" ? true : undefined;
    });
    let calls = 0;
    const run = (actor: Actor, text: string) =>
      app.dispatcher.dispatch({ actor, text, requestId: `mw5-${++calls}` });
    const request = async (id: string) => (await app.approvals.get(id)) ?? assert.fail(`no ${id}`);
    const id = requestIdIn((await run(operator, `stop ${connector} --reason "messy world"`)).summary);
    assert.match(renderText(await run(anna, `approve ${id}`)), /needs 1 more approver/);

    // Slack fails: anna's lookups answer 500, and every message to the channel 503; meanwhile anna is deactivated.
    const outageMs = 8_000;
    standIn.failIdentity(anna.id, 500);
    for (const method of ["chat.update", "chat.postMessage"])
      standIn.failFor(method, { httpStatus: 503 }, outageMs);
    const outageStarted = Date.now();
    const asked = () =>
      standIn.calls.filter((call) => call.method === "users.info" && call.args.user === anna.id).length;
    const askedBefore = asked();
    const approved = await run(bea, `approve ${id}`);
    assert.equal(approved.outcome, "succeeded", renderText(approved));
    standIn.deactivate(anna.id);
    await eventually("the re-check to ask Slack again and again", async () =>
      asked() >= askedBefore + 3 ? true : undefined,
    );
    const waiting = await request(id);
    assert.equal(waiting.state, "approved", "neither run nor set back while Slack cannot say");
    assert.equal((await connect.status(connector)).connector.state, "RUNNING", "nothing ran unchecked");

    standIn.failIdentity(anna.id, undefined);
    const back = await eventually(`${id} back to waiting`, async () => {
      const r = await request(id);
      return r.state === "pending" && r.setBacks?.length === 1 ? r : undefined;
    });
    assert.deepEqual(
      back.approvedBy.map((p) => p.name),
      [bea.name],
    );
    assert.equal((await connect.status(connector)).connector.state, "RUNNING", "nothing ran");
    await standIn.waitForCall(
      "chat.update",
      (call) =>
        call.args.channel === approvalsChannel &&
        textOf(call).includes(id) &&
        /anna's approval no longer counts: this account is deactivated/.test(textOf(call)),
      outageMs + 30_000,
    );
    const saidAfterMs = Date.now() - outageStarted;
    assert.ok(saidAfterMs >= outageMs - 500, `the message followed once Slack answered (${saidAfterMs} ms)`);
    assert.ok(
      standIn
        .rejections()
        .some((call) => call.args.channel === approvalsChannel && call.rejected === "HTTP 503"),
      "the bot did try Slack during the outage",
    );
    await run(operator, `cancel ${id}`);
    console.log(
      `part 5/6 on the group: set back once Slack answered, the message ${saidAfterMs} ms into an ${outageMs / 1000} s outage`,
    );
  });

  test("part 2: the worker running a Java-regex sink dies mid-poll; the other sinks' lag and lag alerts go on, the regex sink alone is 'not known', then shows again", async () => {
    const [one] = group.workers;
    assert.ok(one !== undefined);
    const direct = new ConnectClient({ cluster: "group", url: one.url });
    const base = uniqueName("mw-jre");
    // An empty topic: the regex sink's task is assigned its partition but never commits, so while no task of it
    // consumes, nothing tells which topics it reads.
    await createTopicWithMessages(kafka, `${base}.orders`, { partitions: 1, count: 0 });
    const steadyTopic = uniqueName("mw-steady");
    const heldTopic = uniqueName("mw-held");
    await createTopicWithMessages(kafka, steadyTopic, { partitions: 1, count: 5 });
    await createTopicWithMessages(kafka, heldTopic, { partitions: 1, count: 3 });
    const regex = uniqueName("mw-regex-sink");
    const steady = uniqueName("mw-steady-sink");
    const held = uniqueName("mw-held-sink");
    const fileSink = (extra: Record<string, string>, name: string) => ({
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      file: join(dir, `${name}.txt`),
      ...extra,
    });
    // Possessive and \Q…\E: JavaScript cannot compile it; Connect's consumers match it with java.util.regex.
    const pattern = `\\Q${base}.\\E\\p{javaLowerCase}++`;
    assert.throws(() => new RegExp(pattern, "u"), SyntaxError);
    await direct.putConfig(
      regex,
      fileSink(
        {
          "topics.regex": pattern,
          "consumer.override.metadata.max.age.ms": "1000",
          // The dead task's consumer stays a member for 20 s: the new task's consumer, joining after about 7 s,
          // waits in a rebalance until it is dropped, and meanwhile no task of the sink is assigned anything.
          "consumer.override.session.timeout.ms": "20000",
        },
        regex,
      ),
    );
    await direct.putConfig(steady, fileSink({ topics: steadyTopic }, steady));
    await direct.putConfig(held, fileSink({ topics: heldTopic }, held));
    await eventually("the held sink to commit its 3 messages", async () =>
      (await direct.offsets(held)).offsets[0]?.offset?.kafka_offset === 3 ? true : undefined,
    );
    await direct.stop(held);
    const placed = await eventually("the regex sink's task running", async () => {
      const found = (await direct.listConnectors()).find((c) => c.name === regex);
      return found?.tasks[0]?.state === "RUNNING" ? found : undefined;
    });
    await direct.close();
    const doomed = group.workers.find((worker) => worker.workerId === placed.tasks[0]?.worker_id);
    const survivor = group.workers.find((worker) => worker !== doomed);
    assert.ok(doomed !== undefined && survivor !== undefined, "the task runs on a worker of the group");

    const logLines: string[] = [];
    const config = loadConfig(
      {
        CONFIG_FILE: "alerts.yaml",
        LOG_LEVEL: "info",
        SLACK_BOT_TOKEN: botToken,
        SLACK_API_URL: standIn.apiUrl,
      },
      () => `
alerts:
  channel: ${alertsChannel}
  pollInterval: 1s
  thresholds: { lagMessages: 10, lagClearMessages: 1, sustain: 1s }
clusters:
  - name: group
    connect: { url: "${survivor.url}" }
    kafka: { brokers: ["${testBed().bootstrapServers}"] }
    roles: { operator: [${operator.id}] }
`,
    );
    const slack = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    const app = createApp({
      config,
      keyPrefix: `${prefix}part2:`,
      logger: pino({ level: "info" }, { write: (line: string) => void logLines.push(line) }),
      alertNotifier: () => new SlackAlertNotifier(slack),
    });
    apps.push(app);
    const answers: Reply[] = [];
    let calls = 0;
    const run = async (text: string) => {
      const reply = await app.dispatcher.dispatch({ actor: operator, text, requestId: `mw-${++calls}` });
      answers.push(reply);
      return { reply, text: renderText(reply) };
    };
    const regexLag = async () => (await run(`lag ${regex}`)).text;

    const known = await eventually("the regex sink's lag, from its running task", async () => {
      const text = await regexLag();
      return /lag 0 message/.test(text) && text.includes(`${base}.orders`) ? text : undefined;
    });
    assert.match(known, /those its running tasks subscribe to/);
    await app.alerts.start();

    await doomed.kill();
    const killedAt = Date.now();
    const unknown = await eventually(
      "the regex sink to be 'lag not known' once no task of it consumes",
      async () => {
        const text = await regexLag();
        return /lag not known/.test(text) ? text : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const unknownAfterMs = Date.now() - killedAt;
    assert.match(unknown, new RegExp(`The bot does not know which topics ${literal(regex)} reads`));
    assert.match(unknown, /every other sink is read as usual/);

    // While it is not known, the held sink falls 20 behind: its lag shows and its lag alert fires.
    await produce(
      kafka,
      heldTopic,
      Array.from({ length: 20 }, (_, i) => ({ value: `late-${i}`, partition: 0 })),
    );
    const all = await eventually("every sink's lag while the regex sink is not known", async () => {
      // Someone asks about another sink meanwhile: a read of some sinks must not make the bot forget what it
      // already said about the others.
      await run(`lag ${steady}`);
      const { text } = await run("lag");
      return new RegExp(`^${literal(held)}\\s+STOPPED\\s+1\\s+20$`, "m").test(text) ? text : undefined;
    });
    assert.match(
      all,
      new RegExp(`^${literal(regex)}\\s.*not known: topics\\.regex and no task consuming$`, "m"),
    );
    assert.match(
      all,
      new RegExp(`^${literal(steady)}\\s+RUNNING\\s+1\\s+\\d+$`, "m"),
      "the steady sink's lag is a number",
    );
    const fired = await standIn.waitForCall(
      "chat.postMessage",
      (call) =>
        call.args.channel === alertsChannel &&
        /FIRING: lag high/.test(textOf(call)) &&
        textOf(call).includes(held),
      20_000,
    );
    const firedAfterMs = Date.now() - killedAt;
    assert.match(textOf(fired), /lag 20\b/);
    assert.match(
      await regexLag(),
      /lag not known/,
      "the alert fired while the regex sink was still not known",
    );

    const back = await eventually(
      "the regex sink's lag once its task runs on the survivor",
      async () => {
        const text = await regexLag();
        return /lag 0 message/.test(text) ? text : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const backAfterMs = Date.now() - killedAt;
    assert.match(back, new RegExp(literal(`${base}.orders`)));
    assert.match(back, /those its running tasks subscribe to/);
    const status = await app.clusters[0]?.connect.status(regex);
    assert.equal(status?.tasks[0]?.worker_id, survivor.workerId, "reassigned to the survivor");

    assert.deepEqual(
      answers.filter((reply) => reply.outcome !== "succeeded").map((reply) => reply.summary),
      [],
      "no command failed, none said 'something went wrong'",
    );
    assert.ok(!logLines.some((line) => line.includes('"INTERNAL"')), "no INTERNAL failure logged");
    const told = logLines
      .filter((line) => line.includes(regex) && line.includes("the topics of a sink are not known"))
      .map((line) => String((JSON.parse(line) as { reason?: unknown }).reason));
    assert.ok(told.length >= 1, "logged with why");
    assert.ok(
      told.every((reason, i) => i === 0 || reason !== told[i - 1]),
      `logged once per change of reason, not again after a read of other sinks: ${told.join(" / ")}`,
    );
    assert.ok(
      !standIn.callsOf("chat.postMessage").some((call) => textOf(call).includes(regex)),
      "no alert about the regex sink: not knowing its topics is not lag",
    );
    console.log(
      `part 2 in a rebalancing group: regex sink not known ${unknownAfterMs} ms after the kill, lag high of the held sink fired at ${firedAfterMs} ms, regex lag shown again at ${backAfterMs} ms`,
    );
  });
});

describe("part 3 behind the fault proxy: a change to a sink sharing its group, through 409 windows and a dropped connection", () => {
  const { prefix, cleanup } = testRedis("messy-world-proxy");
  const kafka = testKafka();
  const approver: Actor = { id: "U0APPR", name: "anna", source: "slack" };
  let proxy: FaultProxy;
  let direct: ConnectClient;
  let dir: string;
  let bed: SharedGroup;
  let calls = 0;
  const apps: App[] = [];

  const start = async (name: string, approvalOptions: Partial<ApprovalsOptions>) => {
    const app = createApp({
      config: loadConfig({
        CONNECT_URL: proxy.url,
        KAFKA_BROKERS: testBed().bootstrapServers,
        LOG_LEVEL: "silent",
        ROLE_OPERATORS: operator.id,
        ROLE_APPROVERS: approver.id,
      }),
      keyPrefix: `${prefix}${name}:`,
      approvalOptions,
    });
    apps.push(app);
    await app.approvals.startWorker();
    return app;
  };
  const run = async (app: App, actor: Actor, text: string) => {
    const reply = await app.dispatcher.dispatch({ actor, text, requestId: `mwp-${++calls}` });
    return { reply, text: renderText(reply) };
  };
  const approved = async (app: App, line: string) => {
    const asked = await run(app, operator, `${line} --reason "messy world"`);
    const id = requestIdIn(asked.reply.summary);
    await run(app, approver, `approve ${id}`);
    return eventually(
      `${id} to finish`,
      async () => {
        const request = await app.approvals.get(id);
        return request?.state === "succeeded" || request?.state === "failed" ? request : undefined;
      },
      { timeoutMs: 90_000 },
    );
  };
  /** Requests since `from` of this method to a path ending so. */
  const sent = (from: number, method: string, ending: string) =>
    proxy.requests.slice(from).filter((r) => r.method === method && r.url.split("?")[0]?.endsWith(ending));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "messy-world-proxy-"));
    proxy = await FaultProxy.start(testBed().connectUrl);
    direct = new ConnectClient({ cluster: "bed", url: testBed().connectUrl });
    bed = await sinksSharingGroup(direct, kafka, dir, { a: 10, b: 20, shared: 6 });
    await direct.stop(bed.b.connector);
    assert.ok((await awaitState(direct, bed.b.connector, "STOPPED", { timeoutMs: 60_000 })).reached);
  });
  after(async () => {
    proxy.clearFaults();
    for (const app of apps) await app.close();
    await bed?.remove();
    await direct.close();
    await proxy.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("409 windows on stop, PATCH and resume and a dropped connection: --all completes as approved, only A's own partition moves", async () => {
    const { a, b, sharedTopic } = bed;
    const windowMs = 3_000;
    const app = await start("through", {
      rebalanceWaitMs: 20_000,
      afterStep: async (step) => {
        if (step === "snapshot") proxy.conflictFor(windowMs, { method: "PUT", path: /\/stop$/ });
        if (step === "resolved") proxy.conflictFor(windowMs, { method: "PATCH", path: /\/offsets$/ });
        // The read that confirms the change loses its connection once: read again, not a failure.
        if (step === "changed")
          proxy.dropNextMatching({ method: "GET", path: new RegExp(`/${literal(a.connector)}/offsets$`) });
        if (step === "verified") proxy.conflictFor(windowMs, { method: "PUT", path: /\/resume$/ });
      },
    });
    const before = await bed.committed();
    const from = proxy.requests.length;
    const started = Date.now();
    const done = await approved(app, `offsets reset ${a.connector} --all`);
    const tookMs = Date.now() - started;
    assert.equal(done.state, "succeeded", done.outcome);
    for (const [method, ending] of [
      ["PUT", "/stop"],
      ["PATCH", "/offsets"],
      ["PUT", "/resume"],
    ] as const) {
      const tries = sent(from, method, `${a.connector}${ending}`);
      assert.ok(tries.length > 1, `${method} ${ending} was refused, then sent again`);
      const spanMs = (tries.at(-1)?.startedMs ?? 0) - (tries[0]?.startedMs ?? 0);
      assert.ok(spanMs >= windowMs - 500, `${method} ${ending}: waited the window out (${spanMs} ms)`);
    }
    assert.ok(sent(from, "GET", `${a.connector}/offsets`).length >= 2, "the dropped read was read again");
    assert.equal(
      sent(from, "DELETE", "/offsets").length,
      0,
      "never Connect's reset, which deletes the whole group",
    );
    assert.deepEqual(
      done.resolved?.moves?.map((m) => [m.partition, m.before, m.after]),
      [[`${a.topic}:0`, 10, null]],
    );
    const now = await bed.committed();
    assert.equal(now.get(`${b.topic}:0`), before.get(`${b.topic}:0`), "B's own topic keeps its offset");
    assert.equal(
      now.get(`${sharedTopic}:0`),
      before.get(`${sharedTopic}:0`),
      "the topic both read keeps its offset",
    );
    assert.equal((await direct.status(b.connector)).connector.state, "STOPPED", "B was never touched");
    await eventually("A running again and reading its topic over", async () =>
      (await direct.status(a.connector)).connector.state === "RUNNING" &&
      (await bed.committed()).get(`${a.topic}:0`) === 10
        ? true
        : undefined,
    );
    console.log(
      `part 3 behind the proxy: three ${windowMs / 1000} s windows of 409 and a dropped read waited out, done in ${tookMs} ms`,
    );
  });

  test("a 409 window longer than the bound: the run fails saying A's true state, nothing of A or B moved", async () => {
    const { a, b } = bed;
    const app = await start("past-bound", {
      rebalanceWaitMs: 3_000,
      afterStep: async (step) => {
        if (step === "resolved") proxy.conflictFor(120_000, { method: "PATCH", path: /\/offsets$/ });
      },
    });
    const before = await bed.committed();
    const done = await approved(app, `offsets reset ${a.connector} --all`);
    proxy.clearFaults();
    assert.equal(done.state, "failed");
    assert.match(done.outcome ?? "", /^Failed while changing the offsets: /);
    assert.match(done.outcome ?? "", /still so after [3-9]\.\d s/);
    assert.match(
      done.outcome ?? "",
      /The offsets were not changed, and the connector was returned to RUNNING\./,
    );
    assert.match(done.outcome ?? "", /Connect reports it RUNNING\.$/);
    assert.equal((await direct.status(a.connector)).connector.state, "RUNNING");
    assert.equal((await direct.status(b.connector)).connector.state, "STOPPED");
    assert.deepEqual(await bed.committed(), before, "nothing of A or B moved");
  });

  test("a status field Connect sends as null (a task's plugin version after its worker died) is 'not reported', not a failed listing", async () => {
    const { a } = bed;
    const app = await start("nulls", {});
    const status = await direct.status(a.connector);
    const withNulls = {
      ...status,
      connector: { ...status.connector, version: null, trace: null },
      tasks: status.tasks.map((task) => ({ ...task, version: null, trace: null })),
    };
    proxy.answerNextWith(
      { method: "GET", path: new RegExp(`/${literal(a.connector)}/status$`) },
      1,
      200,
      withNulls,
    );
    const shown = await run(app, operator, `status ${a.connector}`);
    assert.equal(shown.reply.outcome, "succeeded", shown.text);
    const info = await direct.info(a.connector);
    proxy.answerNextWith({ method: "GET", path: /^\/connectors\?expand=status/ }, 1, 200, {
      [a.connector]: { info: { config: info.config, type: "sink" }, status: withNulls },
    });
    const listed = await run(app, operator, "list");
    assert.equal(listed.reply.outcome, "succeeded", listed.text);
    assert.match(listed.text, new RegExp(literal(a.connector)));
  });
});

describe("part 7 with Slack failing: a storm while Slack rate-limits the post and fails the edit", () => {
  const { prefix, cleanup } = testRedis("messy-world-storm");
  const botToken = "xoxb-messy-storm";
  const signingSecret = "messy-storm-signing-secret";
  const alertsChannel = "C0MESSYSTORM";
  let standIn: SlackApiStandIn;
  let connect: ConnectStatuses;
  let app: App;
  let slack: RunningSlackAdapter;
  const warnings: string[] = [];

  before(async () => {
    const topic = uniqueName("messy-storm-topic");
    await createTopicWithMessages(testKafka(), topic, { partitions: 1, count: 4 });
    connect = new ConnectStatuses(
      topic,
      (name) => `org.apache.kafka.connect.errors.ConnectException: ${name} failed`,
    );
    const connectUrl = await connect.listen();
    standIn = await SlackApiStandIn.start({ botToken });
    const config = loadConfig(
      {
        CONFIG_FILE: "alerts.yaml",
        LOG_LEVEL: "silent",
        SLACK_BOT_TOKEN: botToken,
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_API_URL: standIn.apiUrl,
      },
      () => `
alerts:
  channel: ${alertsChannel}
  pollInterval: 1s
clusters:
  - name: main
    connect: { url: "${connectUrl}" }
    kafka: { brokers: ["${testBed().bootstrapServers}"] }
`,
    );
    // As main.ts wires it: the production call policy, and one outbox for what is owed to Slack.
    const client = createSlackClient(config.slack);
    app = createApp({
      config,
      keyPrefix: `${prefix}bot:`,
      alertNotifier: ({ redis, keyPrefix }) =>
        new SlackAlertNotifier(
          client,
          new SlackOutbox({ client, redis, keyPrefix, warn: (line) => warnings.push(line) }),
        ),
    });
    await app.approvals.startWorker();
    slack = await startSlackAdapter({ app, client, slack: { botToken, signingSecret }, port: 0 });
    await app.alerts.start();
  });
  after(async () => {
    standIn?.heal();
    await slack?.stop();
    await app?.close();
    await connect?.close();
    await standIn?.close();
    await cleanup();
  });

  test("30 sinks fail under a 429 on chat.postMessage, resolve under 503s on chat.update: one summary, its thread once and in order, one RESOLVED edit, polls fresh", async () => {
    const names = Array.from({ length: 30 }, (_, i) => `${uniqueName("messy-storm")}-${i}`);
    connect.tasks = new Map(names.map((name) => [name, "RUNNING"]));
    await eventually("a poll to sample every sink", async () =>
      (await app.alerts.history("main", names.at(-1) ?? "")).length > 0 ? true : undefined,
    );
    const inChannel = (from: number) =>
      standIn.calls.slice(from).filter((call) => call.args.channel === alertsChannel);
    const accepted = (calls: RecordedCall[]) => calls.filter((call) => call.rejected === undefined);
    const readiness: number[] = [];
    let staleSeen = false;
    const sampler = setInterval(() => {
      if (!app.alerts.pollFreshness().fresh) staleSeen = true;
      void fetch(`${slack.operationsUrl}/readyz`).then(
        (answer) => readiness.push(answer.status),
        () => readiness.push(0),
      );
    }, 500);
    try {
      const from = standIn.calls.length;
      const retryAfterSeconds = 5;
      standIn.rateLimitNext("chat.postMessage", retryAfterSeconds);
      const failedAt = Date.now();
      connect.tasks = new Map(names.map((name) => [name, "FAILED"]));
      const summary = await standIn.waitForCall(
        "chat.postMessage",
        (call) => call.args.channel === alertsChannel && call.args.thread_ts === undefined,
        30_000,
      );
      const postedAfterMs = Date.now() - failedAt;
      assert.ok(
        standIn
          .rejections()
          .some((call) => call.rejected === "ratelimited" && call.args.channel === alertsChannel),
        "the summary's first post met the 429",
      );
      assert.ok(
        postedAfterMs >= retryAfterSeconds * 1000 - 500,
        `posted after the Retry-After (${postedAfterMs} ms)`,
      );
      assert.match(textOf(summary), /FIRING: task failed on 30 connectors of main/);
      // The summary's ts, as its thread replies name it (Slack gives it in the answer, not in the call).
      const repliesOf = (from: number) =>
        accepted(inChannel(from)).filter(
          (call) => call.method === "chat.postMessage" && call.args.thread_ts !== undefined,
        );
      const summaryTs = String(
        (await eventually("the summary's thread", async () => repliesOf(from)[0]))?.args.thread_ts,
      );
      const thread = () => repliesOf(from).filter((call) => call.args.thread_ts === summaryTs);
      assert.equal(thread().length, repliesOf(from).length, "every reply in the summary's thread");
      const named = (name: string) => new RegExp(`${literal(name)}(?!\\d)`);
      await eventually("every sink in the summary's thread", async () =>
        names.every((name) => thread().some((call) => named(name).test(textOf(call)))) ? true : undefined,
      );
      for (const name of names)
        assert.equal(thread().filter((call) => named(name).test(textOf(call))).length, 1, `${name} once`);
      const posts = accepted(inChannel(from)).filter(
        (call) => call.method === "chat.postMessage" && call.args.thread_ts === undefined,
      );
      assert.equal(posts.length, 1, "still one summary message, not one per five connectors after the 429");

      // They run again while chat.update answers 503: the RESOLVED edit waits in the outbox and follows once.
      const outageMs = 8_000;
      const mark = standIn.calls.length;
      standIn.failFor("chat.update", { httpStatus: 503 }, outageMs);
      const outageStarted = Date.now();
      connect.tasks = new Map(names.map((name) => [name, "RUNNING"]));
      await eventually("every alert to resolve", async () =>
        (await app.alerts.firing("main")).length === 0 ? true : undefined,
      );
      assert.ok(Date.now() - outageStarted < outageMs, "resolved while chat.update was still failing");
      await standIn.waitForCall(
        "chat.update",
        (call) => call.args.ts === summaryTs && /RESOLVED: task failed on 30 connectors/.test(textOf(call)),
        outageMs + 40_000,
      );
      const editedAfterMs = Date.now() - outageStarted;
      assert.ok(
        editedAfterMs >= outageMs - 500,
        `the edit followed once Slack answered (${editedAfterMs} ms)`,
      );
      await eventually("the resolve's thread reply", async () =>
        accepted(inChannel(mark)).some(
          (call) => call.method === "chat.postMessage" && call.args.thread_ts === summaryTs,
        )
          ? true
          : undefined,
      );
      const after = inChannel(mark);
      assert.ok(
        after.some((call) => call.method === "chat.update" && call.rejected === "HTTP 503"),
        "the edit met the 503s",
      );
      const edits = accepted(after).filter((call) => call.method === "chat.update");
      assert.equal(edits.length, 1, "resolved in one edit, sent once");
      const order = accepted(after).map((call) => call.method);
      assert.deepEqual(
        order,
        ["chat.update", "chat.postMessage"],
        "the edit, then its thread reply, once each",
      );
      assert.equal(
        accepted(inChannel(from)).filter(
          (call) => call.args.thread_ts === undefined && call.method === "chat.postMessage",
        ).length,
        1,
      );
      console.log(
        `part 7 under Slack faults: summary posted ${postedAfterMs} ms after the storm (Retry-After ${retryAfterSeconds} s), RESOLVED edit ${editedAfterMs} ms into an ${outageMs / 1000} s chat.update outage; readiness ${[...new Set(readiness)].join("/")} over ${readiness.length} probes`,
      );
    } finally {
      clearInterval(sampler);
    }
    assert.equal(staleSeen, false, "the poll stayed fresh");
    assert.ok(
      readiness.length > 10 && readiness.every((status) => status === 200),
      `readiness: ${readiness.join(",")}`,
    );
  });
});
