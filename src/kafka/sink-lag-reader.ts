import type { Admin } from "kafkajs";
import { createKafka, type KafkaConnection } from "./kafka-connection.js";
import { asKafkaConnectionError } from "./kafka-connection-error.js";

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** The group's committed offset, or null when the group has never committed on this partition. */
  readonly committed: number | null;
  readonly logStart: number;
  readonly logEnd: number;
  /** Messages the sink has still to read; with no commit, a Connect sink starts at the log start (earliest). */
  readonly lag: number;
}

export interface SinkLag {
  readonly groupId: string;
  readonly partitions: readonly PartitionLag[];
  readonly total: number;
}

/**
 * The consumer group a sink connector commits to: `connect-<name>`, unless its config overrides the group id,
 * exactly as the Connect worker derives it.
 */
export function sinkGroupId(connectorName: string, config: Readonly<Record<string, string>>): string {
  return config["consumer.override.group.id"] ?? `connect-${connectorName}`;
}

/** The topics a sink reads: its `topics` list, or every topic that matches `topics.regex`. */
export function sinkTopics(config: Readonly<Record<string, string>>, allTopics: readonly string[]): string[] {
  const listed = config.topics;
  if (listed !== undefined && listed.trim() !== "") {
    return listed
      .split(",")
      .map((topic) => topic.trim())
      .filter((topic) => topic !== "");
  }
  const regex = config["topics.regex"];
  if (regex === undefined || regex === "") return [];
  const pattern = new RegExp(`^(?:${regex})$`);
  return allTopics.filter((topic) => pattern.test(topic));
}

/** The brokers and their security settings, and how this reader's client behaves. */
export interface SinkLagReaderOptions extends KafkaConnection {
  readonly clientId?: string;
  readonly requestTimeoutMs?: number;
  /** How many groups or topics are read at once. */
  readonly concurrency?: number;
  /** Called for every request sent to Kafka, with its API name (benchmarks count them). */
  readonly onRequest?: (apiName: string) => void;
}

/** How far back the search for a message's timestamp goes. */
const timestampHorizonMs = 7 * 86_400_000;

/**
 * Reads sink-connector lag straight from Kafka: the group's committed offsets and the partitions' log-start and
 * log-end offsets. Reading Kafka rather than Connect's `GET /offsets` keeps lag polling off the Connect worker's
 * REST threads, still works while the worker is unreachable, and gives log-start offsets (retention) that Connect
 * does not report.
 */
export class SinkLagReader {
  readonly #admin: Admin;
  readonly #connection: KafkaConnection;
  readonly #concurrency: number;
  readonly #timestamps = new Map<string, number>();
  #connected: Promise<void> | undefined;

  constructor(options: SinkLagReaderOptions) {
    this.#connection = {
      brokers: options.brokers,
      ...(options.security ? { security: options.security } : {}),
    };
    this.#admin = createKafka(this.#connection, {
      clientId: options.clientId ?? "connect-ops",
      ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    }).admin();
    this.#concurrency = options.concurrency ?? 16;
    const onRequest = options.onRequest;
    if (onRequest !== undefined)
      this.#admin.on(this.#admin.events.REQUEST, (event) => onRequest(event.payload.apiName));
  }

  async lag(connectorName: string, config: Readonly<Record<string, string>>): Promise<SinkLag> {
    const result = (await this.lagOfSinks([{ name: connectorName, config }])).get(connectorName);
    if (result === undefined) throw new Error(`No lag was read for ${connectorName}`);
    if (result instanceof Error) throw result;
    return result;
  }

  /**
   * Lag of many sinks in one pass: every group's committed offsets first, then each topic's log start and end
   * once, however many sinks read it. A sink whose group or topics cannot be read gets the error instead, so
   * one broken sink does not hide the others.
   */
  async lagOfSinks(
    sinks: readonly { readonly name: string; readonly config: Readonly<Record<string, string>> }[],
  ): Promise<Map<string, SinkLag | Error>> {
    await this.#connect();
    const needsTopicList = sinks.some(
      (sink) => sink.config.topics === undefined || sink.config.topics.trim() === "",
    );
    const allTopics = needsTopicList ? await this.#admin.listTopics() : [];
    const reads = sinks.map((sink) => ({
      name: sink.name,
      groupId: sinkGroupId(sink.name, sink.config),
      topics: sinkTopics(sink.config, allTopics),
    }));

    // Committed offsets first, log ends second: read the other way round, a commit that lands in between
    // could make lag look negative.
    const committed = await inBatches(reads, this.#concurrency, async (read) =>
      read.topics.length === 0
        ? []
        : this.#admin.fetchOffsets({ groupId: read.groupId, topics: read.topics }),
    );
    const topics = [...new Set(reads.flatMap((read) => read.topics))];
    const fetched = await inBatches(topics, this.#concurrency, (topic) =>
      this.#admin.fetchTopicOffsets(topic),
    );
    const logOffsets = new Map(topics.map((topic, i) => [topic, fetched[i]]));

    const results = new Map<string, SinkLag | Error>();
    reads.forEach((read, i) => {
      const groupOffsets = committed[i];
      if (groupOffsets instanceof Error || groupOffsets === undefined) {
        results.set(read.name, groupOffsets ?? new Error(`No committed offsets read for ${read.groupId}`));
        return;
      }
      const committedByPartition = new Map<string, number>();
      for (const topic of groupOffsets) {
        for (const partition of topic.partitions) {
          const offset = Number(partition.offset);
          if (offset >= 0) committedByPartition.set(`${topic.topic}:${partition.partition}`, offset);
        }
      }
      const partitions: PartitionLag[] = [];
      for (const topic of read.topics) {
        const offsets = logOffsets.get(topic);
        if (offsets instanceof Error || offsets === undefined) {
          results.set(read.name, offsets ?? new Error(`No offsets read for topic ${topic}`));
          return;
        }
        for (const partition of offsets) {
          const logStart = Number(partition.low);
          const logEnd = Number(partition.high);
          const committedOffset = committedByPartition.get(`${topic}:${partition.partition}`) ?? null;
          partitions.push({
            topic,
            partition: partition.partition,
            committed: committedOffset,
            logStart,
            logEnd,
            lag: Math.max(0, logEnd - (committedOffset ?? logStart)),
          });
        }
      }
      partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      results.set(read.name, {
        groupId: read.groupId,
        partitions,
        total: partitions.reduce((sum, partition) => sum + partition.lag, 0),
      });
    });
    return results;
  }

  /**
   * The timestamp of the message at `offset`: the age of a sink's oldest unread message. Kafka answers "first
   * offset at or after time T" (ListOffsets by timestamp), so this searches T to the second, over the last
   * `horizonMs` (older is reported as the horizon's start). Answers are remembered: a stuck sink costs nothing.
   */
  async timestampAt(topic: string, partition: number, offset: number, now = Date.now()): Promise<number> {
    const key = `${topic}:${partition}:${offset}`;
    const known = this.#timestamps.get(key);
    if (known !== undefined) return known;
    await this.#connect();
    const firstOffsetAt = async (time: number) => {
      const found = await this.#admin.fetchTopicOffsetsByTimestamp(topic, time);
      const entry = found.find((candidate) => candidate.partition === partition);
      const value = Number(entry?.offset ?? -1);
      return value < 0 ? Number.POSITIVE_INFINITY : value;
    };
    // Invariant: the message at `offset` was written at or after `low` and before `high`.
    let low = now - timestampHorizonMs;
    let high = now;
    if ((await firstOffsetAt(low)) > offset) return low;
    while (high - low > 1_000) {
      const middle = Math.floor((low + high) / 2);
      if ((await firstOffsetAt(middle)) <= offset) low = middle;
      else high = middle;
    }
    if (this.#timestamps.size >= 10_000) this.#timestamps.clear();
    this.#timestamps.set(key, low);
    return low;
  }

  /** Per partition, the first offset whose message is at or after `timestamp` (the log end if there is none). */
  async offsetsAt(topic: string, timestamp: Date): Promise<Map<number, number>> {
    await this.#connect();
    const found = await this.#admin.fetchTopicOffsetsByTimestamp(topic, timestamp.getTime());
    return new Map(found.map((entry) => [entry.partition, Number(entry.offset)]));
  }

  /** Whether a broker answers: one Metadata request for the cluster (readiness), or the error. */
  async ping(): Promise<void> {
    await this.#connect();
    await this.#admin.describeCluster();
  }

  async close(): Promise<void> {
    if (this.#connected !== undefined) await this.#admin.disconnect();
    this.#connected = undefined;
  }

  #connect(): Promise<void> {
    this.#connected ??= this.#admin.connect().catch((error: unknown) => {
      this.#connected = undefined;
      // Credentials, certificates and reachability are checked when the session opens: say which failed.
      throw asKafkaConnectionError(error, this.#connection);
    });
    return this.#connected;
  }
}

/** Runs `read` over `items`, at most `concurrency` at a time; each result is the value or the error it threw. */
async function inBatches<T, R>(
  items: readonly T[],
  concurrency: number,
  read: (item: T) => Promise<R>,
): Promise<(R | Error)[]> {
  const results: (R | Error)[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) {
      const item = items[i] as T;
      results[i] = await read(item).catch((error: unknown) =>
        error instanceof Error ? error : new Error(String(error)),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}
