import { setTimeout as sleep } from "node:timers/promises";

/**
 * The pauses between tries: pause n (from 0, the one after the first try) is min(firstMs × factorⁿ, maxMs),
 * spread by `jitter`.
 */
export interface Backoff {
  /** The pause after the first try, in ms. */
  readonly firstMs: number;
  /** Each pause is this many times the one before. @defaultValue 1 (a steady interval, as a poll wants) */
  readonly factor?: number;
  /** No pause is longer, in ms. @defaultValue no cap */
  readonly maxMs?: number;
  /**
   * "equal": drawn from [½, 1½] × the pause, so that clients failing together do not retry together; "full": from
   * [0, 1] × it, so that racing writers stop meeting (AWS's "full jitter"). @defaultValue "none"
   */
  readonly jitter?: "none" | "equal" | "full";
}

/** How far a piece of work got before it was given up, for the error that says so. */
export interface Tried {
  readonly attempts: number;
  /** Since the first try began, in ms. */
  readonly elapsedMs: number;
}

/** One try, as the work sees it. */
export interface Attempt {
  /** 1 for the first try. */
  readonly number: number;
  /** Time left to the farthest bound (deadline or wait-out), in ms: a try's own timeout should be no longer. */
  readonly remainingMs: number;
}

/**
 * When a piece of work is repeated, as data (undici's retry interceptor takes its policy the same way): how often,
 * how long in all, which failures are worth another try, how long to pause between tries. A failure not retryable,
 * the last try spent, a pause that would end past the deadline, or the signal aborted: the last failure is thrown
 * (or what `giveUp` makes of it). Time is measured with `performance.now()`, which does not jump with the wall clock.
 */
export interface RetryPolicy {
  /** Tries in all, the first included. @defaultValue no limit but the deadline */
  readonly attempts?: number;
  readonly backoff: Backoff;
  /** The whole, in ms from the first try: a pause that would end past it is not taken. @defaultValue no deadline */
  readonly deadlineMs?: number;
  /** Whether a failure is worth another try; any other is thrown at once. @defaultValue every failure */
  readonly retryable?: (error: unknown) => boolean;
  /**
   * Failures that are weather, waited out rather than counted: repeated whatever `attempts` and `deadlineMs` say,
   * until `forMs` from the first try, the last pause cut to end just before that bound (Connect's 409 while its
   * group rebalances). Only these may run past `deadlineMs`.
   */
  readonly waitOut?: { readonly when: (error: unknown) => boolean; readonly forMs: number };
  /** The failure's own word on when to try again (an HTTP `Retry-After`), in ms: the pause is at least that. */
  readonly retryAfterMs?: (error: unknown) => number | undefined;
  /** Aborting it ends the waiting: the last failure is thrown at once. */
  readonly signal?: AbortSignal | undefined;
  /** What is thrown on giving up, given the last failure. @defaultValue the last failure itself */
  readonly giveUp?: (error: unknown, tried: Tried) => unknown;
}

/** A waited-out failure's last pause ends this long before its bound, so that the last try may still be answered. */
const lastTryMs = 50;

/**
 * Runs `work` until it succeeds or `policy` says to stop (see {@link RetryPolicy}); resolves with its result.
 * @throws the last failure, or what `policy.giveUp` makes of it.
 */
export async function retry<T>(work: (attempt: Attempt) => Promise<T>, policy: RetryPolicy): Promise<T> {
  const { attempts = Number.POSITIVE_INFINITY, deadlineMs = Number.POSITIVE_INFINITY, waitOut } = policy;
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const bound = Math.max(deadlineMs, waitOut?.forMs ?? 0);
  for (let number = 1; ; number++) {
    try {
      return await work({ number, remainingMs: bound - elapsed() });
    } catch (error) {
      const waitingOut = waitOut?.when(error) === true;
      const drawn = Math.max(pauseMs(policy.backoff, number - 1), policy.retryAfterMs?.(error) ?? 0);
      const pause = waitingOut ? Math.min(drawn, (waitOut?.forMs ?? 0) - elapsed() - lastTryMs) : drawn;
      const goOn =
        (waitingOut || (policy.retryable?.(error) ?? true)) &&
        (waitingOut || number < attempts) &&
        (waitingOut ? pause > 0 : deadlineMs - elapsed() - pause > 0) &&
        policy.signal?.aborted !== true;
      const giveUp = () => {
        throw policy.giveUp === undefined
          ? error
          : policy.giveUp(error, { attempts: number, elapsedMs: elapsed() });
      };
      if (!goOn) giveUp();
      await sleep(pause, undefined, policy.signal === undefined ? {} : { signal: policy.signal }).catch(
        giveUp,
      );
    }
  }
}

/** What {@link poll} takes: how long to ask, and how long to pause between asks. */
export type PollPolicy = Pick<RetryPolicy, "backoff" | "deadlineMs" | "signal">;

const notYet: unique symbol = Symbol("not yet");

/**
 * Asks `probe` until it answers something other than undefined, pausing as `policy` says; resolves with that
 * answer, or with undefined once the deadline has passed (the last pause is cut so that the last ask comes just
 * before it). A probe that throws ends the poll with its error (catch inside the probe what means "not yet").
 */
export async function poll<T>(
  probe: (attempt: Attempt) => Promise<T | undefined>,
  policy: PollPolicy,
): Promise<T | undefined> {
  try {
    return await retry(
      async (attempt) => {
        const answer = await probe(attempt);
        if (answer === undefined) throw notYet;
        return answer;
      },
      {
        ...policy,
        retryable: () => false,
        waitOut: { when: (error) => error === notYet, forMs: policy.deadlineMs ?? Number.POSITIVE_INFINITY },
      },
    );
  } catch (error) {
    if (error === notYet) return undefined;
    throw error;
  }
}

/** Pause `n` (from 0) of `backoff`, in ms. */
function pauseMs(backoff: Backoff, n: number): number {
  const { firstMs, factor = 1, maxMs = Number.POSITIVE_INFINITY, jitter = "none" } = backoff;
  const pause = Math.min(firstMs * factor ** n, maxMs);
  if (jitter === "equal") return pause * (0.5 + Math.random());
  if (jitter === "full") return pause * Math.random();
  return pause;
}
