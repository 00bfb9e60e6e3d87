// needs: redis
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { type AlertRule, alertRules, evaluateConnector, historySamples } from "../src/alerts/alert-rules.js";
import { AlertStore } from "../src/alerts/alert-store.js";
import { defaultThresholds, type WindowThreshold } from "../src/alerts/alert-thresholds.js";
import { alertRuleTable } from "../src/alerts/rules/registry.js";
import type { ConnectorSample } from "../src/core/ports.js";
import { testRedis } from "./support/redis-prefix.js";

const minute = 60_000;
const start = Date.UTC(2025, 0, 6, 9, 0);

/** A sink at minute `m` of a scenario, its one partition lagging by `lag` with `committed` read. */
function sink(m: number, lag: number, committed: number, state: ConnectorSample["state"] = "RUNNING") {
  return {
    at: start + m * minute,
    state,
    type: "sink" as const,
    tasks: [{ id: 0, state }],
    partitions: [{ topic: "orders", partition: 0, committed, logStart: 0, logEnd: committed + lag }],
    underApprovedOperation: false,
  };
}

/**
 * For each rule with a window, samples that hold its condition from minute 0 on. A rule added to the table with
 * a window and no scenario here fails the test below, so every window is shown to be covered.
 */
const scenarios: Partial<Record<AlertRule, (m: number) => ConnectorSample>> = {
  "unexpected-pause": (m) => sink(m, 0, 1_000, "PAUSED"),
  "lag-high": (m) => sink(m, 20_000, 1_000 + m * 100),
  stalled: (m) => sink(m, 100, 1_000),
  "falling-behind": (m) => sink(m, 100 + m * 10, 1_000 + m * 100),
  unassigned: (m) => ({
    ...sink(m, 0, 1_000),
    tasks: [{ id: 0, state: "UNASSIGNED", workerId: "127.0.0.1:8083" }],
  }),
};

const windowed = alertRules.flatMap((rule) => {
  const window: WindowThreshold | null = alertRuleTable[rule].window;
  return window === null ? [] : [{ rule, window }];
});

describe("alert history: the samples kept per connector cover every rule's window", () => {
  const { redis, prefix, cleanup } = testRedis("alert-history");
  after(cleanup);

  for (const { rule, window } of windowed) {
    it(`${rule} with a 2 h window (every other window 1 min) fires once its condition has held 2 h`, async () => {
      const scenario = scenarios[rule];
      assert.ok(scenario, `a scenario for ${rule} in this test`);
      const thresholds = {
        ...defaultThresholds,
        sustainMs: minute,
        stalledMs: minute,
        fallingBehindMs: minute,
        pausedMs: minute,
        unassignedMs: minute,
        [window]: 120 * minute,
      };
      const config = { thresholds, overrides: [], pollIntervalMs: minute };
      // Stored as a poll stores them: in Redis, the newest `historySamples` kept.
      const store = new AlertStore(redis, `${prefix}${rule}:`);
      let firedAt: number | undefined;
      for (let m = 0; m <= 125 && firedAt === undefined; m++) {
        const histories = await store.recordSamples(
          "prod",
          new Map([["pg-sink", scenario(m)]]),
          historySamples(config),
        );
        const findings = evaluateConnector("pg-sink", histories.get("pg-sink") ?? [], thresholds, new Set());
        if (findings.some((finding) => finding.rule === rule)) firedAt = m;
      }
      assert.equal(firedAt, 120, `${rule} fires after 120 minutes of samples`);
    });
  }
});
