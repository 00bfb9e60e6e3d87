import { type Admin, Kafka, logLevel } from "kafkajs";

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

export interface SinkLagReaderOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  readonly requestTimeoutMs?: number;
}

/**
 * Reads sink-connector lag straight from Kafka: the group's committed offsets and the partitions' log-start and
 * log-end offsets. Reading Kafka rather than Connect's `GET /offsets` keeps lag polling off the Connect worker's
 * REST threads, still works while the worker is unreachable, and gives log-start offsets (retention) that Connect
 * does not report.
 */
export class SinkLagReader {
  readonly #admin: Admin;
  #connected: Promise<void> | undefined;

  constructor(options: SinkLagReaderOptions) {
    const kafka = new Kafka({
      clientId: options.clientId ?? "connect-ops",
      brokers: [...options.brokers],
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      connectionTimeout: 3_000,
      retry: { retries: 3 },
      logLevel: logLevel.NOTHING,
    });
    this.#admin = kafka.admin();
  }

  async lag(connectorName: string, config: Readonly<Record<string, string>>): Promise<SinkLag> {
    await this.#connect();
    const groupId = sinkGroupId(connectorName, config);
    const needsTopicList = config.topics === undefined || config.topics.trim() === "";
    const topics = sinkTopics(config, needsTopicList ? await this.#admin.listTopics() : []);
    if (topics.length === 0) return { groupId, partitions: [], total: 0 };

    // Committed offsets first, log ends second: read the other way round, a commit that lands in between
    // could make lag look negative.
    const committed = await this.#admin.fetchOffsets({ groupId, topics });
    const committedByPartition = new Map<string, number>();
    for (const topic of committed) {
      for (const partition of topic.partitions) {
        const offset = Number(partition.offset);
        if (offset >= 0) committedByPartition.set(`${topic.topic}:${partition.partition}`, offset);
      }
    }

    const partitions: PartitionLag[] = [];
    for (const topic of topics) {
      for (const offsets of await this.#admin.fetchTopicOffsets(topic)) {
        const logStart = Number(offsets.low);
        const logEnd = Number(offsets.high);
        const committedOffset = committedByPartition.get(`${topic}:${offsets.partition}`) ?? null;
        partitions.push({
          topic,
          partition: offsets.partition,
          committed: committedOffset,
          logStart,
          logEnd,
          lag: Math.max(0, logEnd - (committedOffset ?? logStart)),
        });
      }
    }
    partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    return { groupId, partitions, total: partitions.reduce((sum, partition) => sum + partition.lag, 0) };
  }

  /** Per partition, the first offset whose message is at or after `timestamp` (the log end if there is none). */
  async offsetsAt(topic: string, timestamp: Date): Promise<Map<number, number>> {
    await this.#connect();
    const found = await this.#admin.fetchTopicOffsetsByTimestamp(topic, timestamp.getTime());
    return new Map(found.map((entry) => [entry.partition, Number(entry.offset)]));
  }

  async close(): Promise<void> {
    if (this.#connected !== undefined) await this.#admin.disconnect();
    this.#connected = undefined;
  }

  #connect(): Promise<void> {
    this.#connected ??= this.#admin.connect().catch((error: unknown) => {
      this.#connected = undefined;
      throw error;
    });
    return this.#connected;
  }
}
