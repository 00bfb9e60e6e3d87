import { formatDuration } from "./duration.js";
import { time, utcMoment } from "./reply.js";

/** The times of a maintenance window as typed: `--from`, and `--until` or `--for` (already in ms). */
export interface WindowTimesInput {
  readonly from?: string | undefined;
  readonly until?: string | undefined;
  readonly forMs?: number | undefined;
}

/** The bounds a window must keep (automation.windows). */
export interface WindowLimits {
  /** The longest window, ms (automation.windows.maxLength). */
  readonly maxLengthMs: number;
  /** How far ahead it may start, ms (automation.windows.maxAhead). */
  readonly maxAheadMs: number;
}

const clock = /^([01]?\d|2[0-3]):([0-5]\d)$/;
const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/i;

/**
 * Reads a window's start and end, in UTC. `HH:MM` is a time of day in **UTC**: for `--from`, the next time the UTC
 * clock shows it (today if it is still ahead, else tomorrow); for `--until`, the first such time after the start. A
 * full ISO 8601 date-time (`2026-12-08T00:30Z`, an offset, or none meaning UTC) is taken as written. No `--from`:
 * now. Refused (the reason, in words): a time that is neither, a start in the past or further ahead than
 * `maxAheadMs`, an end not after the start, a window longer than `maxLengthMs`, or neither or both of `--until`
 * and `--for`.
 */
export function windowTimes(
  input: WindowTimesInput,
  nowMs: number,
  limits: WindowLimits,
): { readonly from: number; readonly until: number } | { readonly refusal: string } {
  if ((input.until === undefined) === (input.forMs === undefined))
    return { refusal: "a window needs its end: --until HH:MM (UTC) or --for 30m, one of them" };
  const from = input.from === undefined ? nowMs : readTime(input.from, nowMs, "from");
  if (typeof from === "string") return { refusal: from };
  // A minute of grace: `--from 14:05` typed at 14:05:40 means now, not tomorrow.
  if (from < nowMs - 60_000)
    return {
      refusal: `--from ${input.from ?? ""} is in the past (it is ${utc(nowMs)} now); a window starts now or later`,
    };
  if (from - nowMs > limits.maxAheadMs)
    return {
      refusal: `--from ${input.from ?? ""} is more than ${formatDuration(limits.maxAheadMs)} ahead (automation.windows.maxAhead)`,
    };
  const until = input.forMs !== undefined ? from + input.forMs : readTime(input.until ?? "", from, "until");
  if (typeof until === "string") return { refusal: until };
  if (until <= from) return { refusal: `--until ${input.until ?? ""} is not after the start (${utc(from)})` };
  if (until - from > limits.maxLengthMs)
    return {
      refusal: `the window would last ${formatDuration(until - from)}, longer than the ${formatDuration(limits.maxLengthMs)} allowed (automation.windows.maxLength)`,
    };
  return { from: Math.max(from, nowMs), until };
}

/** `HH:MM` (UTC) at or after `afterMs` (less a minute's grace for a start), or a full date-time; else the refusal. */
function readTime(text: string, afterMs: number, flag: "from" | "until"): number | string {
  const hm = clock.exec(text);
  if (hm !== null) {
    const day = new Date(afterMs);
    let at = Date.UTC(
      day.getUTCFullYear(),
      day.getUTCMonth(),
      day.getUTCDate(),
      Number(hm[1]),
      Number(hm[2]),
    );
    const earliest = flag === "from" ? afterMs - 60_000 : afterMs + 1;
    if (at < earliest) at += 86_400_000;
    return at;
  }
  if (dateTime.test(text)) {
    const zoned = /(Z|[+-]\d{2}:\d{2})$/i.test(text) ? text : `${text}Z`;
    const at = Date.parse(zoned);
    if (Number.isFinite(at)) return at;
  }
  return `--${flag} ${text} is not a time: give HH:MM in UTC (e.g. 00:30) or a date-time such as 2026-12-08T00:30Z`;
}

/** `2026-12-08 00:30 UTC`. */
export function utc(ms: number): string {
  return utcMoment(time(ms, "date"));
}
