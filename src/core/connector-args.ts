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
