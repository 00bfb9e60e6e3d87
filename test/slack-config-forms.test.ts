// needs: bed
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ApprovalRequest } from "../approvals/approval-request.js";
import { offeredKeys } from "../src/slack/modals/settings-fields.js";
import type { RecordedCall } from "./slack/slack-api-stand-in.js";
import { testRedis } from "./support/redis-prefix.js";
import { requestIdIn } from "./support/request-id.js";
import { eventually, testBed, uniqueName } from "./support/test-bed-env.js";
import { type SlackTestBot, startSlackTestBot } from "./support/test-bot.js";

const botToken = "xoxb-config-modal-token";
const signingSecret = "config-modal-signing-secret";
const operator = { id: "U0CFGOPER", name: "olga" };
const viewer = { id: "U0CFGVIEW", name: "vic" };
const channel = "C0CFGMODAL";

type Block = { block_id?: string; element?: { initial_value?: string }; text?: { text?: string } };
type View = { callback_id: string; private_metadata?: string; blocks: Block[]; submit?: { text: string } };
type Answer = { response_action: string; errors?: Record<string, string>; view?: View };

const viewOf = (call: RecordedCall) => call.args.view as View;

describe("the config set and create forms: keys from the plugin's definition, the diff, Connect's validation, request", () => {
  const { prefix, cleanup } = testRedis("config-forms");
  let bot: SlackTestBot;
  let connector: string;
  const file = "/tmp/config-modal-sink.txt";

  const responseUrl = (name: string) => `${bot.standIn.apiUrl.replace(/\/api\/?$/, "")}/response/${name}`;

  /** `/connect config set` alone, the connector chosen by type-ahead and "Next": the keys form it updates to. */
  async function keysForm(who: { id: string }): Promise<View> {
    const opened = bot.standIn.callsOf("views.open").length;
    await bot.simulator.slashCommand({
      text: "config set",
      userId: who.id,
      channelId: channel,
      responseUrl: responseUrl("form"),
    });
    const pick = viewOf(
      await eventually("views.open", async () => bot.standIn.callsOf("views.open")[opened]),
    );
    assert.equal(pick.callback_id, "config-set-pick");
    const option =
      (await suggestions(who, connector.slice(0, 14))).find((o) => o.text.text === connector) ??
      assert.fail("the connector is not offered");
    const updated = bot.standIn.callsOf("views.update").length;
    const next = await bot.simulator.viewSubmission({
      userId: who.id,
      view: { id: "V0CFG", callback_id: pick.callback_id, ...metadataOf(pick) },
      values: { connector: { "config-set-connector": { selected_option: { value: option.value } } } },
    });
    assert.equal((JSON.parse(next.body) as Answer).response_action, "update");
    return viewOf(
      await eventually("the keys form", async () =>
        bot.standIn
          .callsOf("views.update")
          .slice(updated)
          .find((call) => viewOf(call).callback_id === "config-set-form"),
      ),
    );
  }

  const metadataOf = (view: View) =>
    view.private_metadata === undefined ? {} : { private_metadata: view.private_metadata };

  async function suggestions(who: { id: string }, query: string) {
    const answer = await bot.simulator.blockSuggestion({
      userId: who.id,
      actionId: "config-set-connector",
      blockId: "connector",
      value: query,
    });
    return (JSON.parse(answer.body) as { options: { text: { text: string }; value: string }[] }).options;
  }

  /** The keys form submitted: each key's field as shown, but for `edits` (block_id → value). */
  function submitKeys(who: { id: string }, form: View, edits: Record<string, string>, reason: string) {
    const values: Record<string, Record<string, Record<string, unknown>>> = {};
    for (const block of form.blocks) {
      const id = block.block_id;
      if (id === undefined) continue;
      const action = id.startsWith("settings.") ? "value" : id;
      values[id] = {
        [action]: { type: "plain_text_input", value: edits[id] ?? block.element?.initial_value ?? null },
      };
    }
    values.reason = { reason: { type: "plain_text_input", value: reason } };
    return bot.simulator.viewSubmission({
      userId: who.id,
      view: { id: "V0CFG", callback_id: form.callback_id, ...metadataOf(form), blocks: form.blocks },
      values,
    });
  }

  /** `/connect create` alone: the plugin chosen and the name given, "Next": the keys form it updates to. */
  async function createForm(who: { id: string }, name: string): Promise<View> {
    const pick = await createPick(who);
    const plugin = (pick.blocks as { block_id?: string; element?: { options?: { value: string }[] } }[])
      .find((block) => block.block_id === "plugin")
      ?.element?.options?.find((option) => option.value.includes("FileStreamSinkConnector"));
    assert.ok(plugin, "FileStreamSink is offered");
    const updated = bot.standIn.callsOf("views.update").length;
    const next = await bot.simulator.viewSubmission({
      userId: who.id,
      view: { id: "V0NEW", callback_id: pick.callback_id, ...metadataOf(pick) },
      values: {
        plugin: { "create-plugin": { selected_option: { value: plugin.value } } },
        name: { name: { value: name } },
      },
    });
    assert.equal((JSON.parse(next.body) as Answer).response_action, "update");
    return viewOf(
      await eventually("the create keys form", async () =>
        bot.standIn
          .callsOf("views.update")
          .slice(updated)
          .find((call) => viewOf(call).callback_id === "create-form"),
      ),
    );
  }

  /** `/connect create` alone, as `who`: the first view once the plugins are read. */
  async function createPick(who: { id: string }): Promise<View> {
    const updated = bot.standIn.callsOf("views.update").length;
    await bot.simulator.slashCommand({
      text: "create",
      userId: who.id,
      channelId: channel,
      responseUrl: responseUrl("create"),
    });
    return viewOf(
      await eventually("the create form", async () =>
        bot.standIn
          .callsOf("views.update")
          .slice(updated)
          .find((call) => viewOf(call).callback_id === "create-pick"),
      ),
    );
  }

  /** The plan view a keys form's submission shows: at once in the answer, or by views.update when slow. */
  async function planOf(answer: Answer, updatedBefore: number): Promise<View> {
    if (answer.view?.callback_id?.endsWith("-plan")) return answer.view;
    return viewOf(
      await eventually("the plan", async () =>
        bot.standIn
          .callsOf("views.update")
          .slice(updatedBefore)
          .find((call) => viewOf(call).callback_id.endsWith("-plan")),
      ),
    );
  }

  /** "Request" on a plan view, as `who`: the request it filed. */
  async function request(who: { id: string }, plan: View) {
    const updated = bot.standIn.callsOf("views.update").length;
    await bot.simulator.viewSubmission({
      userId: who.id,
      view: { id: "V0PLAN", callback_id: plan.callback_id, ...metadataOf(plan) },
      values: {},
    });
    const text = await eventually("the request's answer in the modal", async () =>
      bot.standIn
        .callsOf("views.update")
        .slice(updated)
        .map((call) => JSON.stringify(viewOf(call).blocks))
        .find((t) => /request main-\d+/.test(t)),
    );
    return (await bot.app.approvals.get(requestIdIn(text))) ?? assert.fail("no request filed");
  }

  /** `text` typed by the operator in the channel: the request it filed. */
  async function typed(text: string, not: string) {
    const answered = bot.standIn.callsOf("response_url").length;
    await bot.simulator.slashCommand({
      text,
      userId: operator.id,
      channelId: channel,
      responseUrl: responseUrl("typed"),
    });
    const answer = await eventually("the typed command's answer", async () =>
      bot.standIn
        .callsOf("response_url")
        .slice(answered)
        .map((call) => String(call.args.text))
        .find((t) => /request main-\d+/.test(t) && !t.includes(not)),
    );
    return (await bot.app.approvals.get(requestIdIn(answer))) ?? assert.fail("no typed request");
  }

  /** What a filing holds that the form and the typed command must agree on. */
  const sameFiling = (r: ApprovalRequest) => ({
    command: r.command,
    cluster: r.cluster,
    connector: r.connector,
    reason: r.reason,
    requester: r.requester,
    operation: r.operation,
    planSummary: r.planSummary,
  });

  const filed = async () =>
    (await bot.app.approvals.recent(100)).filter((r) => r.connector === connector).length;

  before(async () => {
    bot = await startSlackTestBot({
      configFile: `
clusters:
  - name: main
    connect: { url: "${testBed().connectUrl}" }
    kafka: { brokers: ["${testBed().bootstrapServers}"] }
    roles: { operator: [${operator.id}], viewer: [${viewer.id}] }
`,
      keyPrefix: `${prefix}bot:`,
      worker: false,
      standIn: { botToken, users: [operator, viewer] },
      signingSecret,
    });
    connector = uniqueName("cfgform-sink");
    await bot.connect().putConfig(connector, {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: uniqueName("cfgform-topic"),
      file,
    });
  });
  after(async () => {
    await bot
      .connect()
      .deleteConnector(connector)
      .catch(() => {});
    await bot.close();
    await cleanup();
  });

  test("the form files exactly what the typed `config set` files", async () => {
    const form = await keysForm(operator);
    const field = (key: string) => form.blocks.find((b) => b.block_id === `settings.${key}`);
    // The keys its plugin defines, with the values it has now.
    assert.equal(field("file")?.element?.initial_value, file);
    assert.ok(field("tasks.max"), "tasks.max, from the plugin's definition, is offered");
    assert.equal(field("tasks.max")?.element?.initial_value, undefined);

    const reason = "write elsewhere";
    const edits = {
      "settings.file": "/tmp/config-modal-other.txt",
      "settings.tasks.max": "2",
      "new-key": "custom.note",
      "new-value": "from-the-form",
    };
    const updated = bot.standIn.callsOf("views.update").length;
    const answer = JSON.parse((await submitKeys(operator, form, edits, reason)).body) as Answer;
    assert.equal(answer.response_action, "update");
    const plan = await planOf(answer, updated);
    assert.equal(plan.submit?.text, "Request");
    const planText = JSON.stringify(plan.blocks);
    assert.match(planText, /nothing was asked/);
    assert.match(planText, /~ file: \/tmp\/config-modal-sink.txt → \/tmp\/config-modal-other.txt/);
    assert.match(planText, /\+ tasks.max = 2/);
    assert.match(planText, /Connect validated the whole config/);
    assert.equal(await filed(), 0, "a preview files nothing");

    const fromForm = await request(operator, plan);
    await bot.run({ ...operator, source: "slack" }, `cancel ${fromForm.id}`);
    const fromTyping = await typed(
      `config set ${connector} file=/tmp/config-modal-other.txt tasks.max=2 custom.note=from-the-form --reason "${reason}"`,
      fromForm.id,
    );
    assert.deepEqual(sameFiling(fromForm), sameFiling(fromTyping));
    await bot.run({ ...operator, source: "slack" }, `cancel ${fromTyping.id}`);
  });

  test("someone without the operator role is offered nothing, and a crafted submission files nothing", async () => {
    const filedBefore = await filed();
    assert.deepEqual(await suggestions(viewer, ""), []);
    const crafted = await bot.simulator.viewSubmission({
      userId: viewer.id,
      view: { id: "V0CRAFT", callback_id: "config-set-pick" },
      values: {
        connector: {
          "config-set-connector": { selected_option: { value: JSON.stringify(["main", connector]) } },
        },
      },
    });
    const picked = JSON.parse(crafted.body) as Answer;
    assert.equal(picked.response_action, "errors");
    assert.match(picked.errors?.connector ?? "", /needs the operator role/);
    // Nor the keys form, crafted with the connector in its metadata.
    const keys = await bot.simulator.viewSubmission({
      userId: viewer.id,
      view: {
        id: "V0CRAFT",
        callback_id: "config-set-form",
        private_metadata: JSON.stringify({ cluster: "main", connector }),
        blocks: [{ type: "input", block_id: "settings.tasks.max", element: {} }],
      },
      values: {
        "settings.tasks.max": { value: { value: "3" } },
        reason: { reason: { value: "crafted by hand" } },
      },
    });
    const refused = JSON.parse(keys.body) as Answer;
    assert.equal(refused.response_action, "errors");
    assert.match(refused.errors?.reason ?? "", /needs the operator role/);
    // Nor a crafted plan view's "Request": the dispatcher refuses as it refuses the typed command.
    const updates = bot.standIn.callsOf("views.update").length;
    await bot.simulator.viewSubmission({
      userId: viewer.id,
      view: {
        id: "V0CRAFT",
        callback_id: "config-set-plan",
        private_metadata: JSON.stringify({
          cluster: "main",
          args: { connector, settings: "tasks.max=3", reason: "crafted by hand" },
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
    assert.equal(await filed(), filedBefore);
  });

  test("a value Connect's validation refuses shows beside its key and files nothing", async () => {
    const filedBefore = await filed();
    const form = await keysForm(operator);
    const answer = JSON.parse(
      (await submitKeys(operator, form, { "settings.tasks.max": "many" }, "more tasks")).body,
    ) as Answer;
    assert.equal(answer.response_action, "errors");
    assert.deepEqual(Object.keys(answer.errors ?? {}), ["settings.tasks.max"]);
    assert.match(answer.errors?.["settings.tasks.max"] ?? "", /many/);
    assert.equal(await filed(), filedBefore);
  });

  test("a plugin with more keys than a view holds offers those set and the required ones, and says so", () => {
    const definition = Array.from({ length: 200 }, (_, i) => ({
      name: `key.${i}`,
      type: "STRING",
      required: i === 150,
      default_value: null,
      importance: "LOW",
      documentation: null,
    }));
    const offered = offeredKeys({ name: "c", "key.3": "x", "key.7": "y" }, definition);
    assert.equal(offered.cut, true);
    assert.deepEqual(offered.keys, ["key.3", "key.7", "key.150"]);
    const all = offeredKeys({ name: "c" }, definition.slice(0, 20));
    assert.equal(all.cut, false);
    assert.equal(all.keys.length, 20);
  });

  test("the create form files exactly what the typed `create` files", async () => {
    const name = uniqueName("cfgform-new");
    const topic = uniqueName("cfgform-new-topic");
    const form = await createForm(operator, name);
    const ids = form.blocks.map((block) => block.block_id);
    // The plugin's keys, with name and class left to the form; the state to create it in.
    assert.ok(ids.includes("settings.topics") && ids.includes("settings.file") && ids.includes("state"));
    assert.ok(!ids.includes("settings.name") && !ids.includes("settings.connector.class"));
    const reason = "a new export";
    const values: Record<string, Record<string, Record<string, unknown>>> = {
      "settings.topics": { value: { value: topic } },
      "settings.file": { value: { value: "/tmp/config-modal-new.txt" } },
      state: { state: { selected_option: { value: "STOPPED" } } },
      reason: { reason: { value: reason } },
    };
    const updated = bot.standIn.callsOf("views.update").length;
    const answer = JSON.parse(
      (
        await bot.simulator.viewSubmission({
          userId: operator.id,
          view: { id: "V0NEW", callback_id: form.callback_id, ...metadataOf(form), blocks: form.blocks },
          values,
        })
      ).body,
    ) as Answer;
    assert.equal(answer.response_action, "update");
    const plan = await planOf(answer, updated);
    assert.match(JSON.stringify(plan.blocks), new RegExp(`\\+ topics = ${topic}`));
    assert.match(JSON.stringify(plan.blocks), /is created STOPPED/);
    const fromForm = await request(operator, plan);
    await bot.run({ ...operator, source: "slack" }, `cancel ${fromForm.id}`);
    const fromTyping = await typed(
      `create ${name} connector.class=org.apache.kafka.connect.file.FileStreamSinkConnector topics=${topic} file=/tmp/config-modal-new.txt --stopped --reason "${reason}"`,
      fromForm.id,
    );
    assert.deepEqual(sameFiling(fromForm), sameFiling(fromTyping));
    await bot.run({ ...operator, source: "slack" }, `cancel ${fromTyping.id}`);
  });

  test("create: someone without the operator role is offered no plugin, and a crafted submission files nothing", async () => {
    const before = (await bot.app.approvals.recent(100)).length;
    const pick = await createPick(viewer);
    assert.equal(pick.submit, undefined);
    assert.ok(!pick.blocks.some((block) => block.block_id === "plugin"));
    const name = uniqueName("cfgform-crafted");
    const crafted = await bot.simulator.viewSubmission({
      userId: viewer.id,
      view: { id: "V0CRAFT", callback_id: "create-pick" },
      values: {
        plugin: {
          "create-plugin": {
            selected_option: {
              value: JSON.stringify(["main", "org.apache.kafka.connect.file.FileStreamSinkConnector"]),
            },
          },
        },
        name: { name: { value: name } },
      },
    });
    const answer = JSON.parse(crafted.body) as Answer;
    assert.equal(answer.response_action, "errors");
    assert.match(answer.errors?.name ?? "", /needs the operator role/);
    assert.equal((await bot.app.approvals.recent(100)).length, before);
  });

  test("create: a config Connect's validation refuses shows beside its keys and files nothing", async () => {
    const before = (await bot.app.approvals.recent(100)).length;
    const form = await createForm(operator, uniqueName("cfgform-refused"));
    const answer = JSON.parse(
      (
        await bot.simulator.viewSubmission({
          userId: operator.id,
          view: { id: "V0NEW", callback_id: form.callback_id, ...metadataOf(form), blocks: form.blocks },
          values: {
            "settings.file": { value: { value: "/tmp/config-modal-refused.txt" } },
            reason: { reason: { value: "no topics" } },
          },
        })
      ).body,
    ) as Answer;
    assert.equal(answer.response_action, "errors");
    assert.match(answer.errors?.["settings.topics"] ?? "", /Must configure one of topics or topics.regex/);
    assert.equal((await bot.app.approvals.recent(100)).length, before);
  });
});
