/** Polls that may be missed before alert polling counts as stopped. */
const missedPolls = 3;
/** And a minute more: a poll over slow clusters (a cold lag read, Connect timing out) is not a stopped one. */
const graceMs = 60_000;

/** Alert polling as judged at one moment. */
export interface PollAge {
  /** Whether a poll started or ended within `staleAfterMs` (counted from `watchingSince` until one has). */
  readonly fresh: boolean;
  /** ms since the newer of the last poll activity and `watchingSince`. */
  readonly ageMs: number;
  /** Three intervals and a minute (ms). */
  readonly staleAfterMs: number;
}

/**
 * The one rule for "alert polling has stopped", read by readiness (`/readyz`) and by the "alerting has stopped"
 * notice alike: no poll started or ended, on any replica, for three intervals and a minute. A process that began
 * watching recently gives polls that long from `watchingSince` (epoch ms) before it judges them stopped.
 */
/** Three intervals and a minute (ms): how long a poll counts as fresh. */
export function pollStaleAfterMs(pollIntervalMs: number): number {
  return missedPolls * pollIntervalMs + graceMs;
}

export function pollAge(options: {
  /** The newest poll start or end any replica noted (epoch ms), if any. */
  readonly lastPollAt: number | undefined;
  readonly watchingSince: number;
  readonly now: number;
  readonly pollIntervalMs: number;
}): PollAge {
  const staleAfterMs = pollStaleAfterMs(options.pollIntervalMs);
  const ageMs = options.now - Math.max(options.lastPollAt ?? options.watchingSince, options.watchingSince);
  return { fresh: ageMs <= staleAfterMs, ageMs, staleAfterMs };
}
