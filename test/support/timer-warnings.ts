import { randomBytes } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Watches this process and every Node process it starts afterwards (they inherit NODE_OPTIONS) for timer warnings
 * (`TimeoutNegativeWarning`, `TimeoutOverflowWarning`, `TimeoutNaNWarning`: Node corrected a timeout someone
 * set, here kafkajs's `-Date.now()` in issue 28). Each is written to a file of this run, which {@link
 * TimerWarnings.found} reads; a run that found any fails, naming them.
 */
export interface TimerWarnings {
  /** The warnings so far, one line each: name, message, the process (pid and command) and the first stack frame. */
  found(): Promise<string[]>;
  /** Deletes the run's file. */
  remove(): Promise<void>;
}

/** Starts watching: sets TIMER_WARNINGS_FILE and NODE_OPTIONS in `process.env`, and loads the watcher here. */
export async function watchTimerWarnings(): Promise<TimerWarnings> {
  const file = join(tmpdir(), `timer-warnings-${process.pid}-${randomBytes(4).toString("hex")}.jsonl`);
  const preload = pathToFileURL(join(import.meta.dirname, "timer-warnings-preload.mjs")).href;
  process.env.TIMER_WARNINGS_FILE = file;
  process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, `--import=${preload}`].filter(Boolean).join(" ");
  await import(preload);
  return {
    found: async () => {
      const text = await readFile(file, "utf8").catch(() => "");
      return text
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => {
          const warning = JSON.parse(line) as {
            pid: number;
            argv: string;
            name: string;
            message: string;
            stack?: string;
          };
          const frame = warning.stack
            ?.split("\n")
            .find((each) => each.trimStart().startsWith("at ") && !each.includes("(node:"))
            ?.trim();
          return `${warning.name}: ${warning.message.replaceAll("\n", " ")} (pid ${warning.pid}, ${warning.argv}${frame === undefined ? "" : `; ${frame}`})`;
        });
    },
    remove: () => rm(file, { force: true }),
  };
}
