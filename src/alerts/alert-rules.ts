import { formatDuration } from "../core/duration.js";
import type { ConnectorSample } from "../core/ports.js";
import type { AlertThresholds, ThresholdOverride, WindowThreshold } from "./alert-thresholds.js";
import { minutesBehind, totalLag } from "./connector-sample.js";
import { alertRuleTable } from "./rules/registry.js";
import type {
  AlertRuleSpec,
  LagReading,
  RuleFinding,
  RuleInput,
  RuleThresholds,
  Severity,
} from "./rules/rule.js";
import { isHalted, trailingRun } from "./rules/runs.js";

/** An alert rule's id, as stored with its alerts: a key of the rule table (rules/registry.ts). */
export type AlertRule = keyof typeof alertRuleTable;

/** Every rule id, in the table's order (for the stored alert's schema). */
export const alertRules = Object.keys(alertRuleTable) as [AlertRule, ...AlertRule[]];

const ruleEntries = Object.entries(alertRuleTable) as [AlertRule, AlertRuleSpec][];

/** A rule's finding, with the rule that found it. */
export interface Finding extends RuleFinding {
  readonly rule: AlertRule;
}

/**
 * What people read for a rule ("lag high"), by the id an alert stores; an id the table does not have (an alert
 * stored by another version of the bot) is shown as it is.
 */
export function ruleName(rule: string): string {
  return isAlertRule(rule) ? alertRuleTable[rule].name : rule;
}

function isAlertRule(rule: string): rule is AlertRule {
  return Object.hasOwn(alertRuleTable, rule);
}

/** How urgent the rule's alerts are (what receivers beyond Slack are told). */
export function ruleSeverity(rule: AlertRule): Severity {
  return alertRuleTable[rule].severity;
}

/** Whether the rule judges a sink's lag: its alerts' threads carry the lag's charts. */
export function readsLag(rule: AlertRule): boolean {
  return alertRuleTable[rule].reads === "lag";
}

/** Samples kept per connector (each holds its partitions' offsets): an 8 h window at the default 30 s poll. */
export const maxAlertSamples = 1_000;

/**
 * The longest window any rule of the table looks back over (ms), with every override applied: derived from each
 * rule's declared window, so a new rule's window is never left out.
 */
export function longestAlertWindowMs(config: {
  readonly thresholds: AlertThresholds;
  readonly overrides: readonly ThresholdOverride[];
}): number {
  const all = [
    config.thresholds,
    ...config.overrides.map((override) => ({ ...config.thresholds, ...override.thresholds })),
  ];
  const windows = ruleEntries.flatMap(([, spec]) => (spec.window === null ? [] : [spec.window]));
  return Math.max(0, ...all.flatMap((thresholds) => windows.map((window) => thresholds[window])));
}

/** Samples to keep per connector: enough to cover the longest window at the poll interval, and a few more. */
export function historySamples(config: {
  readonly thresholds: AlertThresholds;
  readonly overrides: readonly ThresholdOverride[];
  readonly pollIntervalMs: number;
}): number {
  return Math.min(maxAlertSamples, Math.ceil(longestAlertWindowMs(config) / config.pollIntervalMs) + 3);
}

/**
 * The rules firing now for one connector, in the table's order. `history` runs oldest to newest and the newest
 * sample is "now"; `firing` holds the rules that were firing after the previous evaluation, so they resolve on
 * their clear condition rather than the moment their fire condition stops holding.
 */
export function evaluateConnector(
  connector: string,
  history: readonly ConnectorSample[],
  thresholds: AlertThresholds,
  firing: ReadonlySet<AlertRule>,
): Finding[] {
  const newest = history.at(-1);
  if (newest === undefined) return [];
  const lastRead = history.findLast((sample) => sample.partitions !== undefined);
  const lastPartitions = lastRead?.partitions;
  const readings = lagReadings(healthyStretch(history));
  const staleNote =
    lastRead === undefined || lastRead === newest
      ? undefined
      : `lag could not be read in the latest sample${newest.topicsUnknown === undefined ? "" : ` (its topics are not known: ${newest.topicsUnknown})`}; figures are from ${formatDuration(newest.at - lastRead.at)} earlier`;
  // Once per connector, not per rule: a poll evaluates every connector of every cluster.
  const ruleThresholds = withoutWindows(thresholds);
  return ruleEntries.flatMap(([rule, spec]): Finding[] => {
    const input: RuleInput = {
      connector,
      history,
      newest,
      thresholds: ruleThresholds,
      windowMs: spec.window === null ? 0 : thresholds[spec.window],
      firing: firing.has(rule),
    };
    const found = findingOf(spec, input, lastPartitions, readings);
    if (found === undefined) return [];
    if (spec.reads === "state" || staleNote === undefined) return [{ rule, ...found }];
    // Offsets not read in the newest sample: a firing rule keeps its last figures; none starts on stale ones.
    return input.firing ? [{ rule, ...found, details: [...found.details, staleNote] }] : [];
  });
}

function findingOf(
  spec: AlertRuleSpec,
  input: RuleInput,
  partitions: ConnectorSample["partitions"],
  readings: readonly LagReading[],
): RuleFinding | undefined {
  switch (spec.reads) {
    case "state":
      return spec.evaluate(input);
    case "offsets":
      return partitions === undefined ? undefined : spec.evaluate({ ...input, partitions });
    case "lag":
      if (partitions === undefined || !isHealthy(input.newest)) return undefined;
      if (isHalted(input.newest) && !spec.whileHalted) return undefined;
      return spec.evaluate({ ...input, readings });
    case "poller":
      return undefined;
  }
}

const windowThresholds: Readonly<Record<WindowThreshold, true>> = {
  sustainMs: true,
  stalledMs: true,
  fallingBehindMs: true,
  pausedMs: true,
  unassignedMs: true,
};

/** The thresholds a rule may read directly: its window comes only through `windowMs`. */
function withoutWindows(thresholds: AlertThresholds): RuleThresholds {
  return Object.fromEntries(
    Object.entries(thresholds).filter(([name]) => !(name in windowThresholds)),
  ) as RuleThresholds;
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
