/** What `timeLimit` answers when the work did not end in time. */
export const timedOut: unique symbol = Symbol("timed out");

/**
 * The work's result, or `timedOut` once `ms` have passed: the work goes on, but nobody waits for it any more.
 * A shutdown must end within its grace period, a probe within its timeout, a scrape within Prometheus' timeout,
 * whatever Redis or a worker does meanwhile. Rejects as the work does, when it rejects in time.
 */
export async function timeLimit<T>(work: Promise<T>, ms: number): Promise<T | typeof timedOut> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof timedOut>((resolve) => {
    timer = setTimeout(() => resolve(timedOut), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
