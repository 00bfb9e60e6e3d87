import { z } from "zod";
import { ConnectorOffset, ConnectorState } from "../src/core/ports.js";

export const approvalStates = [
  "pending",
  "approved",
  "executing",
  "succeeded",
  "failed",
  "denied",
  "expired",
  "cancelled",
] as const;
export type ApprovalState = (typeof approvalStates)[number];

/** A request in one of these holds its connector: no other request on it may be asked until it ends. */
export const openStates: readonly ApprovalState[] = ["pending", "approved", "executing"];

/** The steps of an execution, in order; the request records the last one completed. */
export const executionSteps = ["snapshot", "stopped", "resolved", "changed", "verified", "restored"] as const;
export type ExecutionStep = (typeof executionSteps)[number];

/**
 * Someone a request names. `source` is the adapter they came through ("slack", "shell"), so their role can be
 * checked again when the change runs; a request stored before it was recorded has none, and fails that check.
 */
export const Person = z.object({ id: z.string(), name: z.string(), source: z.string().optional() });

/** One partition of a sink's offset change: committed before → after, and what the sink reads again or skips. */
export const OffsetMove = z.object({
  /** `topic:partition`. */
  partition: z.string(),
  before: z.number().nullable(),
  after: z.number().nullable(),
  replay: z.number(),
  skip: z.number(),
});
export type OffsetMove = z.infer<typeof OffsetMove>;

/** What a bulk action did to one connector of its set. */
export const BulkOutcome = z.object({
  connector: z.string(),
  outcome: z.enum(["done", "failed"]),
  /** Where it stands afterwards, or why the call failed. */
  detail: z.string(),
});
export type BulkOutcome = z.infer<typeof BulkOutcome>;

/**
 * One request without its operation: what the kinds read of it (the operation is passed to them typed for their
 * kind). `ApprovalRequest` (approval-request.ts) adds the operation, its union built from the kind registry.
 */
export const RequestRecord = z.object({
  id: z.string(),
  cluster: z.string(),
  connector: z.string(),
  command: z.string(),
  reason: z.string(),
  requester: Person,
  /**
   * Asked by an agent (an identity that may only propose, `Identity.proposeOnly`): it waits for a person whatever
   * the cluster's policy, and its messages say "proposed by".
   */
  proposal: z.literal(true).optional(),
  /** The plan as the approver saw it: a rendered summary, kept with the request. */
  planSummary: z.string(),
  /** A sink plan's per-partition numbers as previewed when asked (createdAt), to compare with what ran. */
  preview: z.array(OffsetMove).optional(),
  /** A source change's offsets, as they were when asked: the done message says if they moved before it ran. */
  previewOffsets: z.array(ConnectorOffset).optional(),
  state: z.enum(approvalStates),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  /** How many distinct approvers the cluster's policy asks for; 0 when the policy needs none. */
  approversNeeded: z.number().int().min(0).default(1),
  /** Approvals so far, in order; the request is approved when there are `approversNeeded`. */
  approvedBy: z.array(Person).default([]),
  /** Who approved last, or denied. */
  decidedBy: Person.optional(),
  decidedAt: z.iso.datetime().optional(),
  decisionNote: z.string().optional(),
  /**
   * Each time the change was about to run and approvals no longer counted (an approver lost the role or was
   * deactivated): when, whose, and why (approvals/recheck-people.ts). The request went back to waiting.
   */
  setBacks: z
    .array(
      z.object({ at: z.iso.datetime(), dropped: z.array(z.object({ person: Person, why: z.string() })) }),
    )
    .optional(),
  /** The auto-approval rule that approved it in a person's place (approvals/auto-approval.ts). */
  approvedByRule: z.string().optional(),
  /**
   * The rule that had approved it no longer did when it was checked again (its plan grew past the bound once
   * resolved, or the rule changed): when, which, and why. It went back to waiting for people.
   */
  ruleWithdrawn: z.object({ rule: z.string(), why: z.string(), at: z.iso.datetime() }).optional(),
  /** Why no rule approved it when asked, though one matched its command and connector (a bound it exceeds). */
  ruleDeclined: z.string().optional(),
  /** When its requester last nudged its approvers (`nudge`): once per the policy's reminder interval. */
  nudgedAt: z.iso.datetime().optional(),
  /** Filled in as the execution goes. */
  step: z.enum(executionSteps).optional(),
  /** Which execution owns the request: one that finds another here was taken over and stops. */
  executor: z.string().optional(),
  /** The change was sent to Connect; without a saved "changed" step, its outcome is unknown. */
  changeSent: z.boolean().optional(),
  priorState: ConnectorState.optional(),
  snapshot: z.array(ConnectorOffset).optional(),
  /**
   * Saved at step "resolved", after the stop and before the change: the offsets the change sets (null: DELETE all)
   * and, for sinks, each partition's real move. A resumed execution sends these, never resolving twice.
   */
  resolved: z
    .object({ offsets: z.array(ConnectorOffset).nullable(), moves: z.array(OffsetMove).optional() })
    .optional(),
  /** A deleted connector's config, so it can be created again. */
  snapshotConfig: z.record(z.string(), z.string()).optional(),
  /** The settings of `snapshotConfig` that are secret: sealed in Redis, or left out when no key is set. */
  snapshotSecretKeys: z.array(z.string()).optional(),
  outcome: z.string().optional(),
  /** A bulk action's outcome per connector, saved with its step "changed". */
  bulkOutcomes: z.array(BulkOutcome).optional(),
  /**
   * After a failed run that left the connector away from its prior state: the command that puts it back
   * (`resume` for RUNNING, `pause` for PAUSED), offered with the outcome.
   */
  wayBack: z.enum(["resume", "pause"]).optional(),
  finishedAt: z.iso.datetime().optional(),
  requestId: z.string(),
  /** Where it was asked (a Slack channel id): the approval message goes there when no approvals channel is set. */
  channelId: z.string().optional(),
});
export type RequestRecord = z.infer<typeof RequestRecord>;
