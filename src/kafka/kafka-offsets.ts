/**
 * The Kafka calls lag reading needs, behind one small interface: committed offsets of a group, the log start and
 * end of each partition, offsets by time, and a look at the first records a consumer would receive from an offset.
 * The lag rules (control records, where a sink starts, gone topics) live above it in `sink-lag-reader.ts`, so
 * another client library replaces only the adapter (`kafkajs-offsets.ts`).
 */

/** How a consumer treats transactional records: Kafka's `isolation.level`. */
export type IsolationLevel = "read_uncommitted" | "read_committed";

export interface PartitionRange {
  readonly partition: number;
  /** The first retained offset: retention or a delete-records moved it past anything older. */
  readonly logStart: number;
  /** The offset the next record will get (the high watermark, or the last stable offset under transactions). */
  readonly logEnd: number;
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

/**
 * The port. Implementations recover from stale metadata by themselves (a deleted topic must not break reads of
 * other topics) and throw `TopicGoneError` for a topic that does not exist.
 */
export interface KafkaOffsets {
  /** Every topic of the cluster. */
  listTopics(): Promise<string[]>;
  /** The group's committed offsets on these topics, keyed `topic:partition`; partitions without a commit are absent. */
  committedOffsets(groupId: string, topics: readonly string[]): Promise<Map<string, number>>;
  /** Log start and end of every partition of the topic. */
  logRange(topic: string): Promise<PartitionRange[]>;
  /** Per partition, the first offset whose record is at or after `timestamp` (the log end when there is none). */
  offsetsAt(topic: string, timestamp: number): Promise<Map<number, number>>;
  /**
   * One small fetch per request, batched per broker: what a consumer with this isolation level would receive from
   * each `from`. Keyed `topic:partition`; a partition that could not be fetched is absent.
   */
  scan(requests: readonly ScanRequest[], isolation: IsolationLevel): Promise<Map<string, DeliverableScan>>;
  close(): Promise<void>;
}

export const partitionKey = (topic: string, partition: number): string => `${topic}:${partition}`;
