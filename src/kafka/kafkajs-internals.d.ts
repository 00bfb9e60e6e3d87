/**
 * The few kafkajs 2.2.4 internals `kafkajs-offsets.ts` uses: its public API fetches records only through a
 * consumer group, and reading a few records at an offset must not join one. The library is frozen at 2.2.4, so
 * these paths do not move. Only the fields read are declared.
 */
declare module "kafkajs/src/cluster/index.js" {
  import type { Logger, RetryOptions } from "kafkajs";

  export interface FetchedRecord {
    readonly offset: string;
    readonly timestamp: string;
    readonly key: Buffer | null;
    readonly isControlRecord: boolean;
    readonly batchContext: {
      readonly firstOffset: string;
      readonly lastOffsetDelta: number;
      readonly producerId: string;
      readonly inTransaction: boolean;
    };
  }

  export interface FetchedPartition {
    readonly partition: number;
    readonly abortedTransactions: readonly { readonly producerId: string; readonly firstOffset: string }[];
    readonly messages: readonly FetchedRecord[];
  }

  export interface FetchRequest {
    readonly replicaId: number;
    /** 0 read_uncommitted, 1 read_committed. */
    readonly isolationLevel: 0 | 1;
    readonly maxWaitTime: number;
    readonly minBytes: number;
    readonly maxBytes: number;
    readonly topics: readonly {
      readonly topic: string;
      readonly partitions: readonly { partition: number; fetchOffset: string; maxBytes: number }[];
    }[];
  }

  export interface Broker {
    fetch(request: FetchRequest): Promise<{
      readonly responses: readonly {
        readonly topicName: string;
        readonly partitions: readonly FetchedPartition[];
      }[];
    }>;
  }

  export default class Cluster {
    constructor(options: {
      logger: Logger;
      socketFactory: unknown;
      brokers: string[];
      clientId: string;
      connectionTimeout: number;
      requestTimeout: number;
      enforceRequestTimeout: boolean;
      retry: RetryOptions;
      allowAutoTopicCreation: boolean;
      metadataMaxAge: number;
    });
    connect(): Promise<void>;
    disconnect(): Promise<void>;
    refreshMetadataIfNecessary(): Promise<void>;
    findBroker(options: { nodeId: number }): Promise<Broker>;
  }
}

declare module "kafkajs/src/network/socketFactory.js" {
  export default function socketFactory(): unknown;
}

declare module "kafkajs/src/loggers/index.js" {
  import type { Logger, logCreator, logLevel } from "kafkajs";
  export function createLogger(options: { level: logLevel; logCreator: logCreator }): Logger;
}

declare module "kafkajs/src/consumer/filterAbortedMessages.js" {
  import type { FetchedPartition, FetchedRecord } from "kafkajs/src/cluster/index.js";
  export default function filterAbortedMessages(options: {
    messages: readonly FetchedRecord[];
    abortedTransactions: FetchedPartition["abortedTransactions"];
  }): FetchedRecord[];
}
