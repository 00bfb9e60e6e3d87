// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import {
  createSlackClient,
  type RunningSlackAdapter,
  SlackUserGroups,
  startSlackAdapter,
} from "../src/slack/slack-adapter.js";
import { SlackApprovalNotifier } from "../src/slack/slack-approvals.js";
import { SlackAccounts } from "../src/slack/slack-principals.js";
import { type IdentityFault, type RecordedCall, SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { SlackSimulator } from "./slack/slack-signer.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import { eventually, fileSinkThatRead, testBed, testKafka } from "./support/test-bed-env.js";

const botToken = "xoxb-people-token";
const signingSecret = "people-signing-secret";
const approvalsChannel = "C0APPROVALS";
const person = (id: string, name: string) => ({ id, name });
const otto = person("U0OTTO", "otto"); // operator by id
const olga = person("U0OLGA", "olga"); // operator through S0OPS
const cleo = person("U0CLEO", "cleo"); // approver by id
// Approvers through S0APPROVERS.
const anna = person("U0ANNA", "anna");
const bea = person("U0BEA", "bea");
const dan = person("U0DAN", "dan");
const eve = person("U0EVE", "eve");
const fay = person("U0FAY", "fay");
const gil = person("U0GIL", "gil");
const vic = person("U0VIC", "vic"); // viewer through S0VIEW

const textOf = (call: RecordedCall) => `${String(call.args.text)} ${JSON.stringify(call.args.blocks ?? [])}`;

describe("approvals count only people who still may: Slack's identity churns under a real bot", () => {
  const { prefix, cleanup } = testRedis("approvals-people");
  const kafka = testKafka();
  let standIn: SlackApiStandIn;
  let dir: string;
  let bots = 0;
  const running: { app: App; slack: RunningSlackAdapter }[] = [];

  /** A bot serving Slack through the stand-in; its log lines are kept. */
  async function startBot(env: Record<string, string>) {
    const logLines: string[] = [];
    const config = loadConfig({
      CONNECT_URL: testBed().connectUrl,
      KAFKA_BROKERS: testBed().bootstrapServers,
      LOG_LEVEL: "warn",
      APPROVALS_CHANNEL: approvalsChannel,
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: standIn.apiUrl,
      ...env,
    });
    const client = createSlackClient(config.slack, { retryConfig: { retries: 0 } });
    const app = createApp({
      config,
      keyPrefix: `${prefix}${++bots}:`,
      logger: pino({ level: "warn" }, { write: (line: string) => void logLines.push(line) }),
      userGroups: new SlackUserGroups(client),
      accounts: new SlackAccounts(client),
      approvalNotifier: ({ redis, keyPrefix }) =>
        new SlackApprovalNotifier({ client, redis, keyPrefix, channel: approvalsChannel }),
      approvalOptions: { identityRetryMs: 300 },
    });
    await app.approvals.startWorker();
    const slack = await startSlackAdapter({ app, client, slack: { botToken, signingSecret }, port: 0 });
    running.push({ app, slack });
    const simulator = new SlackSimulator(slack.url, signingSecret);
    /** Types `/connect <text>` as `who`; resolves with the answer posted to its response_url. */
    const type = async (who: { id: string; name: string }, text: string): Promise<string> => {
      const responseUrl = standIn.responseUrl();
      await simulator.slashCommand({ text, userId: who.id, userName: who.name, responseUrl });
      const answer = await standIn.waitForCall("response_url", (call) => call.url === responseUrl);
      return textOf(answer);
    };
    return { app, type, logLines };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "approvals-people-"));
    standIn = await SlackApiStandIn.start({
      botToken,
      users: [otto, olga, cleo, anna, bea, dan, eve, fay, gil, vic],
      userGroups: {
        S0OPS: [olga.id],
        S0APPROVERS: [anna.id, bea.id, dan.id, eve.id, fay.id, gil.id],
        S0VIEW: [vic.id],
      },
    });
  });
  after(async () => {
    for (const { app, slack } of running) {
      await slack.stop();
      await app.close();
    }
    await standIn.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  describe("two approvers required", () => {
    let bot: Awaited<ReturnType<typeof startBot>>;
    before(async () => {
      bot = await startBot({
        ROLE_OPERATORS: `${otto.id},S0OPS`,
        ROLE_APPROVERS: `S0APPROVERS,${cleo.id}`,
        APPROVERS_NEEDED: "2",
      });
    });
    const connect = () => bot.app.clusters[0]?.connect ?? assert.fail("no cluster");
    const stateOf = async (connector: string) => (await connect().status(connector)).connector.state;
    const ask = async (who: { id: string; name: string }, connector: string) =>
      requestIdIn(await bot.type(who, `stop ${connector} --reason "maintenance"`));
    const request = async (id: string) => (await bot.app.approvals.get(id)) ?? assert.fail(`no ${id}`);
    const messageSays = (id: string, words: RegExp) =>
      standIn.waitForCall(
        "chat.update",
        (call) =>
          call.args.channel === approvalsChannel && textOf(call).includes(id) && words.test(textOf(call)),
      );

    test("an approval from someone who since lost the role, or was deactivated, does not count: back to waiting, saying why; then it runs", async () => {
      const { connector } = await fileSinkThatRead(connect(), kafka, dir, 3);
      const id = await ask(otto, connector);
      assert.match(await bot.type(anna, `approve ${id}`), /needs 1 more approver/);
      standIn.removeFromGroup("S0APPROVERS", anna.id);
      await bot.type(bea, `approve ${id}`);
      const back = await eventually(`${id} back to waiting`, async () => {
        const r = await request(id);
        return r.state === "pending" && r.setBacks?.length === 1 ? r : undefined;
      });
      assert.deepEqual(
        back.approvedBy.map((p) => p.name),
        ["bea"],
      );
      await messageSays(
        id,
        /Back to waiting at <!date\^\d+\^\{date_short_pretty\} \{time_secs\}\|\d\d:\d\d:\d\d UTC>, when the change was about to run: anna's approval no longer counts: holds no role on cluster default now, not approver/,
      );
      assert.equal(await stateOf(connector), "RUNNING", "nothing ran");

      standIn.deactivate(bea.id);
      await bot.type(dan, `approve ${id}`);
      await eventually(`${id} set back again`, async () =>
        (await request(id)).setBacks?.length === 2 ? true : undefined,
      );
      await messageSays(id, /bea's approval no longer counts: this account is deactivated/);
      assert.equal((await request(id)).state, "pending");
      assert.equal(await stateOf(connector), "RUNNING", "nothing ran");

      // Two who still may: it runs.
      await bot.type(cleo, `approve ${id}`);
      const done = await eventually(`${id} done`, async () => {
        const r = await request(id);
        return r.state === "succeeded" || r.state === "failed" ? r : undefined;
      });
      assert.equal(done.state, "succeeded", done.outcome);
      assert.deepEqual(
        done.approvedBy.map((p) => p.name),
        ["dan", "cleo"],
      );
      assert.equal(await stateOf(connector), "STOPPED");
      const trail = await bot.app.audit.query({ limit: 100 });
      const withdrawn = trail.filter((e) => e.errorCode === "APPROVAL_WITHDRAWN" && e.command.includes(id));
      assert.equal(withdrawn.length, 2, "each set-back is audited");
      assert.match(withdrawn.map((e) => e.detail).join(" | "), /anna: holds no role/);
      assert.match(withdrawn.map((e) => e.detail).join(" | "), /bea: this account is deactivated/);
    });

    test("a requester who lost the role when the change is about to run: the request fails with the reason, nothing changes", async () => {
      const { connector } = await fileSinkThatRead(connect(), kafka, dir, 3);
      const id = await ask(olga, connector);
      await bot.type(eve, `approve ${id}`);
      standIn.removeFromGroup("S0OPS", olga.id);
      await bot.type(fay, `approve ${id}`);
      const done = await eventually(`${id} failed`, async () => {
        const r = await request(id);
        return r.state === "failed" ? r : undefined;
      });
      assert.match(
        done.outcome ?? "",
        /^Not run: olga, who asked, may no longer ask for it \(holds no role on cluster default now, not operator\)\. Nothing was changed/,
      );
      await messageSays(id, /Failed: stop .*Not run: olga, who asked, may no longer ask for it/);
      await standIn.waitForCall(
        "chat.postMessage",
        (call) => call.args.channel === olga.id && /failed\. Not run: olga/.test(String(call.args.text)),
      );
      assert.equal(await stateOf(connector), "RUNNING");
      const [entry] = (await bot.app.audit.query({ limit: 50 })).filter((e) => e.command.includes(id));
      assert.equal(entry?.errorCode, "REQUESTER_GONE");
    });

    test("Slack failing during the re-check is no verdict: the run waits, neither counting nor dropping the approval, and goes on once Slack answers", async () => {
      const { connector } = await fileSinkThatRead(connect(), kafka, dir, 3);
      const id = await ask(otto, connector);
      await bot.type(cleo, `approve ${id}`);
      standIn.failIdentity(cleo.id, "fatal_error");
      await bot.type(gil, `approve ${id}`);
      const asked = () =>
        standIn.calls.filter((call) => call.method === "users.info" && call.args.user === cleo.id).length;
      const before = asked();
      await eventually("the re-check asked Slack again", async () =>
        asked() >= before + 3 ? true : undefined,
      );
      const waiting = await request(id);
      assert.equal(waiting.state, "approved", "neither failed nor set back while Slack cannot answer");
      assert.equal(waiting.approvedBy.length, 2);
      assert.equal(await stateOf(connector), "RUNNING", "nothing ran unchecked");
      standIn.failIdentity(cleo.id, undefined);
      const done = await eventually(`${id} done`, async () => {
        const r = await request(id);
        return r.state === "succeeded" || r.state === "failed" ? r : undefined;
      });
      assert.equal(done.state, "succeeded", done.outcome);
    });

    test("Slack failing to say who an approver is is worded as Slack's failure, never 'does not know this account'", async () => {
      const { connector } = await fileSinkThatRead(connect(), kafka, dir, 3);
      const id = await ask(otto, connector);
      for (const fault of ["fatal_error", 500] as const) {
        standIn.failIdentity(cleo.id, fault);
        const answer = await bot.type(cleo, `approve ${id}`);
        assert.match(answer, /Slack could not answer whether U0CLEO may do this/, String(fault));
        assert.doesNotMatch(answer, /does not know/);
      }
      standIn.failIdentity(cleo.id, undefined);
      assert.equal((await request(id)).approvedBy.length, 0, "nothing was decided");
      const [entry] = (await bot.app.audit.query({ limit: 20 })).filter((e) => e.actorId === cleo.id);
      assert.equal(entry?.errorCode, "IDENTITY_UNAVAILABLE");
      await bot.type(otto, `cancel ${id}`);
    });
  });

  for (const fault of ["no_such_subteam", "fatal_error", 500] satisfies IdentityFault[]) {
    test(`a user group answering ${fault}: the bot starts, every other grant works, the group is logged once and shown`, async () => {
      standIn.failIdentity("S0VIEW", fault);
      try {
        // S0VIEW is the first group the bot reads at start.
        const bot = await startBot({ ROLE_VIEWERS: "S0VIEW", ROLE_OPERATORS: `${otto.id},S0OPS` });
        assert.match(await bot.type(otto, "list"), /default/);
        const whoami = await bot.type(otto, "whoami");
        assert.match(whoami, /operator/);
        assert.match(
          whoami,
          new RegExp(`User group S0VIEW could not be read \\(${fault === 500 ? "HTTP 500" : fault}, since`),
        );
        const vics = await bot.type(vic, "list");
        if (fault === "no_such_subteam")
          assert.match(vics, /needs the viewer role on cluster default; you have no role there/);
        else
          assert.match(
            vics,
            /Slack could not answer whether U0VIC may do this \(user group S0VIEW could not be read/,
          );
        await bot.type(vic, "list");
        const logged = bot.logLines.filter((line) => line.includes("S0VIEW"));
        assert.equal(logged.length, 1, logged.join("\n"));
        assert.match(logged[0] ?? "", /User group S0VIEW could not be read/);
      } finally {
        standIn.failIdentity("S0VIEW", undefined);
      }
    });
  }
});
