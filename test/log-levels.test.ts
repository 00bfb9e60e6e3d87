// needs: bed
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { renderText } from "../src/shell/render-text.js";
import { testRedis } from "./support/redis-prefix.js";
import { eventually, testBed } from "./support/test-bed-env.js";

/** A real logger of the test bed's worker that only FileStreamSink tasks write to: a few seconds of DEBUG is harmless. */
const logger = "org.apache.kafka.connect.file.FileStreamSinkTask";
const operator = { id: "U0LOGS", name: "lou", source: "shell" };

describe("log levels that put themselves back", () => {
  const { prefix, cleanup } = testRedis("log-levels");
  const apps: App[] = [];
  const start = async (): Promise<App> => {
    const config = loadConfig({
      LOG_LEVEL: "silent",
      CONNECT_URL: testBed().connectUrl,
      KAFKA_BROKERS: testBed().bootstrapServers,
    });
    const app = createApp({ config, keyPrefix: `${prefix}bot:` });
    apps.push(app);
    app.automation.start();
    return app;
  };
  const level = async (app: App) => (await app.clusters[0]?.connect.logger(logger))?.level;
  after(async () => {
    for (const each of apps) await each.close().catch(() => undefined);
    await cleanup();
  });

  test("DEBUG needs --for; set for 4 s, the bot is stopped, the next process puts the level back once, on time", async () => {
    const first = await start();
    const before = await level(first);
    const refused = await first.dispatcher.dispatch({
      actor: operator,
      text: `loggers set ${logger} DEBUG --reason "commits look slow"`,
      requestId: "log-refused",
    });
    assert.equal(refused.outcome, "refused");
    assert.match(renderText(refused), /DEBUG and TRACE fill disks: say how long with --for/);
    const set = await first.dispatcher.dispatch({
      actor: operator,
      text: `loggers set ${logger} DEBUG --for 4s --reason "commits look slow"`,
      requestId: "log-set",
    });
    const setAt = Date.now();
    assert.equal(set.outcome, "succeeded", renderText(set));
    assert.match(renderText(set), new RegExp(`goes back to ${before}`));
    assert.match(
      renderText(set),
      /Worker scope: only the worker the bot reaches; a restart of that worker loses it/,
    );
    assert.equal(await level(first), "DEBUG");
    await first.close({ drainMs: 0 });
    const next = await start();
    await eventually("the level back", async () => ((await level(next)) === before ? true : undefined), {
      timeoutMs: 20_000,
    });
    const backAfter = Date.now() - setAt;
    assert.ok(backAfter >= 3_800 && backAfter < 12_000, `back after ${backAfter} ms`);
    await sleep(2_000);
    const reverts = (await next.audit.query({ limit: 20 })).filter(
      (entry) => entry.command === "loggers revert",
    );
    assert.equal(reverts.length, 1);
    assert.match(reverts[0]?.args ?? "", new RegExp(`${logger} DEBUG → ${before}`));
  });

  test("loggers reset ends it early; a second reset has nothing to put back", async () => {
    const app = apps.at(-1) ?? (await start());
    const before = await level(app);
    await app.dispatcher.dispatch({
      actor: operator,
      text: `loggers set ${logger} TRACE --for 10m --reason "snapshot stuck"`,
      requestId: "log-set-2",
    });
    assert.equal(await level(app), "TRACE");
    const reset = await app.dispatcher.dispatch({
      actor: operator,
      text: `loggers reset ${logger}`,
      requestId: "log-reset",
    });
    assert.equal(reset.outcome, "succeeded", renderText(reset));
    assert.equal(await level(app), before);
    const again = await app.dispatcher.dispatch({
      actor: operator,
      text: `loggers reset ${logger}`,
      requestId: "log-reset-2",
    });
    assert.equal(again.outcome, "refused");
  });
});
