import kafkajs, { type Admin, logLevel } from "kafkajs";
import Cluster, { type FetchedPartition } from "kafkajs/src/cluster/index.js";
import filterAbortedMessages from "kafkajs/src/consumer/filterAbortedMessages.js";
import { createLogger } from "kafkajs/src/loggers/index.js";
import socketFactory from "kafkajs/src/network/socketFactory.js";
import type { Logger } from "pino";
import { isUntrustedCertificate } from "../tls-certificate-errors.js";
import { type KafkaConnection, kafkajsConfig } from "./kafka-connection.js";
import { KafkaConnectionError } from "./kafka-connection-error.js";
import {
  asError,
  type CommittedOffsets,
  type DeliverableScan,
  type GroupDescription,
  type IsolationLevel,
  type KafkaOffsets,
  type PartitionRange,
  partitionKey,
  type ScanRequest,
  TopicGoneError,
} from "./kafka-offsets.js";

export interface KafkajsOffsetsOptions {
  /** The brokers and their TLS and SASL settings. */
  readonly connection: KafkaConnection;
  readonly clientId?: string;
  readonly requestTimeoutMs?: number;
  /** Called for every request sent to Kafka, with its API name (benchmarks count them). */
  readonly onRequest?: (apiName: string) => void;
  /** Where recoveries from stale metadata are logged. */
  readonly logger?: Logger;
  /** How many groups or topics are read at once. @defaultValue 16 */
  readonly concurrency?: number;
}

/** A scan reads this much per partition: a few batches, enough to step over the control records at a range's end. */
const scanBytesPerPartition = 64 * 1024;
/** Partitions per Fetch request; the response stays around a few MB at most. */
const scanPartitionsPerFetch = 200;

/**
 * Errors that mean the client's metadata is stale: a topic deleted or recreated, a leader moved. kafkajs keeps
 * every topic it ever read in its metadata requests, so one deleted topic fails every later refresh: the client
 * must be replaced, not retried.
 */
const staleMetadataTypes = new Set([
  "UNKNOWN_TOPIC_OR_PARTITION",
  "LEADER_NOT_AVAILABLE",
  "NOT_LEADER_FOR_PARTITION",
  "UNKNOWN_TOPIC_ID",
  "FENCED_LEADER_EPOCH",
  "UNKNOWN_LEADER_EPOCH",
]);
const staleMetadataNames = new Set([
  "KafkaJSBrokerNotFound",
  "KafkaJSMetadataNotLoaded",
  "KafkaJSTopicMetadataNotLoaded",
]);

/** One generation of clients: replaced whole when its metadata went stale. */
interface Client {
  readonly admin: Admin;
  /** kafkajs's own cluster, for Fetch without a consumer group; it tracks no topics, so nothing poisons it. */
  readonly fetcher: Cluster;
  readonly ready: Promise<void>;
  /** Topics this generation's admin has read: each stays in every metadata refresh it makes. */
  readonly tracked: Set<string>;
}

/**
 * The `KafkaOffsets` port on kafkajs 2.2.4: the admin client for offsets and topics, kafkajs's cluster for the
 * small fetches. kafkajs asks per group and per topic, so a poll's batched reads become one request (or two) per
 * item, `concurrency` at a time: kept so that the two clients can be measured side by side (bench/lag-scale.ts). A read that fails on stale metadata replaces the clients and is tried once more; a topic that
 * no longer exists gives `TopicGoneError` for that topic alone.
 */
export class KafkajsOffsets implements KafkaOffsets {
  readonly #options: KafkajsOffsetsOptions;
  readonly #concurrency: number;
  #client: Client | undefined;

  constructor(options: KafkajsOffsetsOptions) {
    this.#options = options;
    this.#concurrency = options.concurrency ?? 16;
  }

  async listTopics(): Promise<string[]> {
    // Metadata for all topics never names a deleted one, so this works even on a poisoned client.
    const topics = await this.#run(undefined, (client) => client.admin.listTopics());
    const current = this.#client;
    const present = new Set(topics);
    const deleted = current === undefined ? [] : [...current.tracked].filter((topic) => !present.has(topic));
    if (current !== undefined && deleted.length > 0) {
      this.#replace(current, `topic(s) deleted: ${deleted.join(", ")}`);
    }
    return topics;
  }

  /** One OffsetFetch per group (kafkajs 2.2.4 has no batched form), `concurrency` at a time. */
  async committedOffsets(
    groups: ReadonlyMap<string, readonly string[] | "all">,
  ): Promise<Map<string, CommittedOffsets | Error>> {
    const entries = [...groups];
    const read = await inLanes(entries, this.#concurrency, async ([groupId, topics]) => {
      const committed = new Map<string, number>();
      if (topics.length === 0) return committed;
      // No topics named: every topic the group has committed on.
      const fetched = await this.#run(topics === "all" ? undefined : topics, (client) =>
        client.admin.fetchOffsets(topics === "all" ? { groupId } : { groupId, topics: [...topics] }),
      );
      for (const topic of fetched) {
        for (const partition of topic.partitions) {
          const offset = Number(partition.offset);
          if (offset >= 0) committed.set(partitionKey(topic.topic, partition.partition), offset);
        }
      }
      return committed;
    });
    return new Map(entries.map(([groupId], i) => [groupId, read[i] ?? new Error("not read")]));
  }

  /** Two ListOffsets per topic (latest, earliest: kafkajs asks one topic per call), `concurrency` topics at a time. */
  async logRanges(topics: readonly string[]): Promise<Map<string, readonly PartitionRange[] | Error>> {
    const read = await inLanes(topics, this.#concurrency, async (topic) => {
      const offsets = await this.#run([topic], (client) => client.admin.fetchTopicOffsets(topic));
      return offsets.map((entry) => ({
        partition: entry.partition,
        logStart: Number(entry.low),
        logEnd: Number(entry.high),
      }));
    });
    return new Map(topics.map((topic, i) => [topic, read[i] ?? new Error("not read")]));
  }

  /** One DescribeGroups for all groups; members decoded with kafkajs's consumer-protocol serializers. */
  async describeGroups(groupIds: readonly string[]): Promise<Map<string, GroupDescription | Error>> {
    const result = new Map<string, GroupDescription | Error>();
    if (groupIds.length === 0) return result;
    try {
      const { groups } = await this.#run(undefined, (client) => client.admin.describeGroups([...groupIds]));
      for (const group of groups) {
        const members = group.members.map((member) => {
          const subscribed =
            member.memberMetadata.length === 0
              ? []
              : (kafkajs.AssignerProtocol.MemberMetadata.decode(member.memberMetadata)?.topics ?? []);
          const assigned =
            member.memberAssignment.length === 0
              ? {}
              : (kafkajs.AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment ?? {});
          return {
            clientId: member.clientId,
            topics: [...new Set([...subscribed, ...Object.keys(assigned)])],
          };
        });
        result.set(group.groupId, { state: group.state, members });
      }
    } catch (error) {
      for (const id of groupIds) result.set(id, asError(error));
    }
    for (const id of groupIds) if (!result.has(id)) result.set(id, { state: "Dead", members: [] });
    return result;
  }

  /** One DescribeConfigs for the topics, naming only `cleanup.policy`. */
  async cleanupPolicies(topics: readonly string[]): Promise<Map<string, string | Error>> {
    const result = new Map<string, string | Error>();
    if (topics.length === 0) return result;
    try {
      const { resources } = await this.#run(undefined, (client) =>
        client.admin.describeConfigs({
          includeSynonyms: false,
          resources: topics.map((name) => ({
            type: kafkajs.ConfigResourceTypes.TOPIC,
            name,
            configNames: ["cleanup.policy"],
          })),
        }),
      );
      for (const resource of resources) {
        const policy = resource.configEntries.find((entry) => entry.configName === "cleanup.policy");
        if (resource.errorCode === 0 && policy !== undefined)
          result.set(resource.resourceName, policy.configValue);
      }
    } catch (error) {
      for (const topic of topics) result.set(topic, asError(error));
    }
    for (const topic of topics)
      if (!result.has(topic)) result.set(topic, new Error(`no cleanup.policy was described for ${topic}`));
    return result;
  }

  async offsetsAt(topic: string, timestamp: number): Promise<Map<number, number>> {
    const found = await this.#run([topic], (client) =>
      client.admin.fetchTopicOffsetsByTimestamp(topic, timestamp),
    );
    return new Map(found.map((entry) => [entry.partition, Number(entry.offset)]));
  }

  async scan(
    requests: readonly ScanRequest[],
    isolation: IsolationLevel,
  ): Promise<Map<string, DeliverableScan>> {
    if (requests.length === 0) return new Map();
    const topics = [...new Set(requests.map((request) => request.topic))];
    return this.#run(topics, async (client) => {
      const metadata = await client.admin.fetchTopicMetadata({ topics });
      const leaders = new Map(
        metadata.topics.flatMap((topic) =>
          topic.partitions.map((p) => [partitionKey(topic.name, p.partitionId), p.leader] as const),
        ),
      );
      const byLeader = new Map<number, ScanRequest[]>();
      for (const request of requests) {
        const leader = leaders.get(partitionKey(request.topic, request.partition));
        if (leader !== undefined) byLeader.set(leader, [...(byLeader.get(leader) ?? []), request]);
      }
      await client.fetcher.refreshMetadataIfNecessary();
      const scans = new Map<string, DeliverableScan>();
      for (const [leader, mine] of byLeader) {
        for (let start = 0; start < mine.length; start += scanPartitionsPerFetch) {
          const chunk = mine.slice(start, start + scanPartitionsPerFetch);
          // One partition's error (its log start moved past `from`) fails the whole request: then one at a time.
          const found = await this.#fetch(client, leader, chunk, isolation).catch(async () => {
            const single = new Map<string, DeliverableScan>();
            for (const request of chunk) {
              const one = await this.#fetch(client, leader, [request], isolation).catch(() => undefined);
              for (const [key, scan] of one ?? []) single.set(key, scan);
            }
            return single;
          });
          for (const [key, scan] of found) scans.set(key, scan);
        }
      }
      return scans;
    });
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined) await disconnect(client);
  }

  async #fetch(
    client: Client,
    leader: number,
    requests: readonly ScanRequest[],
    isolation: IsolationLevel,
  ): Promise<Map<string, DeliverableScan>> {
    const broker = await client.fetcher.findBroker({ nodeId: leader });
    const byTopic = new Map<string, ScanRequest[]>();
    for (const request of requests)
      byTopic.set(request.topic, [...(byTopic.get(request.topic) ?? []), request]);
    this.#options.onRequest?.("Fetch");
    const response = await broker.fetch({
      replicaId: -1,
      isolationLevel: isolation === "read_committed" ? 1 : 0,
      maxWaitTime: 0,
      minBytes: 1,
      maxBytes: scanBytesPerPartition * requests.length,
      topics: [...byTopic].map(([topic, mine]) => ({
        topic,
        partitions: mine.map((request) => ({
          partition: request.partition,
          fetchOffset: String(request.from),
          maxBytes: scanBytesPerPartition,
        })),
      })),
    });
    const asked = new Map(
      requests.map((request) => [partitionKey(request.topic, request.partition), request]),
    );
    const scans = new Map<string, DeliverableScan>();
    for (const topic of response.responses) {
      for (const partition of topic.partitions) {
        const key = partitionKey(topic.topicName, partition.partition);
        const request = asked.get(key);
        if (request !== undefined) scans.set(key, deliverableIn(request, partition, isolation));
      }
    }
    return scans;
  }

  /**
   * Runs a read on the current clients; on stale metadata, replaces them and tries once more. A topic that still
   * cannot be found then is gone.
   */
  async #run<T>(topics: readonly string[] | undefined, read: (client: Client) => Promise<T>): Promise<T> {
    const attempt = async () => {
      const client = this.#current();
      await client.ready;
      const result = await read(client);
      for (const topic of topics ?? []) client.tracked.add(topic);
      return result;
    };
    try {
      return await attempt();
    } catch (error) {
      if (!isStaleMetadata(error)) throw error;
      const client = this.#client;
      if (client !== undefined) this.#replace(client, rootCause(error).message);
      try {
        return await attempt();
      } catch (again) {
        const topic = topics?.length === 1 ? topics[0] : undefined;
        if (topic !== undefined && rootCause(again).type === "UNKNOWN_TOPIC_OR_PARTITION") {
          throw new TopicGoneError(topic);
        }
        throw again;
      }
    }
  }

  /** Replaces the clients, unless another read already did; the old ones are closed in the background. */
  #replace(stale: Client, reason: string): void {
    if (this.#client !== stale) return;
    this.#client = undefined;
    this.#options.logger?.warn({ reason }, "Kafka metadata went stale: reconnecting the lag reader's client");
    void disconnect(stale);
  }

  #current(): Client {
    if (this.#client !== undefined) return this.#client;
    const options = this.#options;
    const clientId = options.clientId ?? "connect-ops";
    const config = kafkajsConfig(options.connection, {
      clientId,
      ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    });
    const kafka = new kafkajs.Kafka(config);
    const admin = kafka.admin();
    const onRequest = options.onRequest;
    if (onRequest !== undefined) admin.on(admin.events.REQUEST, (event) => onRequest(event.payload.apiName));
    const fetcher = new Cluster({
      logger: createLogger({ level: logLevel.NOTHING, logCreator: () => () => undefined }),
      socketFactory: socketFactory(),
      brokers: [...options.connection.brokers],
      clientId,
      // kafkajsConfig always sets these three; the fallbacks only satisfy the optional types.
      connectionTimeout: config.connectionTimeout ?? 3_000,
      requestTimeout: config.requestTimeout ?? 10_000,
      enforceRequestTimeout: true,
      retry: config.retry ?? { retries: 3 },
      ...(config.ssl === undefined ? {} : { ssl: config.ssl }),
      ...(config.sasl === undefined ? {} : { sasl: config.sasl }),
      allowAutoTopicCreation: false,
      metadataMaxAge: 300_000,
    });
    const client: Client = {
      admin,
      fetcher,
      tracked: new Set(),
      // Credentials, certificates and reachability are checked when the session opens: say which failed.
      ready: Promise.all([admin.connect(), fetcher.connect()]).then(
        () => undefined,
        (error: unknown) => {
          throw asKafkaConnectionError(error, options.connection);
        },
      ),
    };
    // A client that could not connect is dropped, so the next read connects afresh.
    client.ready.catch(() => {
      if (this.#client === client) this.#client = undefined;
    });
    this.#client = client;
    return client;
  }
}

/** What a consumer with this isolation level receives in [from, to), out of one partition's fetched records. */
function deliverableIn(
  { from, to }: ScanRequest,
  fetched: FetchedPartition,
  isolation: IsolationLevel,
): DeliverableScan {
  // A fetch returns whole batches: records before `from` may lead the first one.
  const records = fetched.messages.filter((record) => {
    const offset = Number(record.offset);
    return offset >= from && offset < to;
  });
  const visible =
    isolation === "read_committed"
      ? filterAbortedMessages({ messages: records, abortedTransactions: fetched.abortedTransactions })
      : records;
  const delivered = visible.filter((record) => !record.isControlRecord);
  const batchesEnd = fetched.messages.reduce(
    (end, record) =>
      Math.max(end, Number(record.batchContext.firstOffset) + record.batchContext.lastOffsetDelta + 1),
    from,
  );
  const scannedTo = Math.min(to, batchesEnd);
  const first = delivered[0];
  return {
    from,
    scannedTo,
    deliverable: delivered.length,
    ...(first === undefined
      ? {}
      : { first: { offset: Number(first.offset), timestamp: Number(first.timestamp) } }),
  };
}

interface KafkaFailure {
  readonly message: string;
  readonly name?: string;
  readonly type?: string;
}

/** kafkajs wraps the broker's error in retry errors: the innermost one says what happened. */
function rootCause(error: unknown): KafkaFailure {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  if (!(current instanceof Error)) return { message: String(current) };
  const type = (current as { type?: unknown }).type;
  return { message: current.message, name: current.name, ...(typeof type === "string" ? { type } : {}) };
}

function isStaleMetadata(error: unknown): boolean {
  const cause = rootCause(error);
  return (
    (cause.type !== undefined && staleMetadataTypes.has(cause.type)) ||
    (cause.name !== undefined && staleMetadataNames.has(cause.name))
  );
}

async function disconnect(client: Client): Promise<void> {
  await client.ready.catch(() => undefined);
  await Promise.all([client.admin.disconnect(), client.fetcher.disconnect()]).catch(() => undefined);
}

/**
 * Turns a failure to connect (kafkajs's SASL and connection errors, possibly wrapped in its retry error) into a
 * {@link KafkaConnectionError}; anything else is returned as it was.
 */
function asKafkaConnectionError(error: unknown, connection: KafkaConnection): unknown {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof kafkajs.KafkaJSSASLAuthenticationError) {
      return new KafkaConnectionError("KAFKA_AUTH_FAILED", connection, cause.message);
    }
    if (cause instanceof kafkajs.KafkaJSConnectionError) {
      const code = (cause as { code?: string }).code;
      return new KafkaConnectionError(
        isUntrustedCertificate(code) ? "KAFKA_TLS_UNTRUSTED" : "KAFKA_UNREACHABLE",
        connection,
        cause.message,
      );
    }
  }
  return error;
}

/** Runs `read` over `items`, at most `concurrency` at a time; each result is the value or the error it threw. */
async function inLanes<T, R>(
  items: readonly T[],
  concurrency: number,
  read: (item: T) => Promise<R>,
): Promise<(R | Error)[]> {
  const results: (R | Error)[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) {
      results[i] = await read(items[i] as T).catch(asError);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}
