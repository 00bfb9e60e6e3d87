import type { ConnectorState } from "./connect-vocabulary.js";

/**
 * What commands may do with alerts (src/alerts' `Alerts` implements it), and the alert vocabulary they read: an
 * alert, a snooze, a silence, and the samples the polls keep of each connector. Times are ms since the epoch,
 * durations ms. Every method reads or writes the alert store only: it fails only as that store fails.
 */

/** Who acted: the adapter's id of the person, and their name as shown. */
export interface Person {
  readonly id: string;
  readonly name: string;
}

/** One alert, firing or resolved, as a command shows it. */
export interface AlertView {
  /** `<cluster>/<connector>/<rule>`. */
  readonly key: string;
  readonly cluster: string;
  /** `*` for the cluster's own alert (Connect unreachable, polls stopped). */
  readonly connector: string;
  /** The id of the rule that fired it, a key of src/alerts' rule table (`ruleName` gives its words). */
  readonly rule: string;
  readonly summary: string;
  readonly details: readonly string[];
  /** The rule's figure when it fired (records of lag, minutes behind…). */
  readonly value: number;
  readonly firedAt: number;
  readonly resolvedAt?: number | undefined;
  readonly acknowledgedBy?: Person | undefined;
  readonly snoozedUntil?: number | undefined;
}

/** A connector's alerts held back until `until`. */
export interface Snooze {
  readonly until: number;
  readonly by: Person;
}

/** Alerts of connectors matching `pattern` on `cluster`, held back until `until`. */
export interface Silence {
  readonly id: string;
  /** A glob over connector names (`orders-*`). */
  readonly pattern: string;
  readonly cluster: string;
  readonly until: number;
  readonly reason: string;
  readonly by: Person;
}

export interface PartitionSample {
  topic: string;
  partition: number;
  committed: number | null;
  logStart: number;
  logEnd: number;
  /**
   * Records the sink will still receive (see SinkLagReader: control records at the end and the start rule taken
   * into account); samples stored before it existed count log end − committed.
   */
  lag?: number | undefined;
  /**
   * Compacted topics: offsets past the records counted in `lag`. The rules never page on them: offsets are not
   * messages there.
   */
  uncounted?: number | undefined;
  /** read_committed sinks: offsets behind a transaction still open, which the sink cannot read yet (not lag). */
  held?: number | undefined;
  /** Timestamp (ms) of the first record the sink will receive, when lag > 0 and it was read: the oldest unread one's age. */
  oldestUnreadAt?: number | undefined;
}

/**
 * Where Connect says a connector or a task is: the `worker_id` of its status (`host:port`, the worker's advertised
 * REST address; for UNASSIGNED, the worker that last had it), and whether that worker did not answer at it.
 */
export interface Placement {
  /** Absent in samples stored before placements were kept. */
  workerId?: string | undefined;
  /** The worker did not answer `GET /` at its address in this poll while another worker of the cluster did. */
  workerGone?: true | undefined;
}

/** What one poll saw of one connector; the rules read a short history of these. */
export interface ConnectorSample extends Placement {
  /** ms epoch when sampled */
  at: number;
  state: ConnectorState;
  type: "sink" | "source" | "unknown";
  tasks: readonly ({ id: number; state: ConnectorState; trace?: string | undefined } & Placement)[];
  /** Connector-level trace when FAILED. */
  trace?: string | undefined;
  /** Sinks only, when lag could be read. */
  partitions?: readonly PartitionSample[] | undefined;
  /** Topics of the sink whose lag could not be read (deleted, failing), as `topic: why`; not counted in its lag. */
  unreadTopics?: readonly string[] | undefined;
  /** Why the sink's topics are not known (a `topics.regex` sink with no task consuming): its lag was not read. */
  topicsUnknown?: string | undefined;
  /** An approved operation (offset reset, stop…) is running on this connector right now. */
  underApprovedOperation: boolean;
}

/** What commands may do with alerts: read them, and hold them back for a while. */
export interface AlertActions {
  /** The alerts firing on `cluster`, newest first. */
  firing(cluster: string): Promise<AlertView[]>;
  /** Every silence not yet ended, on any cluster. */
  silences(): Promise<Silence[]>;
  /** The connector's recent samples, oldest first, as the polls recorded them. */
  history(cluster: string, connector: string): Promise<ConnectorSample[]>;
  /** Marks the connector's firing alerts acknowledged and says so in their threads; how many there were. */
  acknowledge(cluster: string, connector: string, by: Person): Promise<number>;
  /** Holds back the connector's alerts for `forMs` ms from now. */
  snooze(cluster: string, connector: string, forMs: number, by: Person): Promise<Snooze>;
  /** Ends the connector's snooze; false when it had none. */
  unsnooze(cluster: string, connector: string, by: Person): Promise<boolean>;
  /** Holds back the alerts of connectors matching `pattern` (a glob) on `cluster` for `forMs` ms from now. */
  silence(cluster: string, pattern: string, forMs: number, reason: string, by: Person): Promise<Silence>;
}
