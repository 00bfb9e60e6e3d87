// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { RecordedCall } from "./slack/slack-api-stand-in.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import { eventually, testBed, uniqueName } from "./support/test-bed-env.js";
import { type SlackTestBot, startSlackTestBot } from "./support/test-bot.js";

const botToken = "xoxb-set-modal-token";
const signingSecret = "set-modal-signing-secret";
const operator = { id: "U0SETOPER", name: "otto", source: "slack" };
const viewer = { id: "U0SETVIEW", name: "vera", source: "slack" };
const approver = { id: "U0SETAPPR", name: "abe" };
const channel = "C0SETMODAL";

type Block = {
  type: string;
  block_id?: string;
  label?: { text: string };
  text?: { text?: string };
  elements?: { text?: string }[];
  element?: { initial_value?: string };
};
type View = { callback_id: string; private_metadata?: string; blocks: Block[]; submit?: { text: string } };
type Answer = { response_action: string; view?: View; errors?: Record<string, string> };

const viewOf = (call: RecordedCall) => call.args.view as View;
const answerOf = (sent: { status: number; body: string }): Answer => {
  assert.equal(sent.status, 200);
  return JSON.parse(sent.body) as Answer;
};
const offsetInputs = (view: View) => view.blocks.filter((block) => block.block_id?.startsWith("offset-"));

describe("the offsets set form for a source connector: partitions listed, each offset edited, preview, request", () => {
  const { prefix, cleanup } = testRedis("offsets-set-modal");
  let bot: SlackTestBot;
  let dir: string;
  let source: { connector: string; file: string };
  let wide: string | undefined;

  const responseUrl = (name: string) => `${bot.standIn.apiUrl.replace(/\/api\/?$/, "")}/response/${name}`;

  /** A FileStreamSource that has read `one two three` (position 14), then STOPPED so its offsets hold still. */
  async function stoppedSource(name: string): Promise<{ connector: string; file: string }> {
    const connector = uniqueName(name);
    const file = join(dir, `${connector}.txt`);
    await writeFile(file, "one\ntwo\nthree\n");
    await bot.connect().putConfig(connector, {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
      file,
      topic: uniqueName("set-modal-topic"),
    });
    await eventually(`${connector} to read its file`, async () =>
      (await bot.connect().offsets(connector)).offsets[0]?.offset?.position === 14 ? true : undefined,
    );
    await bot.connect().stop(connector);
    await eventually(`${connector} STOPPED`, async () =>
      (await bot.connect().status(connector)).connector.state === "STOPPED" ? true : undefined,
    );
    return { connector, file };
  }

  /** The first view's "Next" with `connector` chosen, as `who`: Slack's answer (the offsets view, or errors). */
  const chooseConnector = (who: { id: string }, connector: string) =>
    bot.simulator.viewSubmission({
      userId: who.id,
      view: { id: "V0SET", callback_id: "offsets-set-form", private_metadata: JSON.stringify({ channel }) },
      values: {
        connector: {
          "offsets-set-connector": {
            type: "external_select",
            selected_option: {
              text: { type: "plain_text", text: connector },
              value: JSON.stringify(["main", connector]),
            },
          },
        },
      },
    });

  /** The offsets view's "Preview" as `who`, each offset input given `offsets[block]` (else what it showed). */
  const submitOffsets = (who: { id: string }, view: View, offsets: Record<string, string>, reason: string) =>
    bot.simulator.viewSubmission({
      userId: who.id,
      view: {
        id: "V0SET",
        callback_id: view.callback_id,
        ...(view.private_metadata === undefined ? {} : { private_metadata: view.private_metadata }),
      },
      values: {
        ...Object.fromEntries(
          offsetInputs(view).map((block) => [
            block.block_id ?? "",
            {
              offset: {
                type: "plain_text_input",
                value: offsets[block.block_id ?? ""] ?? block.element?.initial_value ?? null,
              },
            },
          ]),
        ),
        reason: { reason: { type: "plain_text_input", value: reason } },
      },
    });

  /** The requests ever filed about `connector`. */
  const filed = async (connector: string) =>
    (await bot.app.approvals.recent(100)).filter((r) => r.connector === connector).length;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "offsets-set-modal-"));
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
    source = await stoppedSource("set-modal-source");
  });
  after(async () => {
    for (const connector of [source.connector, wide ?? ""])
      await bot
        .connect()
        .deleteConnector(connector)
        .catch(() => {});
    await bot.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("the form files exactly what the typed `offsets set <c> --json … --reason …` files", async () => {
    const opened = bot.standIn.callsOf("views.open").length;
    await bot.simulator.slashCommand({
      text: "offsets set",
      userId: operator.id,
      channelId: channel,
      responseUrl: responseUrl("form"),
    });
    const form = viewOf(
      await eventually("views.open", async () => bot.standIn.callsOf("views.open")[opened]),
    );
    assert.equal(form.callback_id, "offsets-set-form");

    const suggested = await bot.simulator.blockSuggestion({
      userId: operator.id,
      actionId: "offsets-set-connector",
      blockId: "connector",
      value: source.connector.slice(0, 14),
    });
    const options = (JSON.parse(suggested.body) as { options: { text: { text: string }; value: string }[] })
      .options;
    assert.ok(
      options.some((o) => o.text.text === source.connector),
      `not offered: ${JSON.stringify(options)}`,
    );

    // "Next" lists the source partition, readably, with its committed offset to edit.
    const listed = answerOf(await chooseConnector(operator, source.connector));
    assert.equal(listed.response_action, "update");
    const view = listed.view ?? assert.fail("no offsets view");
    const [input, ...more] = offsetInputs(view);
    assert.equal(more.length, 0);
    assert.equal(input?.label?.text, `filename: ${source.file}`);
    assert.deepEqual(JSON.parse(input?.element?.initial_value ?? "null"), { position: 14 });

    const reason = "re-read two and three";
    const previewed = answerOf(
      await submitOffsets(operator, view, { [input?.block_id ?? ""]: '{"position": 4}' }, reason),
    );
    assert.equal(previewed.response_action, "update");
    const plan = viewOf(
      await eventually("the plan in the modal", async () =>
        bot.standIn.callsOf("views.update").find((call) => viewOf(call).submit?.text === "Request"),
      ),
    );
    assert.match(JSON.stringify(plan.blocks), /\{\\"position\\":14\} → \{\\"position\\":4\}/);
    // The plan is the typed command's `--preview`, word for word but for the clock time.
    const json = JSON.stringify([{ partition: { filename: source.file }, offset: { position: 4 } }]);
    const typedPreview = await bot.run(
      operator,
      `offsets set ${source.connector} --json '${json}' --preview --reason "${reason}"`,
    );
    const code = (reply: { parts: readonly { kind: string; text?: string }[] }) =>
      reply.parts.find((part) => part.kind === "code")?.text?.replace(/\d\d:\d\d:\d\d UTC/, "(time)");
    const planCode = plan.blocks
      .map((block) => block.text?.text ?? "")
      .find((text) => text.includes("source partition(s)"))
      ?.replace(/\d\d:\d\d:\d\d UTC/, "(time)");
    assert.ok(planCode?.includes(code(typedPreview) ?? "no preview"), `${planCode}\n${code(typedPreview)}`);
    assert.equal(await filed(source.connector), 0, "a preview files nothing");

    await bot.simulator.viewSubmission({
      userId: operator.id,
      view: { id: "V0SET", callback_id: plan.callback_id, private_metadata: plan.private_metadata ?? "" },
      values: {},
    });
    const answer = await eventually("the request's answer in the modal", async () =>
      bot.standIn
        .callsOf("views.update")
        .map((call) => JSON.stringify(viewOf(call).blocks))
        .find((text) => /request main-\d+/.test(text)),
    );
    const fromForm = (await bot.app.approvals.get(requestIdIn(answer))) ?? assert.fail("no request filed");
    await bot.standIn.waitForCall(
      "chat.postMessage",
      (call) => call.args.channel === channel && String(call.args.text).includes(fromForm.id),
    );
    await bot.run(operator, `cancel ${fromForm.id}`);

    // The same person types the command, with the JSON `offsets get` shows, edited.
    await bot.simulator.slashCommand({
      text: `offsets set ${source.connector} --json '${json}' --reason "${reason}"`,
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

  test("someone without the operator role is offered nothing, and crafted submissions file nothing", async () => {
    const filedBefore = await filed(source.connector);
    const suggested = await bot.simulator.blockSuggestion({
      userId: viewer.id,
      actionId: "offsets-set-connector",
      blockId: "connector",
      value: "",
    });
    assert.deepEqual((JSON.parse(suggested.body) as { options: unknown[] }).options, []);

    const chosen = answerOf(await chooseConnector(viewer, source.connector));
    assert.equal(chosen.response_action, "errors");
    assert.match(chosen.errors?.connector ?? "", /needs the operator role/);

    // The offsets view, crafted from the operator's, submitted by the viewer.
    const view = answerOf(await chooseConnector(operator, source.connector)).view ?? assert.fail("no view");
    const block = offsetInputs(view)[0]?.block_id ?? "";
    const crafted = answerOf(await submitOffsets(viewer, view, { [block]: '{"position": 0}' }, "crafted"));
    assert.equal(crafted.response_action, "errors");
    assert.match(crafted.errors?.[block] ?? "", /needs the operator role/);

    // And a crafted plan view's "Request": the dispatcher refuses it as it refuses the typed command.
    const updates = bot.standIn.callsOf("views.update").length;
    await bot.simulator.viewSubmission({
      userId: viewer.id,
      view: {
        id: "V0CRAFT",
        callback_id: "offsets-set-plan",
        private_metadata: JSON.stringify({
          cluster: "main",
          args: {
            connector: source.connector,
            json: JSON.stringify([{ partition: { filename: source.file }, offset: { position: 0 } }]),
            reason: "crafted",
          },
        }),
      },
      values: {},
    });
    const refusal = await eventually("the refusal in the modal", async () =>
      bot.standIn
        .callsOf("views.update")
        .slice(updates)
        .map((call) => JSON.stringify(viewOf(call).blocks))
        .find((text) => /operator role/.test(text)),
    );
    assert.doesNotMatch(refusal, /request main-/);
    assert.equal(await filed(source.connector), filedBefore);
  });

  test("a bad offset gets its error beside its partition and files nothing", async () => {
    const filedBefore = await filed(source.connector);
    const updates = bot.standIn.callsOf("views.update").length;
    const view = answerOf(await chooseConnector(operator, source.connector)).view ?? assert.fail("no view");
    const block = offsetInputs(view)[0]?.block_id ?? "";
    for (const bad of ['{"position": 4', "[4]", "4", ""]) {
      const answer = answerOf(await submitOffsets(operator, view, { [block]: bad }, "replay"));
      assert.equal(answer.response_action, "errors", bad);
      assert.deepEqual(Object.keys(answer.errors ?? {}), [block], bad);
      assert.match(answer.errors?.[block] ?? "", /JSON object/);
    }
    // Nothing edited is nothing to ask for.
    const unchanged = answerOf(await submitOffsets(operator, view, {}, "replay"));
    assert.match(unchanged.errors?.[block] ?? "", /none was changed/);
    assert.equal(bot.standIn.callsOf("views.update").length, updates, "no plan was shown");
    assert.equal(await filed(source.connector), filedBefore);
  });

  test("a source with more partitions than a form holds lists what fits and says so", async () => {
    const made = await stoppedSource("set-modal-wide");
    wide = made.connector;
    // FileStreamSource takes any file name as a partition (its alterOffsets checks only the keys' shapes).
    await bot.connect().alterOffsets(
      wide,
      Array.from({ length: 120 }, (_, n) => ({
        partition: { filename: join(dir, `other-${n}.txt`) },
        offset: { position: n },
      })),
    );
    // Connect answers the PATCH once the offsets are written; its GET reads them back from the offsets topic.
    await eventually("all 121 partitions readable", async () =>
      (await bot.connect().offsets(made.connector)).offsets.length === 121 ? true : undefined,
    );
    const view = answerOf(await chooseConnector(operator, wide)).view ?? assert.fail("no view");
    assert.ok(view.blocks.length <= 100, `${view.blocks.length} blocks`);
    assert.equal(offsetInputs(view).length, 97);
    assert.match(JSON.stringify(view.blocks), /Showing 97 of 121 partitions/);
  });

  test("status of a source carries an Offsets… button that opens the form on that source", async () => {
    await bot.simulator.slashCommand({
      text: `status ${source.connector}`,
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
        .find((element) => element.action_id === "offsets-set-open"),
    );
    assert.equal(button.text?.text, "Offsets…");
    const opened = bot.standIn.callsOf("views.open").length;
    await bot.simulator.buttonClick({
      userId: operator.id,
      actionId: "offsets-set-open",
      value: button.value ?? "",
      channelId: channel,
      messageTs: "1700000000.000200",
      responseUrl: responseUrl("click"),
    });
    const form = viewOf(await eventually("the form", async () => bot.standIn.callsOf("views.open")[opened]));
    assert.equal(form.callback_id, "offsets-set-form");
    const connectorBlock = (
      form.blocks as { block_id?: string; element?: { initial_option?: { value: string } } }[]
    ).find((block) => block.block_id === "connector");
    assert.deepEqual(JSON.parse(connectorBlock?.element?.initial_option?.value ?? "null"), [
      "main",
      source.connector,
    ]);
  });
});
