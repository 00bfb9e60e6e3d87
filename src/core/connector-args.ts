import { z } from "zod";
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

/** The arguments of every command that takes exactly one connector and nothing else. */
export const oneConnector = {
  positionals: [{ name: "connector", description: "the connector's name" }],
  flags: {},
  args: z.object({ connector: ConnectorName }),
  connectorOf: (args: { connector: string }) => args.connector,
} as const;

/** Why a change is asked for or refused: shown to the approver and kept in the audit. */
export const Reason = z.string().trim().min(3, "say why, in a few words");

/** An approval request's id as people type it: `<cluster>-<n>-<tail>` (`<cluster>-<n>` before the tail existed). */
export const RequestId = z
  .string()
  .regex(/^[a-z0-9._-]+-\d+(-[a-z0-9]{4})?$/, "a request id such as prod-17-k3mx");

/** The digest of what a request does, as its buttons carry it (12 hex digits). */
export const RequestDigest = z.string().regex(/^[0-9a-f]{12}$/, "12 hex digits, as the buttons send");

/** `--digest`: approve or deny only if the request still does what the message showed. */
export const digestFlag = {
  digest: {
    type: "string",
    valueName: "DIGEST",
    description: "only if the request still does what this digest names (the Slack buttons send it)",
  },
} as const;

/** The `--reason` flag every destructive command takes. */
export const reasonFlag = {
  reason: {
    type: "string",
    valueName: '"WHY"',
    description: "why (required; shown to the approver and kept in the audit)",
  },
} as const;

/** The arguments of every command that takes one connector and a reason (`stop`, `delete`). */
export const oneConnectorWithReason = {
  positionals: oneConnector.positionals,
  flags: reasonFlag,
  args: z.object({ connector: ConnectorName, reason: Reason }),
  connectorOf: oneConnector.connectorOf,
} as const;
