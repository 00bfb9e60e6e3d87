// Loaded into every Node process a test run or bench run starts (NODE_OPTIONS --import, set by
// timer-warnings.ts): writes each timer warning the process emits, one JSON line, to the run's file. Plain
// JavaScript so that it loads before tsx, in processes that never load tsx at all (the built bot).
import { appendFileSync } from "node:fs";

const file = process.env.TIMER_WARNINGS_FILE;
// A timeout Node had to correct (negative, beyond 2^31 − 1 ms, not a number) is a bug in whoever set it.
const timerWarning = /^Timeout(Negative|Overflow|NaN)Warning$/;
if (file !== undefined && file !== "") {
  process.on("warning", (warning) => {
    if (!timerWarning.test(warning.name)) return;
    const line = {
      pid: process.pid,
      argv: process.argv.slice(1).join(" "),
      name: warning.name,
      message: warning.message,
      stack: warning.stack,
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  });
}
