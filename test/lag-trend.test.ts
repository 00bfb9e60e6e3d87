// needs: pure
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lagTrend } from "../src/alerts/lag-trend.js";
import type { ConnectorSample } from "../src/core/ports.js";

const sample = (second: number, lag: number | undefined): ConnectorSample => ({
  at: second * 1000,
  state: "RUNNING",
  type: "sink",
  tasks: [{ id: 0, state: "RUNNING" }],
  ...(lag === undefined
    ? {}
    : {
        partitions: [
          { topic: "orders", partition: 0, committed: 1_000_000 - lag, logStart: 0, logEnd: 1_000_000 },
        ],
      }),
  underApprovedOperation: false,
});

describe("lag trend", () => {
  it("while catching up: the rate and when lag reaches zero", () => {
    const trend = lagTrend([sample(0, 12_000), sample(30, 9_000), sample(60, 6_000)]);
    assert.equal(trend?.catchUpPerSecond, 100);
    assert.equal(trend?.etaMs, 60_000);
    assert.equal(trend?.overMs, 60_000);
  });

  it("while falling behind: a negative rate and no ETA", () => {
    const trend = lagTrend([sample(0, 1_000), sample(120, 13_000)]);
    assert.equal(trend?.catchUpPerSecond, -100);
    assert.equal(trend?.etaMs, undefined);
  });

  it("needs a minute of samples with lag, and looks back 15 minutes at most", () => {
    assert.equal(lagTrend([sample(0, 5_000), sample(30, 4_000)]), undefined);
    assert.equal(lagTrend([sample(0, 5_000), sample(30, undefined), sample(50, 4_000)]), undefined);
    const trend = lagTrend([sample(0, 1), sample(1_000, 50_000), sample(1_600, 20_000)]);
    assert.equal(trend?.overMs, 600_000, "the sample from 1,600 s ago is older than 15 min");
    assert.equal(trend?.catchUpPerSecond, 50);
  });
});
