import { z } from "zod";
import { count, figure, traceHead } from "../alerts/rules/figures.js";
import { formatDuration, formatElapsed } from "../core/duration.js";
import type { ConnectorState } from "../core/ports.js";
import { type Reply, reply } from "../core/reply.js";

/**
 * One change being followed through, as its BullMQ job carries it from look to look (so a new bot process picks the
 * watch up where the last one left it): what was done to which connector and when, who asked, and what the last
 * looks saw. Times are epoch ms.
 */
export const FollowWatch = z.object({
  /** Names the watch and its thread: the approval request's id, or `restart-<request id>`. */
  id: z.string(),
  cluster: z.string(),
  connector: z.string(),
  /** What was done, in words: `offsets reset`, `config change`, `restart`. */
  change: z.string(),
  /** A restart: a failure after it is "failed again", and one seen before Connect acted on it is not judged. */
  restart: z.boolean(),
  /** Who asked: mentioned on the final line only, where the adapter can (`source` undefined or `slack`). */
  requester: z.object({ id: z.string(), source: z.string().optional() }),
  /** When the change was done. */
  doneAt: z.number(),
  /** The last look that read the records left (for the rate). */
  last: z.object({ at: z.number(), left: z.number() }).optional(),
  /** The last progress line told. */
  told: z.object({ at: z.number(), left: z.number() }).optional(),
  /** A look has seen every part out of FAILED since the change. */
  seenUp: z.boolean().default(false),
});
export type FollowWatch = z.output<typeof FollowWatch>;

/** What one look at the connector read. */
export interface FollowLook {
  readonly at: number;
  /** The connector's state; undefined when Connect no longer knows it (deleted). */
  readonly state: ConnectorState | undefined;
  /** Its FAILED parts (`the connector`, `task 0`) with their traces, as Connect gives them. */
  readonly failed: readonly { readonly part: string; readonly trace?: string | undefined }[];
  /** Whether the connector is a sink (what it has left to read is then its lag). */
  readonly sink: boolean;
  /** A sink's records left to read (its lag, `SinkLag.total`); undefined for a source or when not read. */
  readonly left: number | undefined;
}

/** automation.followThrough, in ms (see AutomationSection). */
export interface FollowTimes {
  readonly progressEveryMs: number;
  readonly steadyForMs: number;
  readonly maxForMs: number;
}

/** What to do after a look: go on (saying a progress line or nothing), or end with the final line. */
export type FollowStep =
  | { readonly next: "look"; readonly watch: FollowWatch; readonly say?: Reply }
  | { readonly next: "end"; readonly say: Reply };

/**
 * A FAILED seen sooner than this after a restart may be the status from before it: Connect answers a restart with
 * 202 and acts moments later (see auto-restart.ts, `settleMs`). Only a failure after the parts were seen out of
 * FAILED, or seen later than this, is a failure again.
 */
export const restartSettleMs = 5_000;

/**
 * Decides what one look means for a watch: the final line when the connector failed (again), caught up after a
 * replay, held for `steadyForMs` after a restart (or a change to a source) with nothing left to read, was deleted or
 * halted, or when `maxForMs` passed; otherwise
 * a progress line for a sink with records left, at most once per `progressEveryMs` and only when the count changed.
 * Pure: the wording of every line is here, the adapters only render it.
 */
export function followStep(watch: FollowWatch, look: FollowLook, times: FollowTimes): FollowStep {
  const { connector, change } = watch;
  const since = formatElapsed(look.at - watch.doneAt);
  const after = watch.restart ? "after restart" : `after the ${change}`;
  if (look.state === undefined)
    return end(`${connector} was deleted ${since} ${after}: stopped watching it.`, "failed");
  const judged = watch.seenUp || !watch.restart || look.at - watch.doneAt >= restartSettleMs;
  const [first] = look.failed;
  if (first !== undefined && judged) {
    const head = traceHead(first.trace);
    const failedWhat =
      first.part === "the connector" ? "" : ` (${look.failed.map((each) => each.part).join(", ")})`;
    const text = watch.restart
      ? `${connector} failed again ${since} after restart${failedWhat}.`
      : `${connector} failed ${since} after the ${change}${failedWhat}.`;
    return {
      next: "end",
      say: {
        ...reply(text, [
          { kind: "text", text },
          ...(head.length === 0 ? [] : [{ kind: "code" as const, text: head.join("\n") }]),
        ]),
        outcome: "failed",
      },
    };
  }
  // A FAILED not judged yet says nothing: neither progress nor a verdict until Connect has acted on the restart.
  if (first !== undefined) return { next: "look", watch };
  const seen = { ...watch, seenUp: true };
  if (look.state === "PAUSED" || look.state === "STOPPED")
    return end(
      `${connector} is ${look.state} ${since} ${after}: nothing replays until it is resumed, so the bot stopped watching it.`,
    );
  const running = look.state === "RUNNING";
  const elapsed = look.at - watch.doneAt;
  // A replay ends when the sink has read everything; a restart (or a change to a source) once it held for steadyFor.
  if (running && look.left === 0 && !watch.restart)
    return end(`${connector} caught up in ${since} ${after}: nothing left to read.`);
  // A sink whose lag could not be read has not shown that it caught up: it is not called "held".
  const nothingLeft = look.left === 0 || (look.left === undefined && !look.sink);
  if (running && nothingLeft && elapsed >= times.steadyForMs)
    return end(`${connector} is still RUNNING ${since} ${after}: it held.`);
  if (elapsed >= times.maxForMs) {
    const where =
      look.left === undefined ? `it is ${look.state}` : `${count(look.left, "record")} still left to read`;
    return end(`Stopped watching ${connector} after ${since}: ${where}.`);
  }
  if (look.left === undefined || look.left === 0) return { next: "look", watch: seen };
  const watched = { ...seen, last: { at: look.at, left: look.left } };
  const told = watch.told;
  if (told !== undefined && (look.at - told.at < times.progressEveryMs || look.left === told.left))
    return { next: "look", watch: watched };
  const text = `${connector}: ${count(look.left, "record")} left to read${pace(watch.last, look)}.`;
  return {
    next: "look",
    watch: { ...watched, told: { at: look.at, left: look.left } },
    say: reply(text, [{ kind: "text", text }]),
  };
}

/** `, 1,200 records/s, about 3 min to go` from the last look's count; nothing before a second look. */
function pace(last: FollowWatch["last"], look: FollowLook): string {
  if (last === undefined || look.left === undefined || look.at <= last.at) return "";
  const perSecond = ((last.left - look.left) * 1_000) / (look.at - last.at);
  if (perSecond <= 0) return ", not moving since the last look";
  return `, ${figure(Math.round(perSecond))} records/s, about ${formatDuration((look.left / perSecond) * 1_000)} to go`;
}

function end(text: string, outcome: Reply["outcome"] = "succeeded"): FollowStep {
  return { next: "end", say: { ...reply(text, [{ kind: "text", text }]), outcome } };
}
