// needs: bed
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Actor } from "../src/core/command-spec.js";
import { renderText } from "../src/shell/render-text.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { testRedis } from "./support/redis-prefix.js";
import { eventually, testBed, uniqueName } from "./support/test-bed-env.js";
import { startTestBot, type TestBot } from "./support/test-bot.js";

const viewer: Actor = { id: "U0VIEW", name: "vera", source: "slack" };
const fileSink = "org.apache.kafka.connect.file.FileStreamSinkConnector";
const validatePath = /\/connector-plugins\/[^/]+\/config\/validate$/;

/**
 * The test bed's plugins (FileStream, the built-in transforms and converters) declare no PASSWORD setting, as
 * its worker says: a PASSWORD-typed key is shown here by answering one validation with the definitions a plugin
 * such as Debezium returns, through a proxy in front of the real worker. Everything else is the real worker.
 */
describe("config hides what the connector's plugin declares as PASSWORD, as Connect's validation says", () => {
  const { prefix, cleanup } = testRedis("secret-keys");
  let proxy: FaultProxy;
  let bot: TestBot;
  let dir: string;
  const names: string[] = [];

  const configOf = async (name: string) =>
    renderText(
      await bot.app.dispatcher.dispatch({
        actor: viewer,
        text: `config ${name}`,
        requestId: uniqueName("r"),
      }),
    );
  const validations = () =>
    proxy.requests.filter((r) => r.method === "PUT" && validatePath.test(r.url)).length;
  const create = async (extra: Record<string, string>) => {
    const name = uniqueName("secret-keys");
    names.push(name);
    await bot.connect().putConfig(name, {
      "connector.class": fileSink,
      topics: uniqueName("secret-keys-topic"),
      file: join(dir, `${name}.txt`),
      "opaque.material": "Opaque-Val-4411",
      "connection.password": "By-Name-7702",
      ...extra,
    });
    return name;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "secret-keys-"));
    proxy = await FaultProxy.start(testBed().connectUrl);
    bot = await startTestBot({
      connectUrl: proxy.url,
      env: { ROLE_VIEWERS: viewer.id },
      keyPrefix: prefix,
      worker: false,
    });
  });
  after(async () => {
    for (const name of names)
      await bot
        .connect()
        .deleteConnector(name)
        .catch(() => undefined);
    await bot.close();
    await proxy.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("the real worker: FileStream declares no PASSWORD key; names still hide, the opaque value shows", async () => {
    const name = await create({});
    const before = validations();
    const shown = await configOf(name);
    assert.equal(validations(), before + 1, "Connect's validation was asked");
    assert.match(shown, /opaque\.material\s+Opaque-Val-4411/);
    assert.match(shown, /connection\.password\s+••••••/);
    assert.match(shown, /declares as passwords/);
  });

  test("a plugin that declares a key PASSWORD: that key is hidden whatever its name, and the answer is cached", async () => {
    // Another structure (a converter set) is another cache entry: this one is asked afresh.
    const name = await create({ "value.converter": "org.apache.kafka.connect.storage.StringConverter" });
    proxy.answerNextWith({ method: "PUT", path: validatePath }, 1, 200, {
      name: fileSink,
      error_count: 0,
      groups: ["Common"],
      configs: [
        { definition: { name: "name", type: "STRING" }, value: { name: "name", value: "x" } },
        { definition: { name: "opaque.material", type: "PASSWORD" }, value: { name: "opaque.material" } },
      ],
    });
    const shown = await configOf(name);
    assert.doesNotMatch(shown, /Opaque-Val-4411|By-Name-7702/);
    assert.match(shown, /opaque\.material\s+••••••/);
    const before = validations();
    assert.doesNotMatch(await configOf(name), /Opaque-Val-4411/);
    assert.equal(validations(), before, "the second look used the cached definitions");
  });

  test("a PASSWORD value repeated alone in the task's trace is hidden in status, config and the alert", async () => {
    const secret = "Opaque-Alone-5521";
    // A path that cannot be created: the real worker's task fails with the path, and so the value, in its trace.
    const name = await create({
      "header.converter": "org.apache.kafka.connect.storage.SimpleHeaderConverter",
      "opaque.material": secret,
      file: `/nonexistent-connect-ops/login failed for key ${secret}/out.txt`,
    });
    proxy.answerNextWith({ method: "PUT", path: validatePath }, 1, 200, {
      name: fileSink,
      error_count: 0,
      groups: ["Common"],
      configs: [
        { definition: { name: "opaque.material", type: "PASSWORD" }, value: { name: "opaque.material" } },
      ],
    });
    const trace = await eventually("the task's trace", async () => {
      const status = await bot.connect().status(name);
      return status?.tasks[0]?.state === "FAILED" ? status.tasks[0].trace : undefined;
    });
    assert.ok(trace?.includes(secret), "the worker's own trace holds the value");

    const status = renderText(
      await bot.app.dispatcher.dispatch({
        actor: viewer,
        text: `status ${name}`,
        requestId: uniqueName("r"),
      }),
    );
    assert.match(status, /Trace of task 0/);
    assert.match(status, /login failed for key ••••••/);
    assert.doesNotMatch(status, new RegExp(secret));
    const config = await configOf(name);
    assert.match(config, /opaque\.material\s+••••••/);
    assert.match(config, /login failed for key ••••••\/out\.txt/, "hidden where the file setting repeats it");
    assert.doesNotMatch(config, new RegExp(secret));

    await bot.app.alerts.poll();
    const alert = (await bot.app.alerts.firing("default")).find(
      (a) => a.connector === name && a.rule === "task-failed",
    );
    assert.ok(alert !== undefined, "the task-failed alert fires");
    assert.match(alert.details.join("\n"), /login failed for key ••••••/);
    assert.doesNotMatch(JSON.stringify(alert), new RegExp(secret));
  });

  test("validation unavailable: names and free-text patterns still hide, and the note says so", async () => {
    const name = await create({ "key.converter": "org.apache.kafka.connect.storage.StringConverter" });
    proxy.answerNextMatching({ method: "PUT", path: validatePath }, 1, 500, "boom");
    const shown = await configOf(name);
    assert.match(shown, /connection\.password\s+••••••/);
    assert.match(shown, /Connect could not say which settings are secret/);
  });
});
