import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The moment (performance.now() clock, ms) by which the command being served must have its answer. The
 * dispatcher sets it around each command; the Connect client cuts every call, retries included, to it, so that a
 * command touching a silent worker several times still answers within one deadline.
 */
const deadlines = new AsyncLocalStorage<number>();

/** Runs `work` with a deadline `ms` from now; a deadline already set outside, if sooner, still applies. */
export function withCommandDeadline<T>(ms: number, work: () => Promise<T>): Promise<T> {
  const outer = deadlines.getStore() ?? Number.POSITIVE_INFINITY;
  return deadlines.run(Math.min(outer, performance.now() + ms), work);
}

/** The current command's deadline, or undefined outside a command (approval jobs, alert polls). */
export function commandDeadline(): number | undefined {
  return deadlines.getStore();
}
