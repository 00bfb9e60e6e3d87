import {
  Admin,
  AuthenticationError,
  type ClusterMetadata,
  ConfigResourceTypes,
  type Connection,
  connectionsApiChannel,
  FetchIsolationLevels,
  fetchV12,
  fetchV13,
  fetchV14,
  fetchV15,
  fetchV16,
  fetchV17,
  IS_CONTROL,
  IS_TRANSACTIONAL,
  ListOffsetTimestamps,
  listOffsetsV2,
  listOffsetsV3,
  listOffsetsV4,
  listOffsetsV5,
  listOffsetsV6,
  listOffsetsV7,
  listOffsetsV8,
  listOffsetsV9,
  NetworkError,
  protocolAPIsById,
  ResponseError,
  TimeoutError,
} from "@platformatic/kafka";
import type { Logger } from "pino";
import { isUntrustedCertificate } from "../tls-certificate-errors.js";
import { type KafkaConnection, platformaticOptions } from "./kafka-connection.js";
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

export interface PlatformaticOffsetsOptions {
  /** The brokers and their TLS and SASL settings. */
  readonly connection: KafkaConnection;
  readonly clientId?: string;
  readonly requestTimeoutMs?: number;
  /** Called for every request sent to Kafka, with its API name (benchmarks and metrics count them). */
  readonly onRequest?: (apiName: string) => void;
  /** Where reads that fell back to one item at a time are logged. */
  readonly logger?: Logger;
}

/** A scan reads this much per partition: a few batches, enough to step over the control records at a range's end. */
const scanBytesPerPartition = 64 * 1024;
/** Partitions per Fetch request; the response stays around a few MB at most. */
const scanPartitionsPerFetch = 200;
/** Items read at once when a batched read failed and is retried one item at a time. */
const fallbackConcurrency = 16;

/**
 * The Fetch versions the scan speaks, newest first: v13 and later name topics by id, v12 by name (Kafka < 3.1).
 * They share one request and response shape.
 */
const fetchApis: readonly (typeof fetchV17.api)[] = [
  fetchV17.api,
  fetchV16.api,
  fetchV15.api,
  fetchV14.api,
  fetchV13.api,
  fetchV12.api,
];
type FetchApi = (typeof fetchApis)[number];
type FetchResponse = Awaited<ReturnType<FetchApi["async"]>>;
type FetchedPartition = FetchResponse["responses"][number]["partitions"][number];
type FetchRequestTopic = Parameters<FetchApi["async"]>[7][number];

/** The ListOffsets versions the log reads speak, newest first; v2 is the first with an isolation level (KIP-98). */
const listOffsetsApis: readonly (typeof listOffsetsV9.api)[] = [
  listOffsetsV9.api,
  listOffsetsV8.api,
  listOffsetsV7.api,
  listOffsetsV6.api,
  listOffsetsV5.api,
  listOffsetsV4.api,
  listOffsetsV3.api,
  listOffsetsV2.api,
];
type ListOffsetsApi = (typeof listOffsetsApis)[number];
type ListOffsetsTopic = Parameters<ListOffsetsApi["async"]>[3][number];

/** Fetch's `session_epoch` for a request outside any fetch session (KIP-227): the broker keeps no state for it. */
const sessionlessEpoch = -1;

/**
 * The `KafkaOffsets` port on `@platformatic/kafka` 2.x (pure JavaScript, maintained). A poll is a handful of
 * requests however many sinks: the admin client's one FindCoordinator (v4) and one OffsetFetch (v8+, many groups)
 * per coordinator, one Metadata for the topics, and one ListOffsets per leader and timestamp. ListOffsets and the
 * scan's Fetch are sent here, through the library's exported protocol APIs on connections of the admin's pool,
 * with the version negotiated from the broker's ApiVersions: the admin's `listOffsets` costs CPU quadratic in
 * topics, and the consumer's `fetch` keeps incremental fetch sessions (KIP-227), in which a broker leaves out
 * partitions that did not change, where a scan must see every partition it asks for. A batched read that fails for
 * one item is read again one item at a time, so that one bad topic or group does not fail the others.
 */
export class PlatformaticOffsets implements KafkaOffsets {
  readonly #options: PlatformaticOffsetsOptions;
  readonly #admin: Admin;
  readonly #countRequests: ((message: unknown) => void) | undefined;
  /** The broker's API versions, asked once per client. */
  #apiVersions: Promise<readonly { apiKey: number; minVersion: number; maxVersion: number }[]> | undefined;

  constructor(options: PlatformaticOffsetsOptions) {
    this.#options = options;
    this.#admin = new Admin(
      platformaticOptions(options.connection, {
        clientId: options.clientId ?? "connect-ops",
        ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
      }),
    );
    const onRequest = options.onRequest;
    if (onRequest !== undefined) {
      // The library reports every request on one process-wide channel: count only this client's.
      const admin = this.#admin;
      this.#countRequests = (message: unknown) => {
        const { connection, apiKey } = message as { connection?: { ownerId?: number }; apiKey?: unknown };
        if (connection?.ownerId === admin.instanceId && typeof apiKey === "number") {
          onRequest(protocolAPIsById[apiKey] ?? `api ${apiKey}`);
        }
      };
      connectionsApiChannel.start.subscribe(this.#countRequests);
    }
  }

  async listTopics(): Promise<string[]> {
    return this.#connected(() => this.#admin.listTopics());
  }

  async committedOffsets(
    groups: ReadonlyMap<string, readonly string[] | "all">,
  ): Promise<Map<string, CommittedOffsets | Error>> {
    const result = new Map<string, CommittedOffsets | Error>();
    const asked = [...groups].filter(([, topics]) => topics.length > 0);
    for (const [groupId, topics] of groups) if (topics.length === 0) result.set(groupId, new Map());
    if (asked.length === 0) return result;
    const read = (entries: readonly (readonly [string, readonly string[] | "all"])[]) =>
      this.#connected(async () => {
        const listed = await this.#admin.listConsumerGroupOffsets({ groups: entries.map(([id]) => id) });
        const byGroup = new Map(listed.map((group) => [group.groupId, group.topics]));
        return new Map(
          entries.map(([groupId, topics]) => {
            const wanted = topics === "all" ? undefined : new Set(topics);
            const committed = new Map<string, number>();
            for (const topic of byGroup.get(groupId) ?? []) {
              if (wanted !== undefined && !wanted.has(topic.name)) continue;
              for (const p of topic.partitions) {
                if (p.committedOffset >= 0n)
                  committed.set(partitionKey(topic.name, p.partitionIndex), Number(p.committedOffset));
              }
            }
            return [groupId, committed] as const;
          }),
        );
      });
    for (const [groupId, committed] of await this.#batchedOrOneByOne(
      asked,
      ([id]) => id,
      read,
      "committed offsets",
    )) {
      result.set(groupId, committed);
    }
    return result;
  }

  async logRanges(
    topics: readonly string[],
    options: { readonly lastStable?: ReadonlySet<string> } = {},
  ): Promise<Map<string, readonly PartitionRange[] | Error>> {
    const result = new Map<string, readonly PartitionRange[] | Error>();
    if (topics.length === 0) return result;
    // Fresh metadata: a topic recreated since the last poll may have another partition count and leaders.
    const known = await this.#topics(topics, true);
    const readable: (readonly [string, number])[] = [];
    for (const [topic, partitions] of known) {
      if (partitions instanceof Error) result.set(topic, partitions);
      else readable.push([topic, partitions]);
    }
    const read = (entries: readonly (readonly [string, number])[]) =>
      this.#connected(async () => {
        const stable = entries.filter(([topic]) => options.lastStable?.has(topic) === true);
        const [ends, starts, stables] = await Promise.all([
          this.#listOffsets(entries, ListOffsetTimestamps.LATEST),
          this.#listOffsets(entries, ListOffsetTimestamps.EARLIEST),
          stable.length === 0
            ? new Map<string, number>()
            : this.#listOffsets(stable, ListOffsetTimestamps.LATEST, FetchIsolationLevels.READ_COMMITTED),
        ]);
        return new Map(
          entries.map(([topic, count]) => [
            topic,
            Array.from({ length: count }, (_, partition): PartitionRange => {
              const key = partitionKey(topic, partition);
              const lastStable = stables.get(key);
              return {
                partition,
                logStart: starts.get(key) ?? 0,
                logEnd: ends.get(key) ?? 0,
                ...(lastStable === undefined ? {} : { lastStable }),
              };
            }),
          ]),
        );
      });
    for (const [topic, ranges] of await this.#batchedOrOneByOne(
      readable,
      ([topic]) => topic,
      read,
      "log ranges",
    )) {
      result.set(topic, ranges);
    }
    return result;
  }

  /** One DescribeGroups per coordinator, through the admin client (which decodes the consumer protocol). */
  async describeGroups(groupIds: readonly string[]): Promise<Map<string, GroupDescription | Error>> {
    const read = (ids: readonly string[]) =>
      this.#connected(async () => {
        const groups = await this.#admin.describeGroups({ groups: [...ids] });
        return new Map(
          ids.map((id): [string, GroupDescription] => {
            const group = groups.get(id);
            if (group === undefined) return [id, { state: "Dead", members: [] }];
            const members = [...group.members.values()].map((member) => ({
              clientId: member.clientId,
              topics: [
                ...new Set([...(member.metadata?.topics ?? []), ...(member.assignments?.keys() ?? [])]),
              ],
            }));
            return [id, { state: group.state, members }];
          }),
        );
      });
    return this.#batchedOrOneByOne(groupIds, (id) => id, read, "group descriptions");
  }

  /** One DescribeConfigs for the topics, naming only `cleanup.policy` so the answer stays small. */
  async cleanupPolicies(topics: readonly string[]): Promise<Map<string, string | Error>> {
    const read = (some: readonly string[]) =>
      this.#connected(async () => {
        const described = await this.#admin.describeConfigs({
          resources: some.map((topic) => ({
            resourceType: ConfigResourceTypes.TOPIC,
            resourceName: topic,
            configurationKeys: ["cleanup.policy"],
          })),
        });
        const policies = new Map<string, string>();
        for (const resource of described) {
          const policy = resource.configs.find((config) => config.name === "cleanup.policy")?.value;
          // A broker always states the policy, its default included: absent means the answer is unusable.
          if (policy !== null && policy !== undefined) policies.set(resource.resourceName, policy);
        }
        for (const topic of some)
          if (!policies.has(topic)) throw new Error(`no cleanup.policy was described for ${topic}`);
        return policies;
      });
    return this.#batchedOrOneByOne(topics, (topic) => topic, read, "topic configs");
  }

  async offsetsAt(topic: string, timestamp: number): Promise<Map<number, number>> {
    const count = (await this.#topics([topic], true)).get(topic);
    if (count instanceof Error || count === undefined) throw count ?? new TopicGoneError(topic);
    const entries = [[topic, count]] as const;
    return this.#connected(async () => {
      const [found, ends] = await Promise.all([
        this.#listOffsets(entries, BigInt(timestamp)),
        this.#listOffsets(entries, ListOffsetTimestamps.LATEST),
      ]);
      return new Map(
        Array.from({ length: count }, (_, partition) => {
          const key = partitionKey(topic, partition);
          const offset = found.get(key) ?? -1;
          // -1: no record at or after the timestamp (ListOffsets), so a consumer would start at the end.
          return [partition, offset >= 0 ? offset : (ends.get(key) ?? 0)] as const;
        }),
      );
    });
  }

  async scan(
    requests: readonly ScanRequest[],
    isolation: IsolationLevel,
  ): Promise<Map<string, DeliverableScan>> {
    const scans = new Map<string, DeliverableScan>();
    if (requests.length === 0) return scans;
    const topics = [...new Set(requests.map((request) => request.topic))];
    const metadata = await this.#connected(() => this.#admin.metadata({ topics: [...topics] }));
    const api = await this.#negotiated(fetchApis, "Fetch");
    const byLeader = new Map<number, ScanRequest[]>();
    for (const request of requests) {
      const leader = metadata.topics.get(request.topic)?.partitions[request.partition]?.leader;
      if (leader !== undefined && leader >= 0)
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), request]);
    }
    await Promise.all(
      [...byLeader].map(async ([leader, mine]) => {
        const connection = (await this.#connected(() => this.#admin.connectToBrokers([leader]))).get(leader);
        if (connection === undefined) return;
        for (let start = 0; start < mine.length; start += scanPartitionsPerFetch) {
          const chunk = mine.slice(start, start + scanPartitionsPerFetch);
          for (const [key, scan] of await this.#fetch(api, connection, metadata, chunk, isolation)) {
            scans.set(key, scan);
          }
        }
      }),
    );
    return scans;
  }

  async close(): Promise<void> {
    if (this.#countRequests !== undefined) connectionsApiChannel.start.unsubscribe(this.#countRequests);
    await this.#admin.close();
  }

  /** One sessionless Fetch of `requests` (one leader's partitions); a partition the broker refused is absent. */
  async #fetch(
    api: FetchApi,
    connection: Connection,
    metadata: ClusterMetadata,
    requests: readonly ScanRequest[],
    isolation: IsolationLevel,
  ): Promise<Map<string, DeliverableScan>> {
    const byTopic = new Map<string, ScanRequest[]>();
    for (const request of requests)
      byTopic.set(request.topic, [...(byTopic.get(request.topic) ?? []), request]);
    const namesById = api.version >= 13;
    const topicOf = new Map<string, string>();
    const topics: FetchRequestTopic[] = [...byTopic].map(([topic, mine]) => {
      const id = namesById ? (metadata.topics.get(topic)?.id ?? topic) : topic;
      topicOf.set(id, topic);
      return {
        topicId: id,
        partitions: mine.map((request) => ({
          partition: request.partition,
          currentLeaderEpoch: -1,
          fetchOffset: BigInt(request.from),
          lastFetchedEpoch: -1,
          partitionMaxBytes: scanBytesPerPartition,
        })),
      };
    });
    const level =
      isolation === "read_committed"
        ? FetchIsolationLevels.READ_COMMITTED
        : FetchIsolationLevels.READ_UNCOMMITTED;
    const response: FetchResponse | undefined = await api
      .async(
        connection,
        0,
        1,
        scanBytesPerPartition * requests.length,
        level,
        0,
        sessionlessEpoch,
        topics,
        [],
        "",
      )
      .catch((error: unknown) => {
        // Partition errors (a log start moved past `from`) come with the rest of the response: keep the rest.
        if (error instanceof ResponseError) return error.response as FetchResponse | undefined;
        throw error;
      });
    const asked = new Map(
      requests.map((request) => [partitionKey(request.topic, request.partition), request]),
    );
    const scans = new Map<string, DeliverableScan>();
    for (const fetched of response?.responses ?? []) {
      const topic = topicOf.get(fetched.topicId) ?? fetched.topicId;
      for (const partition of fetched.partitions) {
        const key = partitionKey(topic, partition.partitionIndex);
        const request = asked.get(key);
        if (request !== undefined && partition.errorCode === 0)
          scans.set(key, deliverableIn(request, partition, isolation));
      }
    }
    return scans;
  }

  /** The newest of `candidates` (one API, newest first) the brokers speak. */
  async #negotiated<Api extends { key: number; version: number }>(
    candidates: readonly Api[],
    what: string,
  ): Promise<Api> {
    this.#apiVersions ??= this.#connected(() => this.#admin.listApis());
    this.#apiVersions.catch(() => {
      this.#apiVersions = undefined;
    });
    const range = (await this.#apiVersions).find((entry) => entry.apiKey === candidates[0]?.key);
    const api = candidates.find(
      (candidate) =>
        range !== undefined && candidate.version <= range.maxVersion && candidate.version >= range.minVersion,
    );
    if (api === undefined)
      throw new Error(`the brokers speak none of the ${what} versions this client knows`);
    return api;
  }

  /**
   * ListOffsets of every partition of `entries` (topic, partition count) at one timestamp, keyed `topic:partition`:
   * one request per leader, sent here rather than through the admin client's `listOffsets`, whose request and
   * response assembly search a list per partition (half a second of CPU a poll at 5,000 topics) and which refreshes
   * the metadata of every topic on each call.
   * @throws the error of any partition (the caller then reads topic by topic)
   */
  async #listOffsets(
    entries: readonly (readonly [string, number])[],
    timestamp: bigint,
    isolation: number = FetchIsolationLevels.READ_UNCOMMITTED,
  ): Promise<Map<string, number>> {
    const api = await this.#negotiated(listOffsetsApis, "ListOffsets");
    const metadata = await this.#admin.metadata({ topics: entries.map(([topic]) => topic) });
    const byLeader = new Map<number, ListOffsetsTopic[]>();
    for (const [name, count] of entries) {
      const partitions = metadata.topics.get(name)?.partitions ?? [];
      const mine = new Map<number, ListOffsetsTopic>();
      for (let partitionIndex = 0; partitionIndex < count; partitionIndex++) {
        const leader = partitions[partitionIndex]?.leader ?? -1;
        if (leader < 0) throw new Error(`partition ${name}:${partitionIndex} has no leader`);
        let topic = mine.get(leader);
        if (topic === undefined) {
          topic = { name, partitions: [] };
          mine.set(leader, topic);
          byLeader.set(leader, [...(byLeader.get(leader) ?? []), topic]);
        }
        topic.partitions.push({
          partitionIndex,
          currentLeaderEpoch: partitions[partitionIndex]?.leaderEpoch ?? -1,
          timestamp,
        });
      }
    }
    const offsets = new Map<string, number>();
    await Promise.all(
      [...byLeader].map(async ([leader, topics]) => {
        const connection = (await this.#admin.connectToBrokers([leader])).get(leader);
        if (connection === undefined) throw new Error(`broker ${leader} is not in the cluster's metadata`);
        // Replica id -1: a consumer's request. read_uncommitted: the latest offset is the high watermark, which
        // lag counts from; read_committed: the last stable offset.
        const response = await api.async(connection, -1, isolation, topics);
        for (const topic of response.topics) {
          for (const p of topic.partitions)
            offsets.set(partitionKey(topic.name, p.partitionIndex), Number(p.offset));
        }
      }),
    );
    return offsets;
  }

  /**
   * The partition count of each topic, from one Metadata request; a topic that does not exist is a
   * `TopicGoneError`. The library fails the whole request for one unknown topic: then the topic list says which.
   */
  async #topics(topics: readonly string[], fresh: boolean): Promise<Map<string, number | Error>> {
    const counts = (metadata: ClusterMetadata, asked: readonly string[]) =>
      new Map(
        asked.map((topic) => [
          topic,
          metadata.topics.get(topic)?.partitionsCount ?? (new TopicGoneError(topic) as number | Error),
        ]),
      );
    try {
      return counts(
        await this.#connected(() => this.#admin.metadata({ topics: [...topics], forceUpdate: fresh })),
        topics,
      );
    } catch (error) {
      if (error instanceof KafkaConnectionError) throw error;
      const present = new Set(await this.listTopics());
      const result = new Map<string, number | Error>();
      for (const topic of topics) if (!present.has(topic)) result.set(topic, new TopicGoneError(topic));
      const rest = topics.filter((topic) => present.has(topic));
      if (rest.length === 0) return result;
      const read = (some: readonly string[]) =>
        this.#connected(async () =>
          counts(await this.#admin.metadata({ topics: [...some], forceUpdate: true }), some),
        );
      for (const [topic, count] of await this.#batchedOrOneByOne(
        rest,
        (topic) => topic,
        read,
        "topic metadata",
      )) {
        result.set(topic, count);
      }
      return result;
    }
  }

  /**
   * Reads every item in one batched call; if that fails other than on the connection, reads each item alone, so
   * that the item the brokers refused gets the error and the others their answers.
   */
  async #batchedOrOneByOne<Item, Value>(
    items: readonly Item[],
    keyOf: (item: Item) => string,
    read: (items: readonly Item[]) => Promise<Map<string, Value>>,
    what: string,
  ): Promise<Map<string, Value | Error>> {
    const result = new Map<string, Value | Error>();
    if (items.length === 0) return result;
    const readAlone = async (item: Item) => {
      try {
        for (const [key, value] of await read([item])) result.set(key, value);
      } catch (error) {
        if (error instanceof KafkaConnectionError) throw error;
        result.set(keyOf(item), asError(error));
      }
    };
    try {
      return await read(items);
    } catch (error) {
      if (error instanceof KafkaConnectionError) throw error;
      if (items.length === 1) return new Map([[keyOf(items[0] as Item), asError(error)]]);
      this.#options.logger?.warn(
        { err: error, items: items.length },
        `Kafka ${what}: the batched read failed, reading one at a time`,
      );
      let next = 0;
      const lane = async () => {
        for (let i = next++; i < items.length; i = next++) await readAlone(items[i] as Item);
      };
      await Promise.all(Array.from({ length: Math.min(fallbackConcurrency, items.length) }, lane));
      return result;
    }
  }

  /** Runs a read; a failure to open a session says which: credentials, certificate, or no broker answering. */
  async #connected<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw asKafkaConnectionError(error, this.#options.connection);
    }
  }
}

/**
 * What a consumer with this isolation level receives in [from, to) out of one partition's fetched batches, by the
 * Java consumer's rule (`CompletedFetch.nextFetchedRecord`): under read_committed a transactional batch of a
 * producer with an aborted transaction starting at or before it is skipped until that producer's abort marker;
 * control batches (transaction markers) are never delivered.
 */
function deliverableIn(
  { from, to }: ScanRequest,
  fetched: FetchedPartition,
  isolation: IsolationLevel,
): DeliverableScan {
  const aborted = [...(fetched.abortedTransactions ?? [])].sort((a, b) =>
    a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0,
  );
  const abortedProducers = new Set<bigint>();
  let deliverable = 0;
  let first: { offset: number; timestamp: number } | undefined;
  let batchesEnd = from;
  for (const batch of fetched.records ?? []) {
    const firstOffset = Number(batch.firstOffset);
    const lastOffset = firstOffset + batch.lastOffsetDelta;
    batchesEnd = Math.max(batchesEnd, lastOffset + 1);
    const control = (batch.attributes & IS_CONTROL) !== 0;
    if (isolation === "read_committed" && (batch.attributes & IS_TRANSACTIONAL) !== 0) {
      while (aborted[0] !== undefined && Number(aborted[0].firstOffset) <= lastOffset) {
        abortedProducers.add((aborted.shift() as (typeof aborted)[number]).producerId);
      }
      // A control record's key is its version (int16) then its type (int16): 0 abort, 1 commit.
      if (control && batch.records[0]?.key?.readInt16BE(2) === 0) {
        abortedProducers.delete(batch.producerId);
        continue;
      }
      if (abortedProducers.has(batch.producerId)) continue;
    }
    if (control) continue;
    // Timestamp type bit: log-append time gives every record the batch's max timestamp.
    const logAppendTime = (batch.attributes & 0x08) !== 0;
    for (const record of batch.records) {
      const offset = firstOffset + record.offsetDelta;
      if (offset < from || offset >= to) continue;
      deliverable++;
      first ??= {
        offset,
        timestamp: Number(logAppendTime ? batch.maxTimestamp : batch.firstTimestamp + record.timestampDelta),
      };
    }
  }
  return {
    from,
    scannedTo: Math.min(to, batchesEnd),
    deliverable,
    ...(first === undefined ? {} : { first }),
  };
}

/**
 * Turns a failure to open a session (the library's authentication and network errors, possibly inside its retry
 * errors) into a {@link KafkaConnectionError}; anything else is returned as it was.
 */
function asKafkaConnectionError(error: unknown, connection: KafkaConnection): unknown {
  if (error instanceof KafkaConnectionError) return error;
  const seen = new Set<unknown>();
  const all: Error[] = [];
  const visit = (value: unknown) => {
    if (!(value instanceof Error) || seen.has(value)) return;
    seen.add(value);
    all.push(value);
    visit(value.cause);
    const nested = (value as { errors?: unknown }).errors;
    if (Array.isArray(nested)) for (const inner of nested) visit(inner);
  };
  visit(error);
  const authentication = all.find(
    (e) =>
      e instanceof AuthenticationError ||
      (e as { apiId?: unknown }).apiId === "SASL_AUTHENTICATION_FAILED" ||
      (e as { apiId?: unknown }).apiId === "ILLEGAL_SASL_STATE",
  );
  if (authentication !== undefined) {
    return new KafkaConnectionError("KAFKA_AUTH_FAILED", connection, deepestMessage(authentication));
  }
  const untrusted = all.find((e) => isUntrustedCertificate((e as { code?: string }).code));
  if (untrusted !== undefined)
    return new KafkaConnectionError("KAFKA_TLS_UNTRUSTED", connection, untrusted.message);
  const network = all.find((e) => e instanceof NetworkError || e instanceof TimeoutError);
  if (network !== undefined) {
    return new KafkaConnectionError("KAFKA_UNREACHABLE", connection, deepestMessage(network));
  }
  return error;
}

/** The innermost cause's message: the library's own wrapper says less ("Connection failed"). */
function deepestMessage(error: Error): string {
  let current: Error = error;
  while (current.cause instanceof Error) current = current.cause;
  return current === error ? error.message : `${error.message}: ${current.message}`;
}
