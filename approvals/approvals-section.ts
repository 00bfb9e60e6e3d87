import { z } from "zod";
import { ConfigError, definedOnly, duration, fromVariable } from "../src/core/config-schema.js";
import { parseDuration } from "../src/core/duration.js";
import { defaultPolicy, destructiveCommands } from "./approval-entries.js";
import type { ApprovalPolicy } from "./approval-policy.js";

/** A command the policy can name; the message reads after `"restart" is not`. */
const destructiveCommand = z.enum(destructiveCommands, { error: () => "a destructive command" });

/**
 * A cluster's `approvals:` section: which destructive commands wait for approval there, how many approvers they
 * need, the rules that approve in a person's place, and reminders. In the one-cluster shortcut, `required` and
 * `approvers` come from APPROVALS_REQUIRED and APPROVERS_NEEDED. @defaultValue every destructive command, one approver
 */
export const ApprovalsSection = z
  .strictObject({
    /** @defaultValue every destructive command */
    required: fromVariable(
      "APPROVALS_REQUIRED",
      z.array(destructiveCommand).default([...destructiveCommands]),
      {
        hint: `Use "none" or a comma-separated list of: ${destructiveCommands.join(", ")}.`,
        parse: (text) =>
          text.trim() === "none" ? [] : text.split(",").map((name) => name.trim().replace(/\s+/g, " ")),
      },
    ),
    /** Distinct approvers each request needs. @defaultValue 1 */
    approvers: fromVariable("APPROVERS_NEEDED", z.number().int().min(1).max(5).default(1)),
    /**
     * Rules that approve in a person's place, first match wins: on connectors matching `connectors`, the
     * `commands` named, within `maxReplay` / `maxSkip` records for sink offset changes (docs/approvals.md, "Auto-approval").
     */
    autoApprove: z
      .array(
        z.strictObject({
          name: z
            .string()
            .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "lower-case letters, digits, '.', '_' and '-'"),
          commands: z.array(destructiveCommand).min(1, "name the commands it approves"),
          connectors: z
            .array(z.string().min(1).max(249))
            .min(1, 'name the connector patterns it approves on ("*" for every one)'),
          maxReplay: z.number().int().min(0).optional(),
          maxSkip: z.number().int().min(0).optional(),
        }),
      )
      .refine((rules) => new Set(rules.map((rule) => rule.name)).size === rules.length, {
        message: "rule names must be unique: the audit names the rule that approved",
      })
      .default([]),
    /** A waiting request is reminded of in its thread after this long, naming who can approve it. */
    remindAfter: duration("remindAfter", 1_000).optional(),
    /** Still waiting after this long (since it was asked), it is escalated to `escalateTo`. */
    escalateAfter: duration("escalateAfter", 1_000).optional(),
    /** A channel (`C…`, posted there) or a user group (`S…`, mentioned in the request's thread). */
    escalateTo: z
      .string()
      .regex(/^[CGS][A-Z0-9]{2,}$/, "a Slack channel id (C…) or user-group id (S…)")
      .optional(),
  })
  .refine((approvals) => (approvals.escalateAfter === undefined) === (approvals.escalateTo === undefined), {
    message: "escalateAfter and escalateTo go together: when, and to whom",
  })
  .refine(
    ({ remindAfter, escalateAfter }) =>
      remindAfter === undefined || escalateAfter === undefined || escalateAfter > remindAfter,
    { message: "escalateAfter must come after remindAfter" },
  )
  .optional();

/** A cluster's `approvals:` as the approvals read it ({@link defaultPolicy} when absent). */
export function approvalPolicyOf(approvals: z.output<typeof ApprovalsSection>): ApprovalPolicy {
  if (approvals === undefined) return defaultPolicy;
  const { required, approvers, autoApprove, remindAfter, escalateAfter, escalateTo } = approvals;
  return {
    required: new Set(required),
    approvers,
    autoApprove: autoApprove.map((rule) => definedOnly(rule)),
    ...(remindAfter === undefined ? {} : { remindAfterMs: remindAfter }),
    ...(escalateAfter === undefined || escalateTo === undefined
      ? {}
      : { escalateAfterMs: escalateAfter, escalateTo }),
  };
}

/**
 * The document's approval timings, the same for every cluster: each a duration as written, checked by
 * {@link approvalTimingsOf} with a message that says what it bounds.
 */
export const ApprovalTimingFields = {
  /** How long a request waits for approvers. @defaultValue 30m */
  approvalExpiry: fromVariable("APPROVAL_EXPIRY", z.string().default("30m")),
  /** An approved request no bot process starts within this fails as stale instead of running late. @defaultValue 5m */
  approvalStartWithin: fromVariable("APPROVAL_START_WITHIN", z.string().default("5m")),
  /**
   * How long an approved change waits out Connect's 409 (a rebalance) on each call before it fails: Connect's
   * default `scheduled.rebalance.max.delay.ms` is 5 min, so a dead worker's connectors wait that long.
   * @defaultValue 5m
   */
  approvalRebalanceWait: fromVariable("APPROVAL_REBALANCE_WAIT", z.string().default("5m")),
};

/** The approval timings in ms. @throws ConfigError naming the timing and the shortest it may be */
export function approvalTimingsOf(document: {
  readonly approvalExpiry: string;
  readonly approvalStartWithin: string;
  readonly approvalRebalanceWait: string;
}): { approvalExpiryMs: number; approvalStartWithinMs: number; approvalRebalanceWaitMs: number } {
  return {
    approvalExpiryMs: approvalExpiry(document.approvalExpiry),
    approvalStartWithinMs: approvalStartWithin(document.approvalStartWithin),
    approvalRebalanceWaitMs: approvalRebalanceWait(document.approvalRebalanceWait),
  };
}

function approvalExpiry(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < 60_000) {
    throw new ConfigError(
      `Invalid approval expiry "${text}": use a duration of at least a minute, such as 30m or 2h.`,
    );
  }
  return ms;
}

function approvalStartWithin(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < 10_000) {
    throw new ConfigError(
      `Invalid approval start bound "${text}": use a duration of at least 10 s, such as 5m (how long an approved request may wait for a bot process to start it).`,
    );
  }
  return ms;
}

function approvalRebalanceWait(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < 1_000) {
    throw new ConfigError(
      `Invalid rebalance wait "${text}": use a duration of at least 1 s, such as 5m (how long an approved change waits out Connect's 409 while its group rebalances; match the workers' scheduled.rebalance.max.delay.ms).`,
    );
  }
  return ms;
}
