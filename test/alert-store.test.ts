// needs: redis
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { AlertStore } from "../src/alerts/alert-store.js";
import { testRedis } from "./support/redis-prefix.js";

describe("alert store: alerts stored by the previous version", () => {
  const { redis, prefix, cleanup } = testRedis("alert-store");
  after(cleanup);

  it("a firing alert whose message is Slack's { channel, ts } is read with its message, and that message's alerts found", async () => {
    const store = new AlertStore(redis, prefix);
    const stored = {
      key: "prod/pg-sink/lag-high",
      cluster: "prod",
      connector: "pg-sink",
      rule: "lag-high",
      summary: "lag 20,000 messages",
      details: [],
      value: 20_000,
      firedAt: 1_764_000_000_000,
      announcedValue: 20_000,
      message: { channel: "C0ALERTS", ts: "1764000000.000100" },
    };
    // As the previous version wrote them: the alert in the cluster's hash, the message's alerts under its key.
    await redis.hset(`${prefix}alerts:firing:prod`, stored.key, JSON.stringify(stored));
    await redis.set(
      `${prefix}alerts:message:C0ALERTS:1764000000.000100`,
      JSON.stringify([stored, { ...stored, key: "prod/pg-sink/stalled", rule: "stalled" }]),
    );
    const alert = (await store.firing("prod")).get(stored.key);
    assert.ok(alert?.message !== undefined, "the alert still knows its message");
    const shown = await store.messageAlerts(alert.message);
    assert.deepEqual(
      shown.map((each) => each.rule),
      ["lag-high", "stalled"],
      "a redraw shows the message's other alert too",
    );
    assert.deepEqual(
      (await store.saveMessageAlerts(alert.message, [{ ...alert, resolvedAt: 1_764_000_600_000 }])).map(
        (each) => [each.rule, each.resolvedAt],
      ),
      [
        ["lag-high", 1_764_000_600_000],
        ["stalled", undefined],
      ],
    );
  });
});
