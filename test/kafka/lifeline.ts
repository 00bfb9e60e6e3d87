/**
 * Ends a long-running script (the test bed, the test runner, the benchmarks) cleanly however it is asked to stop:
 * SIGINT, SIGTERM or SIGHUP, and also when the process that launched it dies without passing a signal on (an
 * `npm run …` stopped by its PID with SIGKILL): this process is then re-parented, which a one-second check
 * notices. `stop` runs once; the process exits with `code` afterwards.
 */
export function stopOnSignalOrOrphan(stop: () => Promise<void>, code = 130): void {
  let stopping = false;
  const stopOnce = () => {
    if (stopping) return;
    stopping = true;
    clearInterval(watch);
    void stop().finally(() => process.exit(code));
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(signal, stopOnce);
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) stopOnce();
  }, 1000);
  watch.unref();
}
