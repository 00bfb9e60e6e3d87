/**
 * The lag poll at 1,000 → 5,000 → 10,000 sinks through the bot's own path (`SinkLagReader.lagOfSinks`, as the alert
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

/** One size of the bench: `sinks` sinks, `sinksPerTopic` of them reading each topic. */
export interface ScaleSize {
  readonly sinks: number;
  readonly sinksPerTopic: number;
}

/**
 * Partitions the bench's topics may have in all: the broker keeps several files open per partition and its
 * open-file limit of 20,000 cannot be raised on this machine, so above this sinks share topics.
 */
const maxPartitions = 10_000;

/**
 * Reads BENCH_LAG_SIZES: comma-separated sink counts, each optionally `:k` for k sinks per topic ("20,40:2").
 * Without `:k`, sinks share topics only as far as {@link maxPartitions} needs.
 * @throws Error naming the entry that is not a size
 */
export function parseScaleSizes(text: string, partitionsPerTopic: number): ScaleSize[] {
  return text.split(",").map((entry) => {
    const match = /^\s*(\d+)\s*(?::\s*(\d+)\s*)?$/.exec(entry);
    const sinks = Number(match?.[1]);
    const sinksPerTopic =
      match?.[2] === undefined ? Math.ceil((sinks * partitionsPerTopic) / maxPartitions) : Number(match[2]);
    if (match === null || sinks < 1 || sinksPerTopic < 1)
      throw new Error(
        `BENCH_LAG_SIZES entry "${entry}" is not a size: write sinks, or sinks:sinks-per-topic, e.g. 10000:2`,
      );
    return { sinks, sinksPerTopic };
  });
}

export interface ScaleFigures {
  readonly sinks: number;
  readonly topics: number;
  readonly sinksPerTopic: number;
  /** Distinct partitions: what ListOffsets has to name, however many sinks read each. */
  readonly partitions: number;
  readonly expectedLag: number;
  readonly setupMs: number;
  readonly commitMs: number;
  /** The bot's cycle over the timed rounds. */
  readonly cycles: readonly Measured[];
  /**
   * Kafka requests a cycle cannot go below: one OffsetFetch (v8 carries every group) per coordinator, ListOffsets
   * latest + earliest per leader over the distinct partitions; 3 on the one broker here, however topics are shared.
   */
  readonly cycleBound: number;
}

export async function measureLagScale(
  bootstrapServers: string,
  options: {
    readonly sizes: readonly ScaleSize[];
    readonly rounds: number;
    readonly partitionsPerTopic: number;
  },
): Promise<ScaleFigures[]> {
  const figures: ScaleFigures[] = [];
  for (const { sinks, sinksPerTopic } of options.sizes) {
    const fixture = await createSinkFixture(bootstrapServers, {
      sinks,
      sinksPerTopic,
      partitionsPerTopic: options.partitionsPerTopic,
      messagesPerPartition: 4,
    });
    try {
      figures.push({
        sinks,
        topics: fixture.topics.length,
        sinksPerTopic,
        partitions: fixture.topics.length * options.partitionsPerTopic,
        expectedLag: fixture.expectedLag,
        setupMs: fixture.setupMs,
        commitMs: fixture.commitMs,
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
