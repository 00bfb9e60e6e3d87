import type { ConnectorSample } from "../../core/ports.js";

/** The longest stretch at the end of `items` in which every item satisfies `holds`. */
export function trailingRun<T>(items: readonly T[], holds: (item: T) => boolean): readonly T[] {
  return items.slice(items.findLastIndex((item) => !holds(item)) + 1);
}

/**
 * How long a run of samples covers (ms); a rule's window is covered when this reaches the window's length.
 * -1 for no samples, which cover not even a zero-length window.
 */
export function spanMs(run: readonly { at: number }[]): number {
  const first = run[0];
  const last = run.at(-1);
  return first === undefined || last === undefined ? -1 : last.at - first.at;
}

/** PAUSED or STOPPED: the connector reads nothing by intent. */
export function isHalted(sample: ConnectorSample): boolean {
  return sample.state === "PAUSED" || sample.state === "STOPPED";
}
