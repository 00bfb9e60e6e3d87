/**
 * The lag poll at 100 → 1,000 → 5,000 sinks, and the two Kafka clients side by side on the same state: the bot's
 * own cycle (`SinkLagReader.lagOfSinks`, kafkajs) and the raw reads it is made of (committed offsets of N groups,
 * log start and end of N topics, offsets by time), once through kafkajs's admin client as the reader calls it
 * and once through `@platformatic/kafka` (src/kafka/platformatic-offset-reads.ts). Time, Kafka requests and CPU
 * of this process, per round; one untimed warm-up round each.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { type Admin, Kafka, logLevel } from "kafkajs";
import { PlatformaticOffsetReads } from "../src/kafka/platformatic-offset-reads.js";
import { SinkLagReader } from "../src/kafka/sink-lag-reader.js";
import { inLanes } from "./in-lanes.js";
import { createSinkFixture, type SinkFixture } from "./sink-fixture.js";

export interface Measured {
  readonly ms: number;
  readonly requests: number;
  readonly cpuMs: number;
  /** Messages of lag the reads found (the fixture's expected lag when right). */
  readonly lag: number;
}

export interface ScaleFigures {
  readonly sinks: number;
  readonly partitions: number;
  readonly expectedLag: number;
  readonly setupMs: number;
  readonly cycle: readonly Measured[];
  readonly kafkajs: readonly Measured[];
  readonly platformatic: readonly Measured[];
  /** One OffsetFetch per coordinator, ListOffsets latest + earliest per leader: one broker here. */
  readonly cycleBound: number;
  /** The raw reads add ListOffsets by timestamp. */
  readonly rawBound: number;
}

/** Counts requests sent; `take` returns the count so far and starts again from zero. */
function requestCounter() {
  let count = 0;
  return {
    add: () => {
      count++;
    },
    take: () => {
      const taken = count;
      count = 0;
      return taken;
    },
  };
}

/** API keys of the Kafka protocol, for @platformatic/kafka's diagnostics channel (it reports numbers). */
const platformaticApiChannel = "tracing:plt:kafka:connections:api:start";

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
        cycle: await botCycle(bootstrapServers, fixture, options.rounds),
        kafkajs: await kafkajsReads(bootstrapServers, fixture, options.rounds),
        platformatic: await platformaticReads(bootstrapServers, fixture, options.rounds),
        cycleBound: 3,
        rawBound: 4,
      });
    } finally {
      await fixture.remove();
    }
  }
  return figures;
}

async function rounds(count: number, take: () => number, once: () => Promise<number>): Promise<Measured[]> {
  const measured: Measured[] = [];
  for (let i = 0; i <= count; i++) {
    take();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const lag = await once();
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    // Round 0 warms connections and metadata up and is not kept.
    if (i > 0) measured.push({ ms, requests: take(), cpuMs: (used.user + used.system) / 1000, lag });
  }
  return measured;
}

async function botCycle(bootstrapServers: string, fixture: SinkFixture, count: number): Promise<Measured[]> {
  const counter = requestCounter();
  const reader = new SinkLagReader({ brokers: [bootstrapServers], onRequest: counter.add });
  try {
    return await rounds(count, counter.take, async () => {
      const result = await reader.lagOfSinks(fixture.sinks);
      return [...result.values()].reduce((sum, value) => sum + (value instanceof Error ? 0 : value.total), 0);
    });
  } finally {
    await reader.close();
  }
}

/** The raw reads as kafkajs's admin client offers them: one group, one topic per call; 16 calls at once. */
async function kafkajsReads(
  bootstrapServers: string,
  fixture: SinkFixture,
  count: number,
): Promise<Measured[]> {
  const counter = requestCounter();
  const admin: Admin = new Kafka({
    clientId: "connect-ops-bench",
    brokers: [bootstrapServers],
    logLevel: logLevel.NOTHING,
  }).admin();
  admin.on(admin.events.REQUEST, counter.add);
  await admin.connect();
  try {
    return await rounds(count, counter.take, async () => {
      const committed = new Map<string, number>();
      await inLanes(fixture.groups, 16, async (groupId) => {
        for (const topic of await admin.fetchOffsets({ groupId })) {
          for (const p of topic.partitions) committed.set(`${topic.topic}:${p.partition}`, Number(p.offset));
        }
      });
      let lag = 0;
      await inLanes(fixture.topics, 16, async (topic) => {
        for (const p of await admin.fetchTopicOffsets(topic)) {
          lag += Number(p.high) - (committed.get(`${topic}:${p.partition}`) ?? Number(p.low));
        }
        await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() - 3_600_000);
      });
      return lag;
    });
  } finally {
    await admin.disconnect();
  }
}

/** The same reads through @platformatic/kafka: every group and topic in one call each. */
async function platformaticReads(
  bootstrapServers: string,
  fixture: SinkFixture,
  count: number,
): Promise<Measured[]> {
  const counter = requestCounter();
  subscribe(platformaticApiChannel, counter.add);
  const reads = new PlatformaticOffsetReads({ brokers: [bootstrapServers], clientId: "connect-ops-bench" });
  try {
    return await rounds(count, counter.take, async () => {
      const committed = await reads.committedOffsets(fixture.groups);
      const logs = await reads.logOffsets(fixture.topics);
      const partitions = new Map(
        fixture.topics.map((topic) => [
          topic,
          Array.from({ length: fixture.partitionsPerTopic }, (_, i) => i),
        ]),
      );
      await reads.offsetsAtTime(partitions, Date.now() - 3_600_000);
      let lag = 0;
      for (const [i, topic] of fixture.topics.entries()) {
        const log = logs.get(topic);
        const group = committed.get(fixture.groups[i] ?? "");
        if (log === undefined || log instanceof Error || group instanceof Error) continue;
        for (const [partition, { logStart, logEnd }] of log) {
          lag += logEnd - (group?.get(topic)?.get(partition) ?? logStart);
        }
      }
      return lag;
    });
  } finally {
    await reads.close();
    unsubscribe(platformaticApiChannel, counter.add);
  }
}
