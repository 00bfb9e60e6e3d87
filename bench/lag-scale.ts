/**
 * The lag poll at 100 → 1,000 → 5,000 sinks through the bot's own path (`SinkLagReader.lagOfSinks`, as the alert
 * poll and `lag` call it), once per Kafka client on the same state: `@platformatic/kafka` and kafkajs, each a
 * long-lived reader as in the app. Rounds alternate between the two clients so that a noisy machine slows both
 * alike. Time, Kafka requests (by API) and CPU of this process, per round; one untimed warm-up round each.
 */
import type { KafkaClientName } from "../src/kafka/kafka-offsets.js";
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
  /** The bot's cycle, per client, over the timed rounds. */
  readonly cycles: Readonly<Record<KafkaClientName, readonly Measured[]>>;
  /** One OffsetFetch per coordinator, ListOffsets latest + earliest per leader: one broker here. */
  readonly cycleBound: number;
}

/** The clients measured, in the order each round runs them. */
export const benchedClients: readonly KafkaClientName[] = ["platformatic", "kafkajs"];

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

/** `rounds` timed cycles per client after one warm-up each, the clients taking turns within a round. */
async function botCycles(
  bootstrapServers: string,
  fixture: SinkFixture,
  rounds: number,
): Promise<Record<KafkaClientName, Measured[]>> {
  const readers = benchedClients.map((client) => {
    const byApi = new Map<string, number>();
    const reader = new SinkLagReader({
      brokers: [bootstrapServers],
      client,
      clientId: `connect-ops-bench-${client}`,
      onRequest: (name) => {
        // kafkajs still calls FindCoordinator by its pre-0.11 name.
        const api = name === "GroupCoordinator" ? "FindCoordinator" : name;
        byApi.set(api, (byApi.get(api) ?? 0) + 1);
      },
    });
    return { client, reader, byApi, measured: [] as Measured[] };
  });
  try {
    for (let i = 0; i <= rounds; i++) {
      for (const one of readers) {
        one.byApi.clear();
        const cpu = process.cpuUsage();
        const started = performance.now();
        const result = await one.reader.lagOfSinks(fixture.sinks);
        const ms = performance.now() - started;
        const used = process.cpuUsage(cpu);
        const values = [...result.values()];
        // Round 0 warms connections and metadata up and is not kept.
        if (i > 0) {
          one.measured.push({
            ms,
            requests: [...one.byApi.values()].reduce((sum, count) => sum + count, 0),
            byApi: Object.fromEntries(one.byApi),
            cpuMs: (used.user + used.system) / 1000,
            lag: values.reduce((sum, value) => sum + (value instanceof Error ? 0 : value.total), 0),
            errors: values.filter((value) => value instanceof Error).length,
          });
        }
      }
    }
  } finally {
    for (const one of readers) await one.reader.close();
  }
  return Object.fromEntries(readers.map((one) => [one.client, one.measured])) as Record<
    KafkaClientName,
    Measured[]
  >;
}
