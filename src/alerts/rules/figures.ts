import type { PartitionSample } from "../../core/ports.js";
import { redactText } from "../../core/redact.js";
import { partitionLag } from "../connector-sample.js";
import type { LagReading } from "./rule.js";

/** Detail lines a finding carries at most (trace lines, lagging partitions). */
const detailLineLimit = 5;

export function figure(value: number): string {
  return value.toLocaleString("en-US");
}

/** `1 message`, `1,200 messages`. */
export function count(value: number, noun: string): string {
  return `${figure(value)} ${noun}${value === 1 ? "" : "s"}`;
}

/**
 * The lag as a count of messages: `1,200 messages`, or `at least 23 messages` where compacted topics hold offsets
 * past the records counted (offsets are not messages there, so they are never added in).
 */
export function lagCount(reading: LagReading): string {
  const uncounted = reading.partitions.some((partition) => (partition.uncounted ?? 0) > 0);
  return `${uncounted ? "at least " : ""}${count(reading.lag, "message")}`;
}

/** Where the lag is, and the sink's topics it leaves out because they could not be read. */
export function lagDetails(reading: LagReading): string[] {
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
    const uncounted = partition.uncounted ?? 0;
    const held = partition.held ?? 0;
    const figures = [
      uncounted > 0
        ? `lag at least ${figure(lag)} (+${count(uncounted, "offset")} not counted: compacted)`
        : `lag ${figure(lag)}`,
      position,
      ...(held > 0 ? [`${count(held, "offset")} held by an open transaction`] : []),
    ];
    return `${partition.topic}:${partition.partition} ${figures.join(", ")}`;
  });
  const hidden = behind.length - lines.length;
  return hidden > 0 ? [...lines, `… and ${count(hidden, "more partition")} behind`] : lines;
}

/** Credentials hidden before the trace is cut into lines, so none is split past the patterns. */
export function traceHead(trace: string | undefined): string[] {
  return redactText(trace ?? "")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .slice(0, detailLineLimit);
}
