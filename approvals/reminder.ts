import type { Principal } from "../src/core/roles.js";

/** Why a waiting request is brought up again: the policy's reminder, its escalation, or the requester's nudge. */
export type ReminderKind = "reminder" | "escalation" | "nudge";

/** A waiting request brought up again (approval-lifecycle.ts `remind`, `nudge`), as the notifier is told it. */
export interface Reminder {
  readonly kind: ReminderKind;
  /** Who may approve it, as configured (users and groups whose approver grant covers its connector). */
  readonly approvers: readonly Principal[];
  /** How long it has waited since it was asked, in ms. */
  readonly waitedMs: number;
  /** An escalation's channel (`C…`) or user group (`S…`). */
  readonly escalateTo?: string;
}
