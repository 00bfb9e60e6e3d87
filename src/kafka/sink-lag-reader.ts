import type { Logger } from "pino";
import type {
  LagReadOptions,
  LagReads,
  PartitionLag,
  SinkLag,
  SinkSpec,
  TopicSource,
  UnreadTopic,
} from "../core/ports.js";
import {
  type SinkConsumerSettings,
  sinkConsumerSettings,
  sinkGroupId,
  sinkPosition,
  type WorkerConsumerDefaults,
} from "../core/sink-consumer.js";
import type { KafkaConnection } from "./kafka-connection.js";
import {
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

/**
 * The topics a sink's `topics` list names, or undefined for a sink that selects them with `topics.regex` (Connect
 * refuses a config with both): those are learned from its consumer group (see {@link TopicSource}).
 */
export function listedTopics(config: Readonly<Record<string, string>>): string[] | undefined {
  const listed = config.topics;
  if (listed !== undefined && listed.trim() !== "") {
    return listed
      .split(",")
      .map((topic) => topic.trim())
      .filter((topic) => topic !== "");
  }
  const regex = config["topics.regex"];
  return regex === undefined || regex.trim() === "" ? [] : undefined;
}

/**
 * Whether a group member is one of this sink's task consumers: Connect names them `connector-consumer-<name>-<task>`
 * (`WorkerSinkTask`), unless the connector overrides `client.id`. Another sink may share the group.
 */
function isTaskOf(name: string, config: Readonly<Record<string, string>>, clientId: string): boolean {
  const overridden = config["consumer.override.client.id"];
  return overridden === undefined
    ? clientId.startsWith(`connector-consumer-${name}-`)
    : clientId === overridden;
}

/** The brokers and their security settings, and how this reader's client behaves. */
export interface SinkLagReaderOptions extends KafkaConnection {
  readonly clientId?: string;
  readonly requestTimeoutMs?: number;
  /** Called for every request sent to Kafka, with its API name (benchmarks count them). */
  readonly onRequest?: (apiName: string) => void;
  /** The worker's consumer defaults, when the cluster's config states them. */
  readonly workerDefaults?: WorkerConsumerDefaults;
  /** Where topics that cannot be read, and recoveries, are logged. */
  readonly logger?: Logger;
  /** Milliseconds now, for how long a topic's cleanup policy is trusted. @defaultValue Date.now */
  readonly clock?: () => number;
  /** The Kafka calls; by default the `@platformatic/kafka` adapter on `brokers`. */
  readonly kafka?: KafkaOffsets;
}

/**
 * A lag this small may be nothing but control records: transaction markers take offsets but are never delivered.
 * Each transaction leaves one per partition, so a few hundred covers many transactions in a row.
 */
const smallLag = 500;
const cacheLimit = 50_000;
/** Fetches per compacted partition and pass, at most: enough for a compacted log's few segments. */
const compactedScanRounds = 4;
/** A topic's cleanup policy is read again after this long (ms): it rarely changes, and a poll comes every 30 s. */
const policyTtlMs = 10 * 60_000;

/**
 * Reads sink-connector lag straight from Kafka: the group's committed offsets, the partitions' log start and end,
 * and, where it matters, the first records the sink would receive. Reading Kafka rather than Connect's
 * `GET /offsets` keeps lag polling off the worker's REST threads, still works while the worker is unreachable,
 * and gives log-start offsets (retention) that Connect does not report.
 *
 * Lag counts records the sink can receive: transaction markers at the end of the range are not lag, a partition
 * with no commit starts where `auto.offset.reset` says (`sink-consumer.ts`), and a deleted topic is reported as
 * gone for the sinks that read it while their other topics, and other sinks, are read as usual.
 */
export class SinkLagReader implements LagReads {
  readonly #kafka: KafkaOffsets;
  readonly #workerDefaults: WorkerConsumerDefaults;
  readonly #logger: Logger | undefined;
  /** First deliverable record at an offset: records never change, so an answer holds until retention removes it. */
  readonly #firsts = new Map<string, { offset: number; timestamp: number }>();
  /** Small-lag scans by position and log end. */
  readonly #settled = new Map<string, DeliverableScan>();
  /** Each group's partition position and log end at the previous read. */
  readonly #previous = new Map<string, string>();
  /** Topics that could not be read at the previous pass, with why: logged when that changes. */
  #unreadable = new Map<string, string>();
  /** Sinks whose topics were not known at the previous pass, with why: logged when that changes. */
  #unknownTopics = new Map<string, string>();
  /** Whether each topic is compacted, and when that was read (ms). */
  readonly #compacted = new Map<string, { compacted: boolean; at: number }>();
  readonly #clock: () => number;

  constructor(options: SinkLagReaderOptions) {
    this.#kafka = options.kafka ?? createKafkaOffsets(options);
    this.#workerDefaults = options.workerDefaults ?? {};
    this.#logger = options.logger;
    this.#clock = options.clock ?? Date.now;
  }

  /** The consumer settings this sink runs with, by the shared rule (`sinkConsumerSettings`). */
  settingsOf(config: Readonly<Record<string, string>>): SinkConsumerSettings {
    return sinkConsumerSettings(config, this.#workerDefaults);
  }

  /**
   * One sink's lag, every small lag checked for control records, the ten most lagging partitions timed.
   * @throws the error that kept its group from being read
   */
  async lag(connectorName: string, config: Readonly<Record<string, string>>): Promise<SinkLag> {
    const result = (
      await this.lagOfSinks([{ name: connectorName, config }], { settle: "all", timed: 10 })
    ).get(connectorName);
    if (result === undefined) throw new Error(`No lag was read for ${connectorName}`);
    if (result instanceof Error) throw result;
    return result;
  }

  /**
   * Lag of many sinks in one pass: the topic list once, every group's committed offsets, then each topic's log
   * start and end once, however many sinks read it. A topic that cannot be read is left out of the sinks that
   * read it (listed in `unread`); a group that cannot be read gives its sink the error. Neither hides the others.
   */
  async lagOfSinks(
    sinks: readonly SinkSpec[],
    options: LagReadOptions = {},
  ): Promise<Map<string, SinkLag | Error>> {
    const allTopics = await this.#kafka.listTopics();
    const present = new Set(allTopics);
    const specs = sinks.map((sink) => ({
      ...sink,
      groupId: sinkGroupId(sink.name, sink.config),
      listed: listedTopics(sink.config),
    }));

    // A regex sink's topics are what its own consumers matched: the group's members first (one DescribeGroups
    // for every such group), its commits when no task of it is consuming.
    const regexGroups = [...new Set(specs.filter((s) => s.listed === undefined).map((s) => s.groupId))];
    const described = regexGroups.length === 0 ? new Map() : await this.#kafka.describeGroups(regexGroups);

    // Committed offsets first, log ends second: read the other way round, a commit that lands in between
    // could make lag look negative. Each is one call for the whole poll, however many sinks and topics.
    const topicsOfGroup = new Map<string, Set<string> | "all">();
    for (const spec of specs) {
      const topics = topicsOfGroup.get(spec.groupId) ?? new Set<string>();
      if (spec.listed === undefined || topics === "all") topicsOfGroup.set(spec.groupId, "all");
      else {
        for (const topic of spec.listed) if (present.has(topic)) topics.add(topic);
        topicsOfGroup.set(spec.groupId, topics);
      }
    }
    const committed = await this.#kafka.committedOffsets(
      new Map(
        [...topicsOfGroup].map(([groupId, topics]) => [groupId, topics === "all" ? "all" : [...topics]]),
      ),
    );

    const reads = specs.map((spec): SinkRead => {
      const settings = this.settingsOf(spec.config);
      const base = { name: spec.name, groupId: spec.groupId, settings };
      if (spec.listed !== undefined) {
        return {
          ...base,
          topicsFrom: "config",
          topics: spec.listed.filter((topic) => present.has(topic)),
          gone: spec.listed.filter((topic) => !present.has(topic)),
        };
      }
      const found = regexTopics(spec, described.get(spec.groupId), committed.get(spec.groupId));
      return {
        ...base,
        ...found,
        // A regex sink does not read a deleted topic: it stops matching, so it is not reported gone.
        topics: found.topics.filter((topic) => present.has(topic)),
        gone: [],
      };
    });
    this.#noteUnknownTopics(reads);

    const topics = [...new Set(reads.flatMap((read) => read.topics))];
    const stableOf = new Set(
      reads.flatMap((read) => (read.settings.isolationLevel === "read_committed" ? read.topics : [])),
    );
    const [rangeOf, compacted] = await Promise.all([
      this.#kafka.logRanges(topics, { lastStable: stableOf }),
      this.#compactedTopics(topics),
    ]);
    this.#noteUnreadable(reads, rangeOf);

    const results = new Map<string, SinkLag | Error>();
    const positions: Position[] = [];
    for (const read of reads) {
      const groupOffsets = committed.get(read.groupId);
      if (groupOffsets instanceof Error || groupOffsets === undefined) {
        results.set(read.name, groupOffsets ?? new Error(`No committed offsets read for ${read.groupId}`));
        continue;
      }
      const unread: UnreadTopic[] = read.gone.map((topic) => ({
        topic,
        gone: true,
        reason: "topic deleted",
      }));
      for (const topic of read.topics) {
        const range = rangeOf.get(topic);
        if (range instanceof Error || range === undefined) {
          unread.push({
            topic,
            gone: range instanceof TopicGoneError,
            reason: range instanceof TopicGoneError ? "topic deleted" : (range?.message ?? "not read"),
          });
          continue;
        }
        for (const { partition, logStart, logEnd, lastStable } of range) {
          const offset = groupOffsets.get(partitionKey(topic, partition)) ?? null;
          const next = sinkPosition(read.settings, offset, logStart, logEnd);
          const readable =
            read.settings.isolationLevel === "read_committed" && lastStable !== undefined
              ? Math.min(logEnd, lastStable)
              : logEnd;
          positions.push({
            sink: read.name,
            groupId: read.groupId,
            isolation: read.settings.isolationLevel,
            topic,
            partition,
            committed: offset,
            logStart,
            logEnd,
            next,
            readable,
            compacted: compacted.has(topic),
          });
        }
      }
      results.set(read.name, {
        groupId: read.groupId,
        settings: read.settings,
        topicsFrom: read.topicsFrom,
        ...(read.why === undefined ? {} : { topicsUnknown: read.why }),
        partitions: [],
        total: 0,
        lost: 0,
        unread,
      });
    }

    // Grouped once: filtering every position per sink grows with sinks × partitions (25 M steps at 5,000 sinks).
    const lagsOf = new Map<string, PartitionLag[]>();
    for (const { sink, ...lag } of await this.#measure(positions, options)) {
      const mine = lagsOf.get(sink);
      if (mine === undefined) lagsOf.set(sink, [lag]);
      else mine.push(lag);
    }
    for (const [name, result] of results) {
      if (result instanceof Error) continue;
      const partitions = (lagsOf.get(name) ?? []).sort(
        (a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition,
      );
      results.set(name, {
        ...result,
        partitions,
        total: partitions.reduce((sum, p) => sum + p.lag, 0),
        lost: partitions.reduce((sum, p) => sum + p.lost, 0),
      });
    }
    return results;
  }

  /** Per partition, the first offset whose message is at or after `timestamp` (the log end if there is none). */
  async offsetsAt(topic: string, timestamp: Date): Promise<Map<number, number>> {
    return this.#kafka.offsetsAt(topic, timestamp.getTime());
  }

  /** Whether a broker answers: one Metadata request for the cluster (readiness), or the error. */
  async ping(): Promise<void> {
    await this.#kafka.listTopics();
  }

  async close(): Promise<void> {
    await this.#kafka.close();
  }

  /**
   * Lag per position. Small lags that may be only control records get a scan (see `LagReadOptions.settle`), and
   * the most lagging partitions a scan for the timestamp of their first deliverable record.
   */
  async #measure(
    positions: readonly Position[],
    options: LagReadOptions,
  ): Promise<(PartitionLag & { sink: string })[]> {
    const settle = options.settle ?? "unchanged";
    const toSettle = positions.filter((p) => {
      const naive = p.readable - p.next;
      if (naive <= 0) return false;
      // Offsets are not records on a compacted topic, and compaction changes what is there: counted every pass.
      if (p.compacted) return true;
      if (naive > smallLag || this.#settled.has(settledKey(p))) return false;
      // First sight counts too: the first read of a process must be as right as the later ones.
      const previous = this.#previous.get(previousKey(p));
      return settle === "all" || previous === undefined || previous === `${p.next}:${p.readable}`;
    });
    for (const p of positions) this.#previous.set(previousKey(p), `${p.next}:${p.readable}`);
    await this.#scan(toSettle, (p, scan) => this.#settled.set(settledKey(p), scan));
    await this.#countOn(toSettle.filter((p) => p.compacted));

    const measured = positions.map((p) => {
      const scan = this.#settled.get(settledKey(p));
      const first = scan?.first ?? this.#firsts.get(firstKey(p));
      // Past the scan: records as they are on a plain topic (only the scanned stretch is known to hold control
      // records), offsets not counted on a compacted one.
      const rest = Math.max(0, p.readable - (scan?.scannedTo ?? p.next));
      const lag = (scan?.deliverable ?? 0) + (p.compacted ? 0 : rest);
      return {
        sink: p.sink,
        topic: p.topic,
        partition: p.partition,
        committed: p.committed,
        logStart: p.logStart,
        logEnd: p.logEnd,
        next: p.next,
        lag,
        compacted: p.compacted,
        uncounted: p.compacted ? rest : 0,
        held: Math.max(0, p.logEnd - Math.max(p.next, p.readable)),
        lost: p.committed !== null && p.committed < p.logStart ? p.next - p.committed : 0,
        ...(first !== undefined && lag > 0 ? { oldestUnreadAt: first.timestamp } : {}),
      };
    });

    const untimed = measured
      .filter((p) => p.lag > 0 && p.oldestUnreadAt === undefined)
      .sort((a, b) => b.lag - a.lag)
      .slice(0, options.timed ?? 20);
    const byKey = new Map(positions.map((p) => [`${p.sink}|${p.topic}:${p.partition}`, p]));
    const timing = untimed.flatMap((p) => byKey.get(`${p.sink}|${p.topic}:${p.partition}`) ?? []);
    await this.#scan(timing, () => undefined);
    return measured.map((p) => {
      if (p.lag === 0 || p.oldestUnreadAt !== undefined) return p;
      const position = byKey.get(`${p.sink}|${p.topic}:${p.partition}`);
      const first = position === undefined ? undefined : this.#firsts.get(firstKey(position));
      return first === undefined ? p : { ...p, oldestUnreadAt: first.timestamp };
    });
  }

  /**
   * Carries the scans of compacted partitions on past the first fetch: a broker answers a fetch from one log
   * segment, and a compacted log is a few cleaned segments and the active one. A few more small fetches, each
   * batched per broker, then count every record to the end where the log is small, as after compaction.
   */
  async #countOn(compacted: readonly Position[]): Promise<void> {
    let open = compacted;
    for (let round = 1; round < compactedScanRounds && open.length > 0; round++) {
      const going = open.flatMap((p) => {
        const scan = this.#settled.get(settledKey(p));
        return scan !== undefined && scan.scannedTo > scan.from && scan.scannedTo < p.readable
          ? [{ p, scan, from: { ...p, next: scan.scannedTo } }]
          : [];
      });
      const carried: Position[] = [];
      await this.#scan(
        going.map((g) => g.from),
        (from, more) => {
          const at = going.find((g) => g.from === from);
          if (at === undefined) return;
          const first = at.scan.first ?? more.first;
          this.#settled.set(settledKey(at.p), {
            from: at.scan.from,
            scannedTo: more.scannedTo,
            deliverable: at.scan.deliverable + more.deliverable,
            ...(first === undefined ? {} : { first }),
          });
          carried.push(at.p);
        },
      );
      open = carried;
    }
  }

  /** Scans from each position's next offset, per isolation level; failures leave positions unscanned. */
  async #scan(
    positions: readonly Position[],
    found: (p: Position, scan: DeliverableScan) => void,
  ): Promise<void> {
    if (positions.length === 0) return;
    trim(this.#settled);
    trim(this.#firsts);
    trim(this.#previous);
    for (const isolation of ["read_uncommitted", "read_committed"] as const) {
      const mine = positions.filter((p) => p.isolation === isolation);
      if (mine.length === 0) continue;
      const requests = [
        ...new Map(
          mine.map((p) => [
            firstKey(p),
            { topic: p.topic, partition: p.partition, from: p.next, to: p.readable },
          ]),
        ).values(),
      ];
      // Sinks at different offsets of one partition: a fetch names each partition once, so one round each.
      const rounds: { requests: ScanRequest[]; partitions: Set<string> }[] = [];
      for (const request of requests) {
        const key = partitionKey(request.topic, request.partition);
        const round = rounds.find((r) => !r.partitions.has(key));
        if (round === undefined) rounds.push({ requests: [request], partitions: new Set([key]) });
        else {
          round.requests.push(request);
          round.partitions.add(key);
        }
      }
      const scans = new Map<string, DeliverableScan>();
      for (const round of rounds) {
        const fetched = await this.#kafka.scan(round.requests, isolation).catch((error: unknown) => {
          this.#logger?.warn(
            { err: error },
            "Kafka records could not be read to look for transaction markers",
          );
          return new Map<string, DeliverableScan>();
        });
        for (const [key, scan] of fetched) scans.set(`${isolation}|${key}@${scan.from}`, scan);
      }
      for (const p of mine) {
        const scan = scans.get(firstKey(p));
        if (scan === undefined) continue;
        if (scan.first !== undefined) this.#firsts.set(firstKey(p), scan.first);
        found(p, scan);
      }
    }
  }

  /**
   * The topics among `topics` whose cleanup policy includes `compact` (DescribeConfigs, one request for the topics
   * not read in the last 10 minutes). A topic whose policy could not be read is taken as not compacted, and logged.
   */
  async #compactedTopics(topics: readonly string[]): Promise<Set<string>> {
    const now = this.#clock();
    const stale = topics.filter((topic) => {
      const known = this.#compacted.get(topic);
      return known === undefined || now - known.at >= policyTtlMs;
    });
    if (stale.length > 0) {
      trim(this.#compacted);
      const policies = await this.#kafka.cleanupPolicies(stale).catch((error: unknown) => {
        this.#logger?.warn(
          { err: error },
          "topic cleanup policies could not be read; counted as not compacted",
        );
        return new Map<string, string | Error>();
      });
      for (const [topic, policy] of policies) {
        if (policy instanceof Error) {
          this.#logger?.warn({ topic, err: policy }, "a topic's cleanup policy could not be read");
          continue;
        }
        const compacted = policy.split(",").some((word) => word.trim() === "compact");
        this.#compacted.set(topic, { compacted, at: now });
      }
    }
    return new Set(topics.filter((topic) => this.#compacted.get(topic)?.compacted === true));
  }

  /**
   * Logs each sink whose topics turned unknown, with why, and each whose topics are known again: once per change.
   * A pass over some sinks (`lag <one>`) says nothing of the others, so what was logged of them is kept.
   */
  #noteUnknownTopics(reads: readonly SinkRead[]): void {
    const read = new Set(reads.map(({ name }) => name));
    const now = new Map([...this.#unknownTopics].filter(([sink]) => !read.has(sink)));
    for (const { name, why } of reads) if (why !== undefined) now.set(name, why);
    for (const [sink, reason] of now) {
      if (this.#unknownTopics.get(sink) !== reason)
        this.#logger?.warn(
          { sink, reason },
          "the topics of a sink are not known, so its lag is not read; other sinks are still watched",
        );
    }
    for (const sink of this.#unknownTopics.keys()) {
      if (!now.has(sink)) this.#logger?.info({ sink }, "the topics of a sink are known again");
    }
    this.#unknownTopics = now;
  }

  /**
   * Logs each topic that turned unreadable, and each that reads again: once per change, not once per poll. A
   * pass that did not look at a topic (`lag <one>` of a sink that does not read it) keeps what was logged of it.
   */
  #noteUnreadable(
    reads: readonly { name: string; topics: readonly string[]; gone: readonly string[] }[],
    rangeOf: ReadonlyMap<string, readonly PartitionRange[] | Error>,
  ): void {
    const looked = new Set([...rangeOf.keys(), ...reads.flatMap((read) => read.gone)]);
    const now = new Map([...this.#unreadable].filter(([topic]) => !looked.has(topic)));
    for (const read of reads) for (const topic of read.gone) now.set(topic, "topic deleted");
    for (const [topic, range] of rangeOf) {
      if (range instanceof Error)
        now.set(topic, range instanceof TopicGoneError ? "topic deleted" : range.message);
    }
    for (const [topic, reason] of now) {
      if (this.#unreadable.get(topic) === reason) continue;
      const sinks = reads.filter((read) => read.topics.includes(topic) || read.gone.includes(topic));
      this.#logger?.warn(
        { topic, reason, sinks: sinks.map((read) => read.name) },
        "lag of a topic could not be read; the sinks' other topics are still watched",
      );
    }
    for (const topic of this.#unreadable.keys()) {
      if (!now.has(topic)) this.#logger?.info({ topic }, "lag of a topic is read again");
    }
    this.#unreadable = now;
  }
}

/** One sink of a pass, with the topics it reads and how they were learned. */
interface SinkRead {
  readonly name: string;
  readonly groupId: string;
  readonly settings: SinkConsumerSettings;
  readonly topicsFrom: TopicSource;
  readonly topics: readonly string[];
  readonly gone: readonly string[];
  /** Why the topics are not known, when they are not. */
  readonly why?: string;
}

/**
 * A regex sink's topics, from what its own consumers matched (see {@link TopicSource}): its tasks' subscriptions
 * and assignments, else its group's commits, else not known, with why.
 */
function regexTopics(
  sink: {
    readonly name: string;
    readonly config: Readonly<Record<string, string>>;
    readonly groupId: string;
  },
  group: GroupDescription | Error | undefined,
  commits: CommittedOffsets | Error | undefined,
): Pick<SinkRead, "topicsFrom" | "topics" | "why"> {
  const tasks =
    group === undefined || group instanceof Error
      ? []
      : group.members.filter((member) => isTaskOf(sink.name, sink.config, member.clientId));
  const subscribed = [...new Set(tasks.flatMap((member) => member.topics))].sort();
  if (subscribed.length > 0) return { topicsFrom: "group", topics: subscribed };
  const committed =
    commits instanceof Map
      ? [...new Set([...commits.keys()].map((key) => key.slice(0, key.lastIndexOf(":"))))].sort()
      : [];
  if (committed.length > 0) return { topicsFrom: "commits", topics: committed };
  const why =
    group instanceof Error
      ? `its consumer group ${sink.groupId} could not be described (${group.message}), and it has no committed offsets`
      : tasks.length > 0
        ? `its tasks are in consumer group ${sink.groupId} but subscribe to no topic yet (topics.regex matches none, or they are still joining)`
        : `topics.regex is matched by the sink's own consumers (Java's regex), and none of its tasks is in consumer group ${sink.groupId} and the group has no committed offsets (stopped, or never ran)`;
  return { topicsFrom: "unknown", topics: [], why };
}

interface Position {
  readonly sink: string;
  readonly groupId: string;
  readonly isolation: IsolationLevel;
  readonly topic: string;
  readonly partition: number;
  readonly committed: number | null;
  readonly logStart: number;
  readonly logEnd: number;
  readonly next: number;
  /** Where the sink can read up to now: the log end, or a read_committed sink's last stable offset. */
  readonly readable: number;
  readonly compacted: boolean;
}

const firstKey = (p: Position) => `${p.isolation}|${p.topic}:${p.partition}@${p.next}`;
const settledKey = (p: Position) => `${firstKey(p)}-${p.readable}`;
const previousKey = (p: Position) => `${p.groupId}|${p.topic}:${p.partition}`;

function trim(cache: Map<string, unknown>): void {
  if (cache.size > cacheLimit) cache.clear();
}

/**
 * The `@platformatic/kafka` adapter on the reader's brokers, loaded at its first call: the library (with the
 * registries and validators it loads whole) is the largest module a start would load, and a bot that watches no
 * sink, or has not polled yet, never needs it (issue 28).
 */
function createKafkaOffsets(options: SinkLagReaderOptions): KafkaOffsets {
  let loaded: Promise<KafkaOffsets> | undefined;
  const adapter = () =>
    (loaded ??= import("./platformatic-offsets.js").then(
      ({ PlatformaticOffsets }) =>
        new PlatformaticOffsets({
          connection: {
            brokers: options.brokers,
            ...(options.security ? { security: options.security } : {}),
          },
          ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
          ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
          ...(options.onRequest === undefined ? {} : { onRequest: options.onRequest }),
          ...(options.logger === undefined ? {} : { logger: options.logger }),
        }),
    ));
  return {
    listTopics: async () => (await adapter()).listTopics(),
    committedOffsets: async (groups) => (await adapter()).committedOffsets(groups),
    logRanges: async (topics, rangeOptions) => (await adapter()).logRanges(topics, rangeOptions),
    describeGroups: async (groupIds) => (await adapter()).describeGroups(groupIds),
    cleanupPolicies: async (topics) => (await adapter()).cleanupPolicies(topics),
    offsetsAt: async (topic, timestamp) => (await adapter()).offsetsAt(topic, timestamp),
    scan: async (requests, isolation) => (await adapter()).scan(requests, isolation),
    close: async () => {
      if (loaded !== undefined) await (await loaded).close();
    },
  };
}
