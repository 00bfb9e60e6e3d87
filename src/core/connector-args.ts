import { z } from "zod";
import { flag, positional } from "./command-spec.js";
import { parseDuration } from "./duration.js";

/** A connector name as typed: no control characters, and no longer than Kafka's topic-derived limit. */
export const ConnectorName = z
  .string()
  .min(1)
  .max(249, "a connector name is at most 249 characters")
  .refine((name) => !/\p{Cc}/u.test(name), "a connector name cannot hold control characters");

export const Duration = z.string().transform((text, context) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms === 0) {
    context.addIssue({ code: "custom", message: `"${text}" is not a duration such as 30m, 24h or 7d` });
    return z.NEVER;
  }
  return ms;
});

/** Why a change is asked for or refused: shown to the approver and kept in the audit. */
export const Reason = z.string().trim().min(3, "say why, in a few words");

/** An approval request's id as people type it: `<cluster>-<n>-<tail>` (`<cluster>-<n>` before the tail existed). */
export const RequestId = z
  .string()
  .regex(/^[a-z0-9._-]+-\d+(-[a-z0-9]{4})?$/, "a request id such as prod-17-k3mx");

/**
 * A maintenance window's id as people type it: `w<n>-<4 letters>`. It has no `-<digits>` after a name, so it never
 * reads as a request id, and `cancel` tells the two apart by their shape.
 */
export const WindowId = z.string().regex(/^w\d+-[a-z]{4}$/, "a window id such as w7-kmxp");

/** The digest of what a request does, as its buttons carry it (12 hex digits). */
export const RequestDigest = z.string().regex(/^[0-9a-f]{12}$/, "12 hex digits, as the buttons send");

/** `--digest`: approve or deny only if the request still does what the message showed. */
export const digestArg = flag(
  RequestDigest.optional(),
  "only if the request still does what this digest names (the Slack buttons send it)",
  { valueName: "DIGEST" },
);

/** The connector an invocation is about, as its first word. */
export const connectorArg = positional(ConnectorName, "the connector's name");

const connectorOf = (args: { connector: string }) => args.connector;

/** The arguments of every command that takes exactly one connector and nothing else. */
export const oneConnector = { args: z.object({ connector: connectorArg }), connectorOf } as const;

/** The `--reason` flag every destructive command takes. */
export const reasonArg = flag(Reason, "why (shown to the approver and kept in the audit)", {
  valueName: '"WHY"',
  why: "it is shown to the approver and kept in the audit",
});

/** The arguments of every command that takes one connector and a reason (`stop`, `delete`). */
export const oneConnectorWithReason = {
  args: z.object({ connector: connectorArg, reason: reasonArg }),
  connectorOf,
} as const;

/** A request id as the command's one word (`approve prod-17-k3mx`). */
export const requestArg = positional(RequestId, "the request's id, e.g. prod-17-k3mx");

/**
 * Whether a name typed for `pause`, `resume`, `restart` or `stop` is a pattern: it holds `*` (any run of
 * characters) or `?` (one), the one glob dialect of the bot (alerts, auto-restart). `--exact` takes it literally.
 */
export function isPattern(name: string): boolean {
  return /[*?]/.test(name);
}

/** Characters of other glob dialects (`[a-z]`, `{a,b}`): in a pattern they would silently match only themselves. */
const foreignGlob = /[[\]{}]/;

/** `orders-sink`, or a pattern such as `orders-*`; see {@link isPattern}. */
export const connectorOrPattern = positional(
  ConnectorName,
  'a connector\'s name, or a pattern such as "orders-*" (* any run, ? one character)',
);

/** `--exact`: the name is one connector's, even with `*` or `?` in it. */
export const exactArg = flag(
  z.literal(true).optional(),
  "take the name literally, as one connector, even with * or ? in it",
);

/** `--yes`: act on a pattern's set at once, without the preview (the shell's confirmation). */
export const yesArg = flag(z.literal(true).optional(), "with a pattern: act at once, without a preview");

/** `--confirm DIGEST`: act on the set a preview showed (the preview's Confirm button sends it). */
export const confirmArg = flag(
  RequestDigest.optional(),
  "with a pattern: act on exactly the set the preview with this digest showed",
  { valueName: "DIGEST" },
);

/** A maintenance window's flags (`pause`, `stop`): its start, and its end or length. Times are UTC. */
export const windowArgs = {
  from: flag(
    z.string().optional(),
    "a maintenance window's start: HH:MM in UTC, or a date-time (default now)",
    {
      valueName: "TIME",
    },
  ),
  until: flag(
    z.string().optional(),
    "the window's end: HH:MM in UTC (the next after its start), or a date-time",
    {
      valueName: "TIME",
    },
  ),
  for: flag(Duration.optional(), "the window's length from its start, e.g. 30m", { valueName: "DURATION" }),
} as const;

/** Whether any window flag was given: the command schedules a window instead of acting now. */
export function asksForWindow(args: {
  readonly from?: string | undefined;
  readonly until?: string | undefined;
  readonly for?: number | undefined;
}): boolean {
  return args.from !== undefined || args.until !== undefined || args.for !== undefined;
}

/**
 * What is wrong with how a target and its flags go together, or undefined: a pattern holding another dialect's
 * characters, a pattern with a task number, `--confirm` or `--yes` without a pattern or with a window, a window
 * without `--reason`.
 */
export function targetProblem(args: {
  readonly name: string;
  readonly exact?: true | undefined;
  readonly confirm?: string | undefined;
  readonly yes?: true | undefined;
  readonly window?: boolean;
  readonly reason?: string | undefined;
}): string | undefined {
  const pattern = args.exact !== true && isPattern(args.name);
  if (pattern && foreignGlob.test(args.name))
    return `"${args.name}" mixes glob dialects: a pattern's wildcards are * (any run) and ? (one character), nothing else; [ ] and { } would match only themselves (for a connector whose name holds * or ?, add --exact)`;
  if (args.window === true) {
    if (args.reason === undefined)
      return 'a maintenance window needs --reason "…": it is told in the window\'s thread and kept in the audit';
    if (args.confirm !== undefined || args.yes === true)
      return "a window is scheduled as asked: --confirm and --yes go with a bulk action now, not with --from/--until/--for";
    return undefined;
  }
  if (!pattern && (args.confirm !== undefined || args.yes === true))
    return `--confirm and --yes go with a pattern (such as "orders-*"); ${args.name} is one connector`;
  return undefined;
}
