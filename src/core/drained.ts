/**
 * Waits for `closing` (a worker finishing its running job) for at most `ms`: a shutdown must end within its
 * grace period (Kubernetes' default is 30 s) even when a job does not.
 */
export async function drained(closing: Promise<void> | undefined, ms: number): Promise<void> {
  if (closing === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closing, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
