import type { ConnectorSample } from "../core/ports.js";
import { totalLag } from "./connector-sample.js";

export interface LagTrend {
  /** Messages a second by which lag shrinks (positive: catching up) or grows (negative). */
  readonly catchUpPerSecond: number;
  /** When lag reaches zero at this rate; only while catching up. */
  readonly etaMs?: number;
  /** How long the samples behind the figure cover. */
  readonly overMs: number;
}

/** Trends shorter than this say more about commit timing (every 60 s by default) than about the sink. */
const shortestSpanMs = 60_000;
const longestSpanMs = 15 * 60_000;

/** The lag trend over the recent samples that carry lag, up to the last 15 minutes. */
export function lagTrend(history: readonly ConnectorSample[]): LagTrend | undefined {
  const withLag = history.filter((sample) => sample.partitions !== undefined);
  const newest = withLag.at(-1);
  if (newest?.partitions === undefined) return undefined;
  const oldest = withLag.find((sample) => newest.at - sample.at <= longestSpanMs);
  if (oldest?.partitions === undefined || newest.at - oldest.at < shortestSpanMs) return undefined;
  const overMs = newest.at - oldest.at;
  const now = totalLag(newest.partitions);
  const catchUpPerSecond = (totalLag(oldest.partitions) - now) / (overMs / 1000);
  return catchUpPerSecond > 0 && now > 0
    ? { catchUpPerSecond, etaMs: (now / catchUpPerSecond) * 1000, overMs }
    : { catchUpPerSecond, overMs };
}
