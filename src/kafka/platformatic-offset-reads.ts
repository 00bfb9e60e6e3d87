import { Admin, type ConnectionOptions } from "@platformatic/kafka";

/** Committed offsets of one group: topic → partition → offset (null: the group has none there). */
export type GroupOffsets = ReadonlyMap<string, ReadonlyMap<number, number | null>>;

/** Log-start and log-end offsets of one topic's partitions. */
export type TopicLogOffsets = ReadonlyMap<number, { readonly logStart: number; readonly logEnd: number }>;

/**
 * The raw Kafka reads the lag logic needs, with no lag logic in them: what a port for the Kafka client offers.
 * Each read takes every group or topic of a poll at once, so an implementation can batch by coordinator and by
 * leader; a group or topic that fails is an Error in the result and does not fail the others.
 */
export interface OffsetReads {
  committedOffsets(groups: readonly string[]): Promise<Map<string, GroupOffsets | Error>>;
  logOffsets(topics: readonly string[]): Promise<Map<string, TopicLogOffsets | Error>>;
  /** Per partition, the offset of the first message at or after `timestampMs` (the log end when none is). */
  offsetsAtTime(
    partitions: ReadonlyMap<string, readonly number[]>,
    timestampMs: number,
  ): Promise<Map<string, ReadonlyMap<number, number> | Error>>;
  close(): Promise<void>;
}

export interface PlatformaticOffsetReadsOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** Per request, ms. @defaultValue 30,000 */
  readonly requestTimeoutMs?: number;
  /** TLS (node:tls options) and SASL (PLAIN, SCRAM-SHA-256/512, OAUTHBEARER) for secured listeners. */
  readonly security?: Pick<ConnectionOptions, "tls" | "sasl">;
}

/** ListOffsets' special timestamps (Kafka protocol): the log end and the log start. */
const latest = -1n;
const earliest = -2n;

/**
 * {@link OffsetReads} over `@platformatic/kafka` 2.x (pure JavaScript, Node 22+). Its admin client sends one
 * OffsetFetch (v8+, many groups) per coordinator and one ListOffsets per leader for all the topics asked, and keeps
 * a metadata cache, so a poll's requests grow with brokers rather than with sinks (bench/kafka-clients.ts).
 */
export class PlatformaticOffsetReads implements OffsetReads {
  readonly #admin: Admin;

  constructor(options: PlatformaticOffsetReadsOptions) {
    this.#admin = new Admin({
      clientId: options.clientId ?? "connect-ops",
      bootstrapBrokers: [...options.brokers],
      timeout: options.requestTimeoutMs ?? 30_000,
      retries: 3,
      ...options.security,
    });
  }

  async committedOffsets(groups: readonly string[]): Promise<Map<string, GroupOffsets | Error>> {
    const result = new Map<string, GroupOffsets | Error>();
    if (groups.length === 0) return result;
    try {
      const listed = await this.#admin.listConsumerGroupOffsets({ groups: [...groups] });
      for (const group of listed) {
        result.set(
          group.groupId,
          new Map(
            group.topics.map((topic) => [
              topic.name,
              new Map(
                topic.partitions.map((p) => [
                  p.partitionIndex,
                  p.committedOffset < 0n ? null : Number(p.committedOffset),
                ]),
              ),
            ]),
          ),
        );
      }
    } catch (error) {
      for (const group of groups) result.set(group, asError(error));
    }
    for (const group of groups) if (!result.has(group)) result.set(group, new Map());
    return result;
  }

  async logOffsets(topics: readonly string[]): Promise<Map<string, TopicLogOffsets | Error>> {
    const result = new Map<string, TopicLogOffsets | Error>();
    const partitions = await this.#partitions(topics, result);
    if (partitions.size === 0) return result;
    const [ends, starts] = await Promise.all([
      this.#listOffsets(partitions, latest),
      this.#listOffsets(partitions, earliest),
    ]).catch((error: unknown) => {
      for (const topic of partitions.keys()) result.set(topic, asError(error));
      return [undefined, undefined];
    });
    if (ends === undefined || starts === undefined) return result;
    for (const [topic, indexes] of partitions) {
      result.set(
        topic,
        new Map(
          indexes.map((partition) => [
            partition,
            {
              logStart: starts.get(topic)?.get(partition) ?? 0,
              logEnd: ends.get(topic)?.get(partition) ?? 0,
            },
          ]),
        ),
      );
    }
    return result;
  }

  async offsetsAtTime(
    partitions: ReadonlyMap<string, readonly number[]>,
    timestampMs: number,
  ): Promise<Map<string, ReadonlyMap<number, number> | Error>> {
    const result = new Map<string, ReadonlyMap<number, number> | Error>();
    if (partitions.size === 0) return result;
    try {
      const found = await this.#listOffsets(partitions, BigInt(timestampMs));
      for (const topic of partitions.keys()) result.set(topic, found.get(topic) ?? new Map());
    } catch (error) {
      for (const topic of partitions.keys()) result.set(topic, asError(error));
    }
    return result;
  }

  async close(): Promise<void> {
    await this.#admin.close();
  }

  /** The partitions of each topic, from the client's metadata cache; a topic Kafka does not know gets an Error. */
  async #partitions(
    topics: readonly string[],
    result: Map<string, TopicLogOffsets | Error>,
  ): Promise<Map<string, number[]>> {
    const partitions = new Map<string, number[]>();
    if (topics.length === 0) return partitions;
    try {
      const metadata = await this.#admin.metadata({ topics: [...topics] });
      for (const topic of topics) {
        const known = metadata.topics.get(topic);
        if (known === undefined) result.set(topic, new Error(`topic ${topic} does not exist`));
        else
          partitions.set(
            topic,
            Array.from({ length: known.partitionsCount }, (_, i) => i),
          );
      }
    } catch (error) {
      // One unknown topic fails the whole metadata request: ask again topic by topic to tell which.
      await Promise.all(
        topics.map(async (topic) => {
          const one = await this.#admin
            .metadata({ topics: [topic] })
            .catch((reason: unknown) => asError(reason));
          const known = one instanceof Error ? undefined : one.topics.get(topic);
          if (known === undefined) result.set(topic, one instanceof Error ? one : asError(error));
          else
            partitions.set(
              topic,
              Array.from({ length: known.partitionsCount }, (_, i) => i),
            );
        }),
      );
    }
    return partitions;
  }

  async #listOffsets(
    partitions: ReadonlyMap<string, readonly number[]>,
    timestamp: bigint,
  ): Promise<Map<string, Map<number, number>>> {
    const listed = await this.#admin.listOffsets({
      topics: [...partitions].map(([name, indexes]) => ({
        name,
        partitions: indexes.map((partitionIndex) => ({ partitionIndex, timestamp })),
      })),
    });
    return new Map(
      listed.map((topic) => [
        topic.name,
        new Map(topic.partitions.map((p) => [p.partitionIndex, Number(p.offset)])),
      ]),
    );
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
