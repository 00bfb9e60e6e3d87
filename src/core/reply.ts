import { utcClock } from "./duration.js";

/**
 * What a command answers, independent of where it is shown. Every string in a reply is literal text: the Slack
 * adapter escapes it for mrkdwn and the shell prints it, so user-supplied names can never turn into markup.
 */
export type ReplyPart =
  | { readonly kind: "heading"; readonly text: string }
  | { readonly kind: "text"; readonly text: string }
  /** Labelled values; a value that is a moment is written by each adapter (Slack in the reader's time zone). */
  | {
      readonly kind: "fields";
      readonly fields: readonly (readonly [label: string, value: string | ReplyTime])[];
    }
  | {
      readonly kind: "table";
      readonly columns: readonly string[];
      readonly rows: readonly (readonly string[])[];
      /**
       * Rows the command left out, and how to narrow the question; `cursor`, where the command pages, is the value
       * of its `after` argument that shows the next page.
       */
      readonly omitted?: { readonly count: number; readonly hint: string; readonly cursor?: string };
    }
  | { readonly kind: "code"; readonly text: string }
  | { readonly kind: "note"; readonly text: string }
  /** A line (`text`) or a note that names moments: each adapter writes them (Slack in the reader's time zone). */
  | { readonly kind: "timed"; readonly as: "text" | "note"; readonly pieces: readonly (string | ReplyTime)[] }
  | ReplyChart
  | { readonly kind: "actions"; readonly actions: readonly ReplyAction[] };

/** A moment (epoch ms): the shell writes it in UTC, Slack in each reader's own time zone. */
export interface ReplyTime {
  readonly at: number;
  /**
   * What the shell writes besides the hour and minute: the day, for a moment that may not be today
   * (`2026-12-08 00:30 UTC`), or the seconds (`14:05:09 UTC`). Slack always names the day.
   * @defaultValue neither: `14:05 UTC`
   */
  readonly with?: "date" | "seconds";
}

/**
 * Figures over time, drawn as lines where the adapter can (Slack's chart) and said in words where it cannot. All
 * series share one unit; a figure in another unit is another chart.
 */
export interface ReplyChart {
  readonly kind: "chart";
  readonly title: string;
  /** What the values count, in words: `messages`, `minutes`. */
  readonly unit: string;
  readonly series: readonly {
    readonly name: string;
    /** Oldest first; `at` is epoch ms. */
    readonly points: readonly { readonly at: number; readonly value: number }[];
  }[];
}

/**
 * A button: clicked, it runs `call` through the dispatcher as the person who clicked, exactly as the typed
 * command `typed` would. An adapter without buttons shows `typed`.
 */
export interface ReplyAction {
  readonly label: string;
  /** The main action, or one that refuses or destroys; adapters colour them (Slack's button styles). */
  readonly style?: "primary" | "danger";
  /** The command and its arguments, typed: never a line to parse again. */
  readonly call: {
    readonly command: string;
    readonly args: Readonly<Record<string, string>>;
    /** The cluster it acts on, when the answer was about one (a preview's Confirm). */
    readonly cluster?: string;
  };
  /** The same as a command line: `approve prod-17-k3mx`. */
  readonly typed: string;
}

export interface Reply {
  /** One line that stands for the whole reply (notifications, the audit mirror, the shell's exit summary). */
  readonly summary: string;
  readonly parts: readonly ReplyPart[];
  /** Replies to commands that change something go to the channel, so the team sees them. */
  readonly visibility: "ephemeral" | "in_channel";
  readonly outcome: "succeeded" | "refused" | "failed";
  /**
   * The connector the answer turned out to be about when the command line named none (`approve <id>`): the audit
   * files the entry under it.
   */
  readonly about?: { readonly cluster: string; readonly connector: string };
  /** The approval request this answer queued, by id: a one-shot command waits for one that runs at once. */
  readonly queued?: string;
  /**
   * What a notifier could not deliver while the command ran (its approval request's message, refused by Slack),
   * each as the notice to show the person after the answer itself (see `ChatHost.dispatch`).
   */
  readonly undelivered?: readonly Reply[];
}

/**
 * A line or a note that names moments, as a tagged template: ``timed("note")`Fired at ${time(ms)}.` ``.
 * Interpolated strings stay literal text, like every string in a reply.
 */
export function timed(as: "text" | "note") {
  return (strings: TemplateStringsArray, ...values: readonly (string | ReplyTime)[]): ReplyPart => ({
    kind: "timed",
    as,
    pieces: strings.flatMap((text, i) => {
      const value = values[i];
      const pieces = text === "" ? [] : [text];
      return value === undefined ? pieces : [...pieces, value];
    }),
  });
}

/** A moment for {@link timed} or a field: epoch ms, and what the shell writes besides hour and minute. */
export function time(at: number, with_?: ReplyTime["with"]): ReplyTime {
  return with_ === undefined ? { at } : { at, with: with_ };
}

/** A moment as the shell and every notification text write it, in UTC: `14:05 UTC`, `2026-12-08 00:30 UTC`. */
export function utcMoment({ at, with: with_ }: ReplyTime): string {
  const iso = new Date(at).toISOString();
  if (with_ === "date") return `${iso.slice(0, 16).replace("T", " ")} UTC`;
  return with_ === "seconds" ? `${iso.slice(11, 19)} UTC` : utcClock(at);
}

/** Pieces of a timed line as plain text, each moment in UTC: for summaries and other text-only places. */
export function inUtc(pieces: readonly (string | ReplyTime)[]): string {
  return pieces.map((piece) => (typeof piece === "string" ? piece : utcMoment(piece))).join("");
}

export function reply(
  summary: string,
  parts: readonly ReplyPart[] = [],
  visibility: Reply["visibility"] = "ephemeral",
): Reply {
  return { summary, parts, visibility, outcome: "succeeded" };
}

export function errorReply(
  outcome: "refused" | "failed",
  summary: string,
  parts: readonly ReplyPart[] = [],
): Reply {
  return { summary, parts, visibility: "ephemeral", outcome };
}
