/**
 * The lag poll at 100 → 1,000 → 5,000 sinks through the bot's own path (`SinkLagReader.lagOfSinks`, as the alert
 * poll and `lag` call it), on a long-lived reader as in the app. Time, Kafka requests (by API) and CPU of this
 * process, per round; one untimed warm-up round.
 */
import { SinkLagReader } from "../src/kafka/sink-lag-reader.js";
import { createSinkFixture, type SinkFixture } from "./sink-fixture.js";

export interface Measured {
  readonly ms: number;
  readonly requests: number;
  /** Requests by Kafka API name (FindCoordinator, OffsetFetch, ListOffsets, Metadata, Fetch…). */
  readonly byApi: Readonly<Record<string, number>>;
  readonly cpuMs: number;
  /** Messages of lag the cycle found (the fixture's expected lag when right). */
  readonly lag: number;
  /** Sinks whose lag could not be read. */
  readonly errors: number;
}

export interface ScaleFigures {
  readonly sinks: number;
  readonly partitions: number;
  readonly expectedLag: number;
  readonly setupMs: number;
  /** The bot's cycle over the timed rounds. */
  readonly cycles: readonly Measured[];
  /** One OffsetFetch per coordinator, ListOffsets latest + earliest per leader: one broker here. */
  readonly cycleBound: number;
}

export async function measureLagScale(
  bootstrapServers: string,
  options: {
    readonly sizes: readonly number[];
    readonly rounds: number;
    readonly partitionsPerTopic: number;
  },
): Promise<ScaleFigures[]> {
  const figures: ScaleFigures[] = [];
  for (const sinks of options.sizes) {
    const fixture = await createSinkFixture(bootstrapServers, {
      sinks,
      partitionsPerTopic: options.partitionsPerTopic,
      messagesPerPartition: 4,
    });
    try {
      figures.push({
        sinks,
        partitions: sinks * options.partitionsPerTopic,
        expectedLag: fixture.expectedLag,
        setupMs: fixture.setupMs,
        cycles: await botCycles(bootstrapServers, fixture, options.rounds),
        cycleBound: 3,
      });
    } finally {
      await fixture.remove();
    }
  }
  return figures;
}

/** `rounds` timed cycles after one warm-up, on one reader. */
async function botCycles(
  bootstrapServers: string,
  fixture: SinkFixture,
  rounds: number,
): Promise<Measured[]> {
  const byApi = new Map<string, number>();
  const reader = new SinkLagReader({
    brokers: [bootstrapServers],
    clientId: "connect-ops-bench",
    onRequest: (api) => byApi.set(api, (byApi.get(api) ?? 0) + 1),
  });
  const measured: Measured[] = [];
  try {
    for (let i = 0; i <= rounds; i++) {
      byApi.clear();
      const cpu = process.cpuUsage();
      const started = performance.now();
      const result = await reader.lagOfSinks(fixture.sinks);
      const ms = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const values = [...result.values()];
      // Round 0 warms connections and metadata up and is not kept.
      if (i > 0) {
        measured.push({
          ms,
          requests: [...byApi.values()].reduce((sum, count) => sum + count, 0),
          byApi: Object.fromEntries(byApi),
          cpuMs: (used.user + used.system) / 1000,
          lag: values.reduce((sum, value) => sum + (value instanceof Error ? 0 : value.total), 0),
          errors: values.filter((value) => value instanceof Error).length,
        });
      }
    }
  } finally {
    await reader.close();
  }
  return measured;
}
