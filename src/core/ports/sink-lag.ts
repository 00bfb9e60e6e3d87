import type { SinkConsumerSettings } from "../sink-consumer.js";

/**
 * Sink lag, as the core, the commands and the alerts read it: per partition and per sink, counted in records a
 * sink can still receive (see `PartitionLag.lag`). src/kafka's `SinkLagReader` reads it from the brokers.
 */

/**
 * Stable codes of a Kafka session that could not be opened: the whole read failed, nothing was read.
 * - `KAFKA_AUTH_FAILED`: the brokers refused the bot's SASL login (not retriable).
 * - `KAFKA_TLS_UNTRUSTED`: the brokers' certificate is not trusted (not retriable).
 * - `KAFKA_UNREACHABLE`: no broker answered (retriable).
 */
export const kafkaConnectionErrorCodes = [
  "KAFKA_AUTH_FAILED",
  "KAFKA_TLS_UNTRUSTED",
  "KAFKA_UNREACHABLE",
] as const;
export type KafkaConnectionErrorCode = (typeof kafkaConnectionErrorCodes)[number];

/** A topic that does not exist (any more), deleted or never created; the error names it in `topic`. */
export const topicGoneCode = "KAFKA_TOPIC_GONE";

/**
 * Any other failure of the Kafka client library, read by its own code: `@platformatic/kafka`'s `PLT_KFK_*`, with
 * `canRetry` saying whether asking again may help.
 */
export const kafkaClientErrorPrefix = "PLT_KFK_";

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** The group's committed offset, or null when the group has never committed on this partition. */
  readonly committed: number | null;
  readonly logStart: number;
  readonly logEnd: number;
  /** Where the sink reads next: see `sinkPosition` (committed, else where auto.offset.reset sends it). */
  readonly next: number;
  /**
   * Records the sink will still receive and can read now: from `next` to the log end (a read_committed sink: to
   * the last stable offset), less control records. On a compacted topic the records are counted, never taken from
   * the offsets; when one small read did not reach the end, this is the records counted and `uncounted` says how
   * many offsets lie past them.
   */
  readonly lag: number;
  /** The topic's `cleanup.policy` includes `compact`: offsets have gaps, so offsets are not messages. */
  readonly compacted: boolean;
  /** Compacted topics only: offsets past the records counted in `lag` (holding at most that many records). */
  readonly uncounted: number;
  /**
   * read_committed sinks only: offsets at or past the last stable offset, behind a transaction still open. The
   * sink cannot read them until the producer commits or aborts (or the broker aborts it at its timeout), so they
   * are not `lag` and the sink is not stalled.
   */
  readonly held: number;
  /** Records retention deleted (or auto.offset.reset=latest will skip) that the sink never read. */
  readonly lost: number;
  /** Timestamp (ms) of the first record the sink will receive, when it was read: the age of the oldest unread one. */
  readonly oldestUnreadAt?: number;
}

/** A topic the sink reads whose offsets could not be read: deleted, or failing. */
export interface UnreadTopic {
  readonly topic: string;
  readonly gone: boolean;
  readonly reason: string;
}

/**
 * How the bot knows which topics a sink reads. A `topics` list is read from the config. A `topics.regex` is Java's
 * (`java.util.regex`, which JavaScript's RegExp does not match: possessive quantifiers, `\Q…\E`, `\p{javaLowerCase}`),
 * so the bot never evaluates it: it asks Kafka what the sink's own consumers matched. "group": the topics the
 * running tasks' consumers subscribe to and are assigned (DescribeGroups); "commits": no task is consuming, so the
 * topics its group has committed offsets on (a topic created since it last ran is not among them); "unknown":
 * neither, see `topicsUnknown`.
 */
export type TopicSource = "config" | "group" | "commits" | "unknown";

export interface SinkLag {
  readonly groupId: string;
  readonly settings: SinkConsumerSettings;
  readonly topicsFrom: TopicSource;
  /** Why the sink's topics are not known (`topicsFrom` "unknown"): its lag is not read at all. */
  readonly topicsUnknown?: string;
  /** The partitions that were read, by topic then partition. */
  readonly partitions: readonly PartitionLag[];
  readonly total: number;
  readonly lost: number;
  /** Topics left out of `partitions` and `total`, and why. */
  readonly unread: readonly UnreadTopic[];
}

export interface SinkSpec {
  readonly name: string;
  readonly config: Readonly<Record<string, string>>;
}

export interface LagReadOptions {
  /**
   * Which partitions with a small lag get a look for control records at the end: "unchanged" (default, for
   * polls) those seen for the first time and those whose position and log end have not moved since the previous
   * read, "all" every one. Partitions of compacted topics are always counted.
   */
  readonly settle?: "unchanged" | "all";
  /** How many of the most lagging partitions get the age of their oldest unread record. */
  readonly timed?: number;
}

/**
 * Reads sink connectors' consumer lag from the cluster's brokers. Each call fails as a whole only when nothing
 * could be read: with a {@link KafkaConnectionErrorCode}, or the client's own `PLT_KFK_*` code.
 */
export interface LagReads {
  /**
   * One sink's lag, every small lag checked for control records, the ten most lagging partitions timed.
   * @throws the error that kept its group from being read
   */
  lag(connectorName: string, config: Readonly<Record<string, string>>): Promise<SinkLag>;
  /**
   * Lag of many sinks in one pass, keyed by connector name. A topic that cannot be read is left out of the sinks
   * that read it (listed in `unread`, a deleted one as `gone`); a group that cannot be read gives its sink the
   * error. Neither hides the others.
   */
  lagOfSinks(sinks: readonly SinkSpec[], options?: LagReadOptions): Promise<Map<string, SinkLag | Error>>;
  /**
   * Per partition of `topic`, the first offset whose record is at or after `timestamp` (the log end where there
   * is none): ListOffsets by time. @throws an error with code `KAFKA_TOPIC_GONE` when the topic does not exist
   */
  offsetsAt(topic: string, timestamp: Date): Promise<Map<number, number>>;
}
