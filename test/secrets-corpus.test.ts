// needs: bed
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type App, createApp, createLogger } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import type { Actor } from "../src/core/command-spec.js";
import { redactDeep, redactText } from "../src/core/redact.js";
import type { Reply } from "../src/core/reply.js";
import { renderText } from "../src/shell/render-text.js";
import { renderBlocks } from "../src/slack/block-kit.js";
import { auditChannelMirror, createSlackClient } from "../src/slack/slack-adapter.js";
import { SlackAlertNotifier } from "../src/slack/slack-alerts.js";
import { adversarialReasons, type SecretSample, secretsCorpus } from "./fixtures/secrets-corpus.js";
import { SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { testRedis } from "./support/redis-prefix.js";
import { eventually, testBed, uniqueName } from "./support/test-bed-env.js";

const botToken = "xoxb-secrets-token";
const alertsChannel = "C0ALERTS";
const auditChannel = "C0AUDIT";
const viewer: Actor = { id: "U0VIEW", name: "vera", source: "slack" };

/** Each sample is a setting of its own failing sink and, through the sink's file path, part of its trace. */
const fileOf = (sample: SecretSample) =>
  `/nonexistent-connect-ops/${sample.alone ?? `${sample.key}=${sample.value}`}`;

function assertHidden(sample: SecretSample, where: string, shown: string): void {
  for (const secret of sample.secrets) {
    assert.ok(
      !shown.includes(secret),
      `${sample.id}: "${secret}" shown in ${where}:\n${shown.slice(0, 1500)}`,
    );
  }
}

describe("the secrets corpus: no secret leaves the bot, in any output", () => {
  const { prefix, cleanup } = testRedis("secrets");
  const logLines: string[] = [];
  const connectors = new Map<SecretSample, string>();
  const topic = uniqueName("corpus-topic");
  let standIn: SlackApiStandIn;
  let app: App;

  const run = (text: string): Promise<Reply> =>
    app.dispatcher.dispatch({ actor: viewer, text, requestId: uniqueName("req") });
  /** What a user sees of a reply in the shell and in Slack. */
  const shownOf = (reply: Reply) => `${renderText(reply)}\n${JSON.stringify(renderBlocks(reply))}`;
  const connect = () => app.clusters[0]?.connect ?? assert.fail("no cluster");

  before(async () => {
    assert.ok(secretsCorpus.length >= 30, "the corpus holds at least 30 samples");
    standIn = await SlackApiStandIn.start({ botToken });
    const config = loadConfig({
      CONNECT_URL: testBed().connectUrl,
      KAFKA_BROKERS: testBed().bootstrapServers,
      ROLE_VIEWERS: viewer.id,
      ALERTS_CHANNEL: alertsChannel,
      SLACK_BOT_TOKEN: botToken,
      SLACK_API_URL: standIn.apiUrl,
    });
    const client = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    app = createApp({
      config,
      keyPrefix: prefix,
      logger: createLogger("info", { write: (line: string) => void logLines.push(line) }),
      alertNotifier: () => new SlackAlertNotifier(client),
      mirrorAudit: auditChannelMirror(client, auditChannel),
    });
    for (const sample of secretsCorpus) {
      const name = uniqueName(`corpus-${sample.id}`);
      connectors.set(sample, name);
      await connect().putConfig(name, {
        "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
        topics: topic,
        file: fileOf(sample),
        [sample.key]: sample.value,
      });
    }
    await eventually(
      "every corpus sink's task to fail with a trace",
      async () => {
        const listed = await connect().listConnectors();
        const ours = listed.filter((c) => [...connectors.values()].includes(c.name));
        return ours.length === connectors.size &&
          ours.every((c) => c.tasks[0]?.state === "FAILED" && c.tasks[0].trace !== undefined)
          ? true
          : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
  });
  after(async () => {
    for (const name of connectors.values())
      await connect()
        .deleteConnector(name)
        .catch(() => undefined);
    await app.close();
    await standIn.close();
    await cleanup();
  });

  test("the worker's own trace holds every secret (so the checks below are not empty)", async () => {
    for (const [sample, name] of connectors) {
      const trace = (await connect().status(name)).tasks[0]?.trace ?? "";
      for (const secret of sample.secrets) assert.ok(trace.includes(secret), `${sample.id} in its trace`);
    }
  });

  test("config: each secret hidden, in its setting and inside the file path; the rest still shown", async () => {
    for (const [sample, name] of connectors) {
      const reply = await run(`config ${name}`);
      assert.equal(reply.outcome, "succeeded");
      const shown = shownOf(reply);
      assertHidden(sample, "config", shown);
      assert.ok(shown.includes(sample.key), `${sample.id}: its key is listed`);
      assert.ok(shown.includes(sample.visible), `${sample.id}: "${sample.visible}" still shown in config`);
    }
  });

  test("status: each failed task's trace is shown with its secrets hidden", async () => {
    for (const [sample, name] of connectors) {
      const shown = shownOf(await run(`status ${name}`));
      assert.match(shown, /Trace of task 0/);
      assertHidden(sample, "status", shown);
      assert.ok(shown.includes(sample.visible), `${sample.id}: "${sample.visible}" still shown in the trace`);
    }
  });

  test("the task-failed alert: its trace lines hide each secret, in the store and in what Slack receives", async () => {
    await app.alerts.poll();
    const firing = await app.alerts.firing("default");
    for (const [sample, name] of connectors) {
      const alert = firing.find((a) => a.connector === name && a.rule === "task-failed");
      assert.ok(alert !== undefined, `${sample.id}: a task-failed alert fires`);
      const details = alert.details.join("\n");
      assertHidden(sample, "the alert", details);
      assert.ok(details.includes(sample.visible), `${sample.id}: "${sample.visible}" in the alert's trace`);
    }
    const posted = await eventually("the alert message", async () => {
      const calls = standIn.callsOf("chat.postMessage").filter((call) => call.args.channel === alertsChannel);
      return calls.length > 0 ? JSON.stringify(calls.map((call) => call.args)) : undefined;
    });
    for (const sample of connectors.keys()) assertHidden(sample, "the alert message", posted);
  });

  test("audit and log: a command quoting each secret, and each trace logged, keep no secret", async () => {
    for (const [sample, name] of connectors) {
      // A user pastes the setting into a command: refused or not, it is audited and logged.
      await run(`list "${sample.key}=${sample.value.split("\n")[0]}"`);
      const trace = (await connect().status(name)).tasks[0]?.trace ?? "";
      app.logger.error({ connector: name, trace }, `task 0 of ${name} failed: ${trace}`);
    }
    const entries = await app.audit.query({ limit: 200 });
    assert.ok(entries.length >= connectors.size * 3, `${entries.length} audit entries`);
    const audited = JSON.stringify(entries);
    await app.audit.whenMirrored();
    const mirrored = JSON.stringify(
      standIn.callsOf("chat.postMessage").filter((call) => call.args.channel === auditChannel),
    );
    const logged = logLines.join("");
    for (const sample of connectors.keys()) {
      assertHidden(sample, "the audit trail", audited);
      assertHidden(sample, "the audit channel", mirrored);
      // A value alone in a raw trace is known secret only with its connector; the bot logs no raw trace.
      if (sample.alone !== undefined) continue;
      assertHidden(sample, "the log", logged);
      assert.ok(logged.includes(sample.visible), `${sample.id}: "${sample.visible}" still in the log`);
    }
  });
});

describe("a reason that opens a quote or a key hides no entry of `audit` from view", () => {
  const { prefix, cleanup } = testRedis("secrets-rows");
  const operator: Actor = { id: "U0OPER", name: "otto", source: "slack" };
  let app: App;

  const run = (text: string): Promise<Reply> =>
    app.dispatcher.dispatch({ actor: operator, text, requestId: uniqueName("req") });

  before(() => {
    const config = loadConfig({
      CONNECT_URL: testBed().connectUrl,
      KAFKA_BROKERS: testBed().bootstrapServers,
      ROLE_OPERATORS: operator.id,
      LOG_LEVEL: "silent",
    });
    app = createApp({ config, keyPrefix: prefix });
  });
  after(async () => {
    await app.close();
    await cleanup();
  });

  test("each adversarial reason, then a marker entry: the shell and Slack both list every marker", async () => {
    const markers: string[] = [];
    for (const [i, reason] of adversarialReasons.entries()) {
      // Refused or failed (the connector does not exist), each is audited with the reason as typed.
      await run(`stop ${uniqueName("absent")} --reason "${reason}"`);
      markers.push(`marker-${i}-sink`);
      await run(`status marker-${i}-sink`);
    }
    const answer = await run("audit --limit 100");
    assert.equal(answer.outcome, "succeeded");
    // What leaves the bot: the shell's output and the Web API client's call, each redacted again on the way out.
    const shell = redactText(renderText(answer));
    const slack = JSON.stringify(redactDeep(renderBlocks(answer)));
    for (const marker of markers) {
      assert.ok(shell.includes(marker), `${marker} listed in the shell:\n${shell}`);
      assert.ok(slack.includes(marker), `${marker} listed in Slack`);
    }
    const rows = shell.split("\n").filter((line) => /^\d{4}-\d\d-\d\d /.test(line));
    assert.equal(rows.length, adversarialReasons.length * 2, "one row per entry");
  });
});
