/**
 * The one clock of the bot: the current time in milliseconds since the Unix epoch (UTC), as `Date.now()` gives it.
 * Domain code (src/core, commands/, approvals/, src/alerts, src/automation) reads the time only through a Clock it
 * is handed, so that a test can stand still or jump an hour instead of sleeping; the composition root hands every
 * part the same one. A plain function rather than an object with `now()`: it is passed where a `() => number`
 * was before, and `Date.now` itself is one.
 *
 * Intervals measured within one process (a call's deadline, a retry's pause) use `performance.now()` instead,
 * which never jumps with the wall clock: see src/core/retry.ts.
 */
export type Clock = () => number;

/** The machine's wall clock, for the composition root and for adapters at the edge. */
export const systemClock: Clock = () => Date.now();
