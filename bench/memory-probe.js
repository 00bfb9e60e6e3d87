/**
 * Loaded into the bot by the Slack-edge benchmark (`node --import ./bench/memory-probe.js`), never by the bot
 * itself: every second it writes where the process's memory is, as one JSON line, to MEMORY_PROBE_FILE. The heap
 * snapshot shows live objects only; this shows what the V8 heap, its young generation, ArrayBuffers and
 * everything else (malloc) hold.
 */
import { appendFileSync } from "node:fs";
import { getHeapSpaceStatistics } from "node:v8";

const file = process.env.MEMORY_PROBE_FILE;
const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
if (file !== undefined) {
  setInterval(() => {
    const usage = process.memoryUsage();
    const spaces = Object.fromEntries(
      getHeapSpaceStatistics().map((space) => [space.space_name, mib(space.space_size)]),
    );
    const line = {
      rss: mib(usage.rss),
      heapTotal: mib(usage.heapTotal),
      heapUsed: mib(usage.heapUsed),
      external: mib(usage.external),
      arrayBuffers: mib(usage.arrayBuffers),
      newSpace: spaces.new_space,
      oldSpace: spaces.old_space,
      codeSpace: spaces.code_space,
      largeObjects: spaces.large_object_space,
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }, 1000).unref();
}
