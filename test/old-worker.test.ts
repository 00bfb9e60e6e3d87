// needs: bed
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { renderText } from "../src/shell/render-text.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { testRedis } from "./support/redis-prefix.js";
import { testBed } from "./support/test-bed-env.js";
import { startTestBot, type TestBot } from "./support/test-bot.js";

const operator = { id: "U0OPER", name: "otto", source: "slack" } as const;

/**
 * No Connect older than 3.6 runs here, so the fault proxy in front of the real worker answers `GET /` as a 3.5
 * worker does ({"version":"3.5.2",…}); every other request reaches the real worker.
 */
describe("a Connect worker older than 3.6", () => {
  const { prefix, cleanup } = testRedis("old-worker");
  let proxy: FaultProxy;
  let bot: TestBot;
  const run = (text: string) => bot.run(operator, text);
  const answerAsVersion = (version: string, times = 1) =>
    proxy.answerNextWith({ method: "GET", path: /^\/$/ }, times, 200, {
      version,
      commit: "5e3c2b738d253ff5",
      kafka_cluster_id: "old-cluster",
    });

  before(async () => {
    proxy = await FaultProxy.start(testBed().connectUrl);
    bot = await startTestBot({
      connectUrl: proxy.url,
      env: { ROLE_OPERATORS: operator.id },
      keyPrefix: prefix,
      worker: false,
    });
  });
  after(async () => {
    await bot.close();
    await proxy.close();
    await cleanup();
  });

  test("`clusters` says the worker needs Kafka Connect 3.6 or newer", async () => {
    answerAsVersion("3.5.2");
    const text = renderText(await run("clusters"));
    assert.match(text, /3\.5\.2/);
    assert.match(text, /answers, but needs Kafka Connect 3\.6 or newer/);
  });

  for (const command of [
    "offsets get orders-sink",
    'offsets reset orders-sink --to-earliest --reason "replay"',
    'offsets set orders-sink orders:0=5 --reason "skip"',
  ]) {
    test(`\`${command.split(" ").slice(0, 2).join(" ")}\` refuses with "needs Kafka Connect 3.6 or newer", not "not found"`, async () => {
      answerAsVersion("7.5.3-ccs"); // Confluent Platform 7.5 ships Kafka 3.5
      const reply = await run(command);
      assert.equal(reply.outcome, "failed");
      assert.match(reply.summary, /runs Kafka Connect 7\.5\.3-ccs; this needs Kafka Connect 3\.6 or newer/);
      assert.doesNotMatch(reply.summary, /not found/i);
    });
  }

  test("a 3.6 worker is not refused", async () => {
    answerAsVersion("3.6.0", 2);
    const text = renderText(await run("clusters"));
    assert.doesNotMatch(text, /needs Kafka Connect/);
  });
});
