/**
 * The Kafka calls lag reading needs, behind one small interface shaped for a whole poll: committed offsets of many
 * groups and log ranges of many topics in one call each, offsets by time, and a look at the first records a
 * consumer would receive from an offset. A client that batches (one OffsetFetch per coordinator, one ListOffsets
 * per leader) can then do so; one that cannot asks item by item behind the same call. The lag rules (control
 * records, where a sink starts, gone topics) live above it in `sink-lag-reader.ts`, so another client library
 * replaces only the adapter (`platformatic-offsets.ts`).
 */

import type { IsolationLevel } from "../core/sink-consumer.js";

export type { IsolationLevel };

export interface PartitionRange {
  readonly partition: number;
  /** The first retained offset: retention or a delete-records moved it past anything older. */
  readonly logStart: number;
  /** The offset the next record will get: the high watermark (ListOffsets latest at read_uncommitted). */
  readonly logEnd: number;
  /**
   * The last stable offset (ListOffsets latest at read_committed, KIP-98): the first offset of the oldest open
   * transaction, else the high watermark. A read_committed consumer receives nothing at or past it until that
   * transaction ends. Read only for the topics asked for it.
   */
  readonly lastStable?: number;
}

/** One member of a consumer group, as DescribeGroups shows it (the classic consumer protocol). */
export interface GroupMember {
  readonly clientId: string;
  /**
   * The topics it subscribes to and is assigned. A consumer with a pattern subscription matches the pattern itself
   * (Java's `java.util.regex` for Connect's sinks) and sends the topics it matched: this is its own answer.
   */
  readonly topics: readonly string[];
}

/** What a consumer group is doing now: its state (`Stable`, `PreparingRebalance`, `Empty`…) and members. */
export interface GroupDescription {
  readonly state: string;
  readonly members: readonly GroupMember[];
}

/** What a consumer would receive in [from, to), as far as one small fetch reached. */
export interface DeliverableScan {
  readonly from: number;
  /** Every offset below this (at most `to`) was looked at: records, control records and gaps alike. */
  readonly scannedTo: number;
  /** The first record a consumer would receive at or after `from`, when the scan met one. */
  readonly first?: { readonly offset: number; readonly timestamp: number };
  /** Records in [from, scannedTo) a consumer would receive: control records and (read_committed) aborted ones excluded. */
  readonly deliverable: number;
}

export interface ScanRequest {
  readonly topic: string;
  readonly partition: number;
  readonly from: number;
  /** The log end the lag was measured to: records appended since are not counted. */
  readonly to: number;
}

/** A topic that does not exist (any more): deleted, or never created. */
export class TopicGoneError extends Error {
  override readonly name = "TopicGoneError";
  readonly code = "KAFKA_TOPIC_GONE";
  readonly retriable = false;

  constructor(readonly topic: string) {
    super(`topic ${topic} does not exist (deleted?)`);
  }
}

/** A group's committed offsets, keyed `topic:partition`; partitions without a commit are absent. */
export type CommittedOffsets = ReadonlyMap<string, number>;

/**
 * The port. Reads of many items answer per item: an item that could not be read is an Error in the result and
 * does not fail the others (a topic that does not exist is a `TopicGoneError`). A call throws only when nothing
 * could be read at all (no broker answered, the credentials were refused: a `KafkaConnectionError`).
 * Implementations recover from stale metadata by themselves: a deleted topic must not break reads of others.
 */
export interface KafkaOffsets {
  /** Every topic of the cluster. */
  listTopics(): Promise<string[]>;
  /**
   * Each group's committed offsets on the topics given for it (group id → topics, or "all" for every topic it has
   * committed on), keyed by group id.
   */
  committedOffsets(
    groups: ReadonlyMap<string, readonly string[] | "all">,
  ): Promise<Map<string, CommittedOffsets | Error>>;
  /**
   * Log start and end of every partition of each topic, keyed by topic. The end is the high watermark
   * (ListOffsets latest at read_uncommitted), so lag counts an open transaction's records; the topics in
   * `lastStable` also get their last stable offset, where the adapter can read it.
   */
  logRanges(
    topics: readonly string[],
    options?: { readonly lastStable?: ReadonlySet<string> },
  ): Promise<Map<string, readonly PartitionRange[] | Error>>;
  /** Each group's state and members (DescribeGroups), keyed by group id; a group never seen is `Dead` with none. */
  describeGroups(groupIds: readonly string[]): Promise<Map<string, GroupDescription | Error>>;
  /** Each topic's `cleanup.policy` (`delete`, `compact`, `compact,delete`), keyed by topic (DescribeConfigs). */
  cleanupPolicies(topics: readonly string[]): Promise<Map<string, string | Error>>;
  /**
   * Per partition, the first offset whose record is at or after `timestamp` (ms; the log end when there is none).
   * @throws TopicGoneError when the topic does not exist
   */
  offsetsAt(topic: string, timestamp: number): Promise<Map<number, number>>;
  /**
   * One small fetch per request, batched per broker: what a consumer with this isolation level would receive from
   * each `from`. Keyed `topic:partition`; a partition that could not be fetched is absent. A topic names each
   * partition once per call.
   */
  scan(requests: readonly ScanRequest[], isolation: IsolationLevel): Promise<Map<string, DeliverableScan>>;
  close(): Promise<void>;
}

export const partitionKey = (topic: string, partition: number): string => `${topic}:${partition}`;

/** A thrown value as an Error, for per-item results. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
