// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { RecordedCall } from "./slack/slack-api-stand-in.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import { eventually, fileSinkThatRead, produce, testBed, testKafka } from "./support/test-bed-env.js";
import { type SlackTestBot, startSlackTestBot } from "./support/test-bot.js";

const botToken = "xoxb-modal-token";
const signingSecret = "modal-signing-secret";
const operator = { id: "U0MODOPER", name: "olga", source: "slack" };
const viewer = { id: "U0MODVIEW", name: "vic", source: "slack" };
const approver = { id: "U0MODAPPR", name: "ada" };
const channel = "C0MODAL";

type View = {
  callback_id: string;
  private_metadata?: string;
  blocks: { block_id?: string; text?: { text?: string } }[];
  submit?: { text: string };
};

const viewOf = (call: RecordedCall) => call.args.view as View;

describe("the offsets reset form: type-ahead, preview, request, errors beside their field", () => {
  const { prefix, cleanup } = testRedis("offsets-modal");
  const kafka = testKafka();
  let bot: SlackTestBot;
  let dir: string;
  let sink: { connector: string; topic: string };

  const responseUrl = (name: string) => `${bot.standIn.apiUrl.replace(/\/api\/?$/, "")}/response/${name}`;

  /** `/connect offsets reset` alone, as `who`: the form it opens (the views.open the stand-in recorded). */
  async function openForm(who: { id: string }): Promise<View & { id: string }> {
    const before = bot.standIn.callsOf("views.open").length;
    const sent = await bot.simulator.slashCommand({
      text: "offsets reset",
      userId: who.id,
      channelId: channel,
      responseUrl: responseUrl("form"),
    });
    assert.equal(sent.status, 200);
    const opened = await eventually("views.open", async () => bot.standIn.callsOf("views.open")[before]);
    return { ...viewOf(opened), id: "V0FORM" };
  }

  /** The type-ahead's options for `who` typing `query`. */
  async function suggestions(
    who: { id: string },
    query: string,
  ): Promise<{ text: { text: string }; value: string }[]> {
    const answer = await bot.simulator.blockSuggestion({
      userId: who.id,
      actionId: "offsets-reset-connector",
      blockId: "connector",
      value: query,
    });
    assert.equal(answer.status, 200);
    return (JSON.parse(answer.body) as { options: { text: { text: string }; value: string }[] }).options;
  }

  /** The form's state.values as Slack sends them: connector option value, target, and the other fields. */
  function values(connectorValue: string, target: string, fields: Record<string, unknown> = {}) {
    const text = (name: string) => ({
      type: "plain_text_input",
      value: (fields[name] as string | undefined) ?? null,
    });
    return {
      connector: {
        "offsets-reset-connector": {
          type: "external_select",
          selected_option: { text: { type: "plain_text", text: "x" }, value: connectorValue },
        },
      },
      target: {
        target: {
          type: "static_select",
          selected_option: { text: { type: "plain_text", text: target }, value: target },
        },
      },
      "to-datetime": {
        "to-datetime": { type: "datetimepicker", selected_date_time: fields["to-datetime"] ?? null },
      },
      "by-duration": { "by-duration": text("by-duration") },
      "shift-by": { "shift-by": text("shift-by") },
      "to-offset": { "to-offset": text("to-offset") },
      topic: { topic: text("topic") },
      reason: { reason: text("reason") },
    };
  }

  /** How many requests were ever filed about the sink. */
  const filed = async () =>
    (await bot.app.approvals.recent(100)).filter((r) => r.connector === sink.connector).length;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "offsets-modal-"));
    bot = await startSlackTestBot({
      configFile: `
clusters:
  - name: main
    connect: { url: "${testBed().connectUrl}" }
    kafka: { brokers: ["${testBed().bootstrapServers}"] }
    roles: { operator: [${operator.id}], viewer: [${viewer.id}], approver: [${approver.id}] }
`,
      keyPrefix: `${prefix}bot:`,
      worker: false,
      standIn: { botToken, users: [operator, viewer, approver].map(({ id, name }) => ({ id, name })) },
      signingSecret,
    });
    sink = await fileSinkThatRead(bot.connect(), kafka, dir, 5, "modal-sink");
    await bot.connect().stop(sink.connector);
    await eventually("STOPPED", async () =>
      (await bot.connect().status(sink.connector)).connector.state === "STOPPED" ? true : undefined,
    );
    // Three messages it has not read: "latest" moves it from 5 to 8.
    await produce(
      kafka,
      sink.topic,
      [6, 7, 8].map((n) => ({ value: `m${n}`, partition: 0 })),
    );
  });
  after(async () => {
    await bot
      .connect()
      .deleteConnector(sink.connector)
      .catch(() => {});
    await bot.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("the form files exactly what the typed `offsets reset <c> --to-latest --reason …` files", async () => {
    const form = await openForm(operator);
    assert.equal(form.callback_id, "offsets-reset-form");

    const offered = await suggestions(operator, sink.connector.slice(0, 12));
    const option =
      offered.find((o) => o.text.text === sink.connector) ??
      assert.fail(`not offered: ${JSON.stringify(offered)}`);

    const reason = "poison message at the head";
    const submitted = await bot.simulator.viewSubmission({
      userId: operator.id,
      view: {
        id: "V0FORM",
        callback_id: form.callback_id,
        ...(form.private_metadata === undefined ? {} : { private_metadata: form.private_metadata }),
      },
      values: values(option.value, "to-latest", { reason }),
    });
    assert.equal(submitted.status, 200);
    assert.equal((JSON.parse(submitted.body) as { response_action: string }).response_action, "update");
    // The plan arrives in the modal: the same summary the request will carry.
    const planCall = await eventually("the plan in the modal", async () =>
      bot.standIn.callsOf("views.update").find((call) => viewOf(call).submit?.text === "Request"),
    );
    const plan = viewOf(planCall);
    const planText = JSON.stringify(plan.blocks);
    assert.match(planText, /nothing was asked/);
    assert.match(planText, new RegExp(`${sink.topic}:0 *5 *→ *8|${sink.topic}[^"]*5[^"]*8`));
    assert.equal(await filed(), 0, "a preview files nothing");

    const requested = await bot.simulator.viewSubmission({
      userId: operator.id,
      view: {
        id: "V0FORM",
        callback_id: plan.callback_id,
        ...(plan.private_metadata === undefined ? {} : { private_metadata: plan.private_metadata }),
      },
      values: {},
    });
    assert.equal(requested.status, 200);
    const answer = await eventually("the request's answer in the modal", async () =>
      bot.standIn
        .callsOf("views.update")
        .map((call) => JSON.stringify(viewOf(call).blocks))
        .find((text) => /request main-\d+/.test(text)),
    );
    const fromForm = (await bot.app.approvals.get(requestIdIn(answer))) ?? assert.fail("no request filed");
    // Announced in the channel it was asked in, as the typed command's answer is.
    await bot.standIn.waitForCall(
      "chat.postMessage",
      (call) => call.args.channel === channel && String(call.args.text).includes(fromForm.id),
    );

    await bot.run(operator, `cancel ${fromForm.id}`);
    // The same person types the command in the same channel.
    await bot.simulator.slashCommand({
      text: `offsets reset ${sink.connector} --to-latest --reason "${reason}"`,
      userId: operator.id,
      channelId: channel,
      responseUrl: responseUrl("typed"),
    });
    const typed = await eventually("the typed command's answer", async () =>
      bot.standIn
        .callsOf("response_url")
        .map((call) => String(call.args.text))
        .find((text) => /request main-\d+/.test(text) && !text.includes(fromForm.id)),
    );
    const fromTyping = (await bot.app.approvals.get(requestIdIn(typed))) ?? assert.fail("no typed request");
    const same = (r: typeof fromForm) => ({
      command: r.command,
      cluster: r.cluster,
      connector: r.connector,
      reason: r.reason,
      requester: r.requester,
      operation: r.operation,
      // The preview's clock time is the only thing that may differ: the two were asked seconds apart.
      planSummary: r.planSummary.replace(/as of \d\d:\d\d:\d\d UTC/, "as of (time) UTC"),
      preview: r.preview,
    });
    assert.deepEqual(same(fromForm), same(fromTyping));
    await bot.run(operator, `cancel ${fromTyping.id}`);
  });

  test("someone without the operator role is offered no connector, and a crafted submission files nothing", async () => {
    const filedBefore = await filed();
    assert.deepEqual(await suggestions(viewer, ""), []);
    const before = bot.standIn.callsOf("views.update").length;
    const crafted = await bot.simulator.viewSubmission({
      userId: viewer.id,
      view: { id: "V0CRAFT", callback_id: "offsets-reset-form" },
      values: values(JSON.stringify(["main", sink.connector]), "to-latest", { reason: "crafted by hand" }),
    });
    const body = JSON.parse(crafted.body) as { response_action: string; errors: Record<string, string> };
    assert.equal(body.response_action, "errors");
    assert.match(body.errors.connector ?? "", /needs the operator role/);
    // Nor can a crafted plan view's "Request" file one: the dispatcher refuses as it refuses the typed command.
    await bot.simulator.viewSubmission({
      userId: viewer.id,
      view: {
        id: "V0CRAFT",
        callback_id: "offsets-reset-plan",
        private_metadata: JSON.stringify({
          cluster: "main",
          args: { connector: sink.connector, "to-latest": true, reason: "crafted by hand" },
        }),
      },
      values: {},
    });
    const refusal = await eventually("the refusal in the modal", async () =>
      bot.standIn
        .callsOf("views.update")
        .slice(before)
        .map((call) => JSON.stringify(viewOf(call).blocks))
        .find((t) => /operator role/.test(t)),
    );
    assert.doesNotMatch(refusal, /request main-/);
    assert.equal(await filed(), filedBefore);
  });

  test("a bad date gets its error beside the date field and files nothing", async () => {
    const filedBefore = await filed();
    const option = JSON.stringify(["main", sink.connector]);
    for (const date of [null, 1.5]) {
      const answer = await bot.simulator.viewSubmission({
        userId: operator.id,
        view: { id: "V0DATE", callback_id: "offsets-reset-form" },
        values: values(option, "to-datetime", { reason: "replay the outage", "to-datetime": date }),
      });
      const body = JSON.parse(answer.body) as { response_action: string; errors: Record<string, string> };
      assert.equal(body.response_action, "errors");
      assert.deepEqual(Object.keys(body.errors), ["to-datetime"]);
    }
    const shift = await bot.simulator.viewSubmission({
      userId: operator.id,
      view: { id: "V0DATE", callback_id: "offsets-reset-form" },
      values: values(option, "shift-by", { reason: "replay", "shift-by": "many" }),
    });
    assert.deepEqual(Object.keys((JSON.parse(shift.body) as { errors: object }).errors), ["shift-by"]);
    assert.equal(await filed(), filedBefore);
  });

  test("the stand-in holds views to Slack's limits: a title over 24 characters is refused", async () => {
    await assert.rejects(
      bot.client.views.open({
        trigger_id: "trigger-limits",
        view: {
          type: "modal",
          title: { type: "plain_text", text: "Reset the offsets of a sink" },
          blocks: [],
        },
      }),
      /invalid_arguments/,
    );
  });

  test("status of a sink carries an Offsets… button that opens the form on that sink", async () => {
    await bot.simulator.slashCommand({
      text: `status ${sink.connector}`,
      userId: operator.id,
      channelId: channel,
      responseUrl: responseUrl("status"),
    });
    const button = await eventually("the Offsets… button", async () =>
      bot.standIn
        .callsOf("response_url")
        .flatMap(
          (call) =>
            (call.args.blocks ?? []) as {
              type: string;
              elements?: { action_id?: string; value?: string; text?: { text: string } }[];
            }[],
        )
        .flatMap((block) => (block.type === "actions" ? (block.elements ?? []) : []))
        .find((element) => element.action_id === "offsets-reset-open"),
    );
    assert.equal(button.text?.text, "Offsets…");
    const opened = bot.standIn.callsOf("views.open").length;
    await bot.simulator.buttonClick({
      userId: operator.id,
      actionId: "offsets-reset-open",
      value: button.value ?? "",
      channelId: channel,
      messageTs: "1700000000.000100",
      responseUrl: responseUrl("click"),
    });
    const form = await eventually("the form", async () => bot.standIn.callsOf("views.open")[opened]);
    const connectorBlock = (
      viewOf(form).blocks as { block_id?: string; element?: { initial_option?: { value: string } } }[]
    ).find((block) => block.block_id === "connector");
    assert.deepEqual(JSON.parse(connectorBlock?.element?.initial_option?.value ?? "null"), [
      "main",
      sink.connector,
    ]);
  });
});
