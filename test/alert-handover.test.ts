// needs: redis
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { AlertNotifier } from "../src/alerts/alert-notifier.js";
import { type Alert, MessageAddress } from "../src/alerts/alert-store.js";
import { defaultThresholds } from "../src/alerts/alert-thresholds.js";
import { Alerts } from "../src/alerts/alerts.js";
import type { ClusterHandle } from "../src/core/cluster-handle.js";
import type { ConnectorOverview, ConnectorState } from "../src/core/ports.js";
import { testRedis } from "./support/redis-prefix.js";

const minute = 60_000;
const start = Date.UTC(2026, 10, 29, 9, 0);
const shared = testRedis("alert-handover");

/** The channel's posts (our own notifier port, faked): each new alert message, with the scenario's minute. */
class Channel implements AlertNotifier {
  readonly posts: { readonly minute: number; readonly rules: readonly string[] }[] = [];
  constructor(private readonly clock: () => number) {}

  async post(_channel: string, alerts: readonly Alert[]): Promise<MessageAddress> {
    this.posts.push({ minute: (this.clock() - start) / minute, rules: alerts.map((alert) => alert.rule) });
    return MessageAddress.parse(`C0ALERTS:${this.posts.length}`);
  }

  async update(): Promise<void> {}

  async tell(): Promise<void> {}
}

/**
 * Two replicas of the bot on one Redis, polling one cluster whose single source connector has the state the
 * scenario gives it each minute (Connect faked through our own ClusterHandle port; Redis is real). Windows are
 * the defaults but `paused`, 10 minutes; one poll a minute.
 */
function twoReplicas(prefix: string, stateAt: (minute: number) => ConnectorState) {
  let now = start;
  // Only what a poll of one source connector calls.
  const connect: Partial<ClusterHandle["connect"]> = {
    listConnectors: async (): Promise<ConnectorOverview[]> => [
      {
        name: "orders-source",
        type: "source",
        config: {},
        state: stateAt((now - start) / minute),
        workerId: "worker-1:8083",
        tasks: [],
      },
    ],
    // Every worker answers: none is gone.
    workersAnswering: async (workers: readonly string[]) =>
      new Map<string, boolean>(workers.map((w) => [w, true])),
  };
  const cluster: ClusterHandle = {
    name: "prod",
    isDefault: true,
    connect: connect as ClusterHandle["connect"],
    // A source connector has no lag to read.
    lag: {} as ClusterHandle["lag"],
  };
  const channel = new Channel(() => now);
  const { redis } = shared;
  const replica = () =>
    new Alerts({
      connection: redis,
      redis,
      keyPrefix: prefix,
      clusters: [cluster],
      config: {
        channel: "C0ALERTS",
        pollIntervalMs: minute,
        repeatIntervalMs: 60 * minute,
        summariseAbove: 5,
        flapWindowMs: 30 * minute,
        thresholds: { ...defaultThresholds, pausedMs: 10 * minute },
        overrides: [],
        routes: [],
        receivers: [],
      },
      notifier: channel,
      explainedHalts: async () => new Map(),
      now: () => now,
    });
  const replicas = { a: replica(), b: replica() };
  return {
    channel,
    /** Polls on the replica that holds the poll in each minute from `from` to `to`. */
    async pollMinutes(from: number, to: number, by: keyof typeof replicas): Promise<void> {
      for (let m = from; m <= to; m++) {
        now = start + m * minute;
        await replicas[by].poll();
      }
    },
    async close(): Promise<void> {
      await replicas.a.close();
      await replicas.b.close();
    },
  };
}

describe("alert polls handed between replicas evaluate on the whole history in Redis", () => {
  after(shared.cleanup);

  it("paused since minute 0, polled by replica A to minute 5 and by B from then on: B posts the alert at minute 10", async () => {
    const bot = twoReplicas(`${shared.prefix}takeover:`, () => "PAUSED");
    try {
      await bot.pollMinutes(0, 5, "a");
      await bot.pollMinutes(6, 14, "b");
      assert.deepEqual(bot.channel.posts, [{ minute: 10, rules: ["unexpected-pause"] }]);
    } finally {
      await bot.close();
    }
  });

  it("running while B held the poll (minutes 4–6), paused before and after: A, polling again, posts at minute 17, not 10", async () => {
    const bot = twoReplicas(`${shared.prefix}back:`, (m) => (m >= 4 && m <= 6 ? "RUNNING" : "PAUSED"));
    try {
      await bot.pollMinutes(0, 3, "a");
      await bot.pollMinutes(4, 6, "b");
      await bot.pollMinutes(7, 20, "a");
      assert.deepEqual(bot.channel.posts, [{ minute: 17, rules: ["unexpected-pause"] }]);
    } finally {
      await bot.close();
    }
  });

  for (const { lost, pattern } of [
    { lost: "every history and its writer's id (a flush)", pattern: "alerts:history*" },
    { lost: "the connector's history alone (evicted)", pattern: "alerts:history:*" },
  ]) {
    it(`Redis loses ${lost} after minute 5: the pause is counted again from minute 6, and posted at minute 16`, async () => {
      const prefix = `${shared.prefix}lost-${pattern.length}:`;
      const bot = twoReplicas(prefix, () => "PAUSED");
      try {
        await bot.pollMinutes(0, 5, "a");
        const keys = await shared.redis.keys(`${prefix}${pattern}`);
        assert.ok(keys.length > 0, "stored before");
        await shared.redis.del(...keys);
        await bot.pollMinutes(6, 20, "a");
        assert.deepEqual(bot.channel.posts, [{ minute: 16, rules: ["unexpected-pause"] }]);
      } finally {
        await bot.close();
      }
    });
  }
});
