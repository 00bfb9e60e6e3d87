import type { ConnectorState } from "../connect/connect-schemas.js";
import { formatDuration } from "../core/duration.js";
import { redactText } from "../core/redact.js";
import { globMatches } from "./glob.js";

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
  /** Timestamp (ms) of the first record the sink will receive, when lag > 0 and it was read: the oldest unread one's age. */
  oldestUnreadAt?: number | undefined;
}

export interface ConnectorSample {
  /** ms epoch when sampled */
  at: number;
  state: ConnectorState;
  type: "sink" | "source" | "unknown";
  tasks: readonly { id: number; state: ConnectorState; trace?: string | undefined }[];
  /** Connector-level trace when FAILED. */
  trace?: string | undefined;
  /** Sinks only, when lag could be read. */
  partitions?: readonly PartitionSample[] | undefined;
  /** Topics of the sink whose lag could not be read (deleted, failing), as `topic: why`; not counted in its lag. */
  unreadTopics?: readonly string[] | undefined;
  /** An approved operation (offset reset, stop…) is running on this connector right now. */
  underApprovedOperation: boolean;
}

export interface AlertThresholds {
  /** lag-high fires at total lag >= this ... */
  lagMessages: number;
  /** ... and resolves only when it falls under this (hysteresis; < lagMessages). */
  lagClearMessages: number;
  /** Fire lag-high also when the oldest unread message is at least this old. */
  lagMinutes?: number;
  /** Defaults to lagMinutes. */
  lagClearMinutes?: number;
  /** Lag must stay high this long before lag-high fires. */
  sustainMs: number;
  /** Lag > 0 and committed offsets unchanged for this long. */
  stalledMs: number;
  /** Lag grew on every sample over this window. */
  fallingBehindMs: number;
  /** PAUSED or STOPPED this long without an approved operation. */
  pausedMs: number;
}

const minuteMs = 60_000;

export const defaultThresholds: AlertThresholds = {
  lagMessages: 10_000,
  lagClearMessages: 5_000,
  sustainMs: 5 * minuteMs,
  // Connect sinks commit every 60 s, so the window must span several commits before "no progress" means stuck.
  stalledMs: 10 * minuteMs,
  fallingBehindMs: 10 * minuteMs,
  pausedMs: 15 * minuteMs,
};

export interface ThresholdOverride {
  pattern: string;
  thresholds: Partial<AlertThresholds>;
}

/** The defaults with every override whose glob matches the connector applied in order, so later ones win. */
export function thresholdsFor(
  connector: string,
  defaults: AlertThresholds,
  overrides: readonly ThresholdOverride[],
): AlertThresholds {
  const merged: AlertThresholds = { ...defaults };
  for (const override of overrides) {
    if (globMatches(override.pattern, connector)) Object.assign(merged, override.thresholds);
  }
  // An override that lowers only lagMessages must not leave the clear level above it: lag-high would resolve
  // on the sample after it fired.
  return { ...merged, lagClearMessages: Math.min(merged.lagClearMessages, merged.lagMessages) };
}

export type AlertRule =
  | "lag-high"
  | "stalled"
  | "falling-behind"
  | "task-failed"
  | "connector-failed"
  | "unexpected-pause"
  | "data-loss-risk"
  /** Raised for a whole cluster by the poller, not by these rules: its connector is `*`. */
  | "connect-unreachable"
  /** Raised by a bot process when no poll has completed for three intervals: cluster and connector are `*`. */
  | "alerting-stopped";

export interface Finding {
  rule: AlertRule;
  /** one line for a Slack message */
  summary: string;
  /** e.g. trace lines, per-partition figures; may be empty */
  details: readonly string[];
  /** numeric value the rule measured (total lag, failed task count, ...) for thread updates */
  value: number;
}

/**
 * The rules firing now for one connector. `history` runs oldest to newest and the newest sample is "now";
 * `firing` holds the rules that were firing after the previous evaluation, so they resolve on their clear
 * condition rather than the moment their fire condition stops holding.
 */
export function evaluateConnector(
  connector: string,
  history: readonly ConnectorSample[],
  thresholds: AlertThresholds,
  firing: ReadonlySet<AlertRule>,
): Finding[] {
  const newest = history.at(-1);
  if (newest === undefined) return [];
  return [
    connectorFailed(connector, newest),
    taskFailed(newest),
    unexpectedPause(history, thresholds, firing),
    ...offsetFindings(newest, history, thresholds, firing),
  ].filter((finding) => finding !== undefined);
}

export function totalLag(partitions: readonly PartitionSample[]): number {
  return partitions.reduce((sum, partition) => sum + partitionLag(partition), 0);
}

/** Age in minutes of the oldest unread message across the lagging partitions, when their timestamps were read. */
export function minutesBehind(sample: ConnectorSample): number | undefined {
  const unreadSince = (sample.partitions ?? [])
    .filter((partition) => partitionLag(partition) > 0)
    .flatMap((partition) => (partition.oldestUnreadAt === undefined ? [] : [partition.oldestUnreadAt]));
  if (unreadSince.length === 0) return undefined;
  return Math.max(0, sample.at - Math.min(...unreadSince)) / minuteMs;
}

function partitionLag(partition: PartitionSample): number {
  return partition.lag ?? Math.max(0, partition.logEnd - (partition.committed ?? partition.logStart));
}

function connectorFailed(connector: string, newest: ConnectorSample): Finding | undefined {
  if (newest.state !== "FAILED") return undefined;
  return {
    rule: "connector-failed",
    summary: `connector ${connector} is FAILED`,
    details: traceHead(newest.trace),
    value: 1,
  };
}

function taskFailed(newest: ConnectorSample): Finding | undefined {
  const failed = newest.tasks.filter((task) => task.state === "FAILED");
  if (failed.length === 0) return undefined;
  const names = failed.map((task) => `task ${task.id}`).join(", ");
  return {
    rule: "task-failed",
    summary: `${failed.length} of ${count(newest.tasks.length, "task")} FAILED (${names})`,
    details: failed.flatMap((task) => traceHead(task.trace).map((line) => `task ${task.id}: ${line}`)),
    value: failed.length,
  };
}

function unexpectedPause(
  history: readonly ConnectorSample[],
  thresholds: AlertThresholds,
  firing: ReadonlySet<AlertRule>,
): Finding | undefined {
  const unexplained = trailingRun(history, (sample) => isHalted(sample) && !sample.underApprovedOperation);
  const isFiring = firing.has("unexpected-pause")
    ? unexplained.length > 0
    : spanMs(unexplained) >= thresholds.pausedMs;
  const newest = unexplained.at(-1);
  if (!isFiring || newest === undefined) return undefined;
  // Measured from the halt itself, which may predate an approved operation that has since finished.
  const haltedMs = spanMs(trailingRun(history, isHalted));
  return {
    rule: "unexpected-pause",
    summary: `${newest.state === "PAUSED" ? "paused" : "stopped"} for ${formatDuration(haltedMs)}`,
    details: [],
    value: Math.round(haltedMs / minuteMs),
  };
}

function isHalted(sample: ConnectorSample): boolean {
  return sample.state === "PAUSED" || sample.state === "STOPPED";
}

/** A sample's offsets, worked out once for the rules that read them. */
interface LagReading {
  at: number;
  partitions: readonly PartitionSample[];
  lag: number;
  /** Sum of committed offsets, a partition without a commit counting 0: it changes only when the sink commits. */
  committed: number;
  minutesBehind: number | undefined;
  unreadTopics: readonly string[];
}

/**
 * The rules that read offsets. When the newest sample has none (the lag read failed), they hold their state:
 * firing ones stay, with the last figures read, and none starts firing on stale figures.
 */
function offsetFindings(
  newest: ConnectorSample,
  history: readonly ConnectorSample[],
  thresholds: AlertThresholds,
  firing: ReadonlySet<AlertRule>,
): Finding[] {
  const lastRead = history.findLast((sample) => sample.partitions !== undefined);
  if (lastRead?.partitions === undefined) return [];
  const findings = [
    dataLossRisk(lastRead.partitions),
    ...(isHealthy(newest)
      ? lagFindings(lagReadings(healthyStretch(history)), thresholds, firing, isHalted(newest))
      : []),
  ].filter((finding) => finding !== undefined);
  if (lastRead === newest) return findings;
  const staleNote = `lag could not be read in the latest sample; figures are from ${formatDuration(newest.at - lastRead.at)} earlier`;
  return findings
    .filter((finding) => firing.has(finding.rule))
    .map((finding) => ({ ...finding, details: [...finding.details, staleNote] }));
}

/**
 * Lag rules are inhibited while the connector or a task has failed: the lag is a symptom, not the news. A paused
 * or stopped sink is not failed: the lag it builds up is exactly what the team must hear about.
 */
function isHealthy(sample: ConnectorSample): boolean {
  return sample.state !== "FAILED" && sample.tasks.every((task) => task.state !== "FAILED");
}

/**
 * The samples since the connector was last unhealthy. Lag rules measure only this stretch, so lag that built up
 * during a pause or a failure does not fire lag-high or stalled the moment the connector is back.
 */
function healthyStretch(history: readonly ConnectorSample[]): readonly ConnectorSample[] {
  return trailingRun(history, isHealthy);
}

function lagReadings(samples: readonly ConnectorSample[]): LagReading[] {
  return samples.flatMap((sample) =>
    sample.partitions === undefined
      ? []
      : [
          {
            at: sample.at,
            partitions: sample.partitions,
            lag: totalLag(sample.partitions),
            committed: sample.partitions.reduce((sum, partition) => sum + (partition.committed ?? 0), 0),
            minutesBehind: minutesBehind(sample),
            unreadTopics: sample.unreadTopics ?? [],
          },
        ],
  );
}

/** A halted sink reads nothing by intent: only its lag counts, not that it makes no progress. */
function lagFindings(
  readings: readonly LagReading[],
  thresholds: AlertThresholds,
  firing: ReadonlySet<AlertRule>,
  halted: boolean,
): Finding[] {
  return [
    lagHigh(readings, thresholds, firing),
    ...(halted ? [] : [stalled(readings, thresholds, firing), fallingBehind(readings, thresholds, firing)]),
  ].filter((finding) => finding !== undefined);
}

function lagHigh(
  readings: readonly LagReading[],
  thresholds: AlertThresholds,
  firing: ReadonlySet<AlertRule>,
): Finding | undefined {
  const newest = readings.at(-1);
  if (newest === undefined) return undefined;
  const isFiring = firing.has("lag-high")
    ? !lagHasCleared(newest, thresholds)
    : spanMs(trailingRun(readings, (reading) => lagIsHigh(reading, thresholds))) >= thresholds.sustainMs;
  if (!isFiring) return undefined;
  const behind =
    newest.minutesBehind === undefined ? "" : `, ${formatDuration(newest.minutesBehind * minuteMs)} behind`;
  return {
    rule: "lag-high",
    summary: `lag ${count(newest.lag, "message")}${behind}`,
    details: lagDetails(newest),
    value: newest.lag,
  };
}

function lagIsHigh(reading: LagReading, thresholds: AlertThresholds): boolean {
  const { lagMinutes } = thresholds;
  const isOld =
    lagMinutes !== undefined && reading.minutesBehind !== undefined && reading.minutesBehind >= lagMinutes;
  return reading.lag >= thresholds.lagMessages || isOld;
}

function lagHasCleared(reading: LagReading, thresholds: AlertThresholds): boolean {
  const { lagMinutes, lagClearMinutes = lagMinutes } = thresholds;
  const isRecent =
    lagClearMinutes === undefined ||
    reading.minutesBehind === undefined ||
    reading.minutesBehind < lagClearMinutes;
  return reading.lag < thresholds.lagClearMessages && isRecent;
}

/** An idle topic with nothing to read is healthy: stalled needs lag in every sample of the window. */
function stalled(
  readings: readonly LagReading[],
  thresholds: AlertThresholds,
  firing: ReadonlySet<AlertRule>,
): Finding | undefined {
  const newest = readings.at(-1);
  if (newest === undefined || newest.lag === 0) return undefined;
  const stuck = trailingRun(readings, (reading) => reading.lag > 0 && reading.committed === newest.committed);
  const previous = readings.at(-2);
  const hasMoved = previous !== undefined && previous.committed !== newest.committed;
  const isFiring = firing.has("stalled") ? !hasMoved : spanMs(stuck) >= thresholds.stalledMs;
  if (!isFiring) return undefined;
  return {
    rule: "stalled",
    summary: `no progress for ${formatDuration(spanMs(stuck))}: committed offsets unchanged, lag ${count(newest.lag, "message")}`,
    details: lagDetails(newest),
    value: newest.lag,
  };
}

function fallingBehind(
  readings: readonly LagReading[],
  thresholds: AlertThresholds,
  firing: ReadonlySet<AlertRule>,
): Finding | undefined {
  const newest = readings.at(-1);
  const rising = risingRun(readings);
  const first = rising[0];
  if (newest === undefined || first === undefined) return undefined;
  const windowStart = newest.at - thresholds.fallingBehindMs;
  // Two rises inside the window: at least 3 samples across it, counting the one at or before its start.
  const risesInWindow = rising.filter((reading) => reading.at > windowStart).length;
  const isFiring = firing.has("falling-behind")
    ? rising.length >= 2
    : first.at <= windowStart && risesInWindow >= 2;
  if (!isFiring) return undefined;
  return {
    rule: "falling-behind",
    summary: `lag rose on every sample for ${formatDuration(spanMs(rising))}: ${figure(first.lag)} → ${count(newest.lag, "message")}`,
    details: lagDetails(newest),
    value: newest.lag,
  };
}

/** The readings at the end whose lag rose on each one, led by the reading it rose from. */
function risingRun(readings: readonly LagReading[]): readonly LagReading[] {
  const base = readings.findLastIndex((reading, index) => {
    const previous = readings[index - 1];
    return previous === undefined || reading.lag <= previous.lag;
  });
  return readings.slice(Math.max(0, base));
}

function dataLossRisk(partitions: readonly PartitionSample[]): Finding | undefined {
  const overtaken = partitions.flatMap(({ topic, partition, committed, logStart }) =>
    committed !== null && committed < logStart
      ? [{ name: `${topic}:${partition}`, committed, logStart, deleted: logStart - committed }]
      : [],
  );
  if (overtaken.length === 0) return undefined;
  const deleted = overtaken.reduce((sum, partition) => sum + partition.deleted, 0);
  return {
    rule: "data-loss-risk",
    summary: `retention deleted ${count(deleted, "message")} before the sink read them (${count(overtaken.length, "partition")})`,
    details: overtaken.map(
      (partition) =>
        `${partition.name} committed ${figure(partition.committed)}, log starts at ${figure(partition.logStart)} ` +
        `(${count(partition.deleted, "message")} deleted unread)`,
    ),
    value: deleted,
  };
}

const detailLineLimit = 5;

/** Where the lag is, and the sink's topics it leaves out because they could not be read. */
function lagDetails(reading: LagReading): string[] {
  return [
    ...partitionLagLines(reading.partitions),
    ...reading.unreadTopics.map((topic) => `not counted: ${topic}`),
  ];
}

/** The most-lagging partitions first, so a long list still shows where the lag is. */
function partitionLagLines(partitions: readonly PartitionSample[]): string[] {
  const behind = partitions
    .map((partition) => ({ partition, lag: partitionLag(partition) }))
    .filter(({ lag }) => lag > 0)
    .sort((a, b) => b.lag - a.lag);
  const lines = behind.slice(0, detailLineLimit).map(({ partition, lag }) => {
    const position =
      partition.committed === null ? "nothing committed" : `committed ${figure(partition.committed)}`;
    return `${partition.topic}:${partition.partition} lag ${figure(lag)}, ${position}`;
  });
  const hidden = behind.length - lines.length;
  return hidden > 0 ? [...lines, `… and ${count(hidden, "more partition")} behind`] : lines;
}

/** Credentials hidden before the trace is cut into lines, so none is split past the patterns. */
function traceHead(trace: string | undefined): string[] {
  return redactText(trace ?? "")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .slice(0, detailLineLimit);
}

/** The longest stretch at the end of `items` in which every item satisfies `holds`. */
function trailingRun<T>(items: readonly T[], holds: (item: T) => boolean): readonly T[] {
  return items.slice(items.findLastIndex((item) => !holds(item)) + 1);
}

/**
 * How long a run of samples covers; a rule's window is covered when this reaches the window's length.
 * -1 for no samples, which cover not even a zero-length window.
 */
function spanMs(run: readonly { at: number }[]): number {
  const first = run[0];
  const last = run.at(-1);
  return first === undefined || last === undefined ? -1 : last.at - first.at;
}

function figure(value: number): string {
  return value.toLocaleString("en-US");
}

function count(value: number, noun: string): string {
  return `${figure(value)} ${noun}${value === 1 ? "" : "s"}`;
}
