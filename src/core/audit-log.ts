/**
 * The audit port: what the dispatcher and the commands need from the audit trail (append, read, verify), declared
 * here so the core imports no store. src/audit/audit-trail.ts implements it on a Redis stream; the app wires it.
 */

export const auditOutcomes = [
  "succeeded",
  "refused",
  "failed",
  "requested",
  "approved",
  "denied",
  "expired",
  "cancelled",
] as const;
export type AuditOutcome = (typeof auditOutcomes)[number];

/** Who acted: an adapter's name (an actor's `source`, e.g. "slack", "shell") or "system" (the bot itself). */
export type AuditSource = string;

/** What a caller records. Arguments arrive with secrets already hidden. */
export interface AuditRecord {
  readonly actorId: string;
  readonly actorName: string;
  readonly source: AuditSource;
  readonly cluster?: string;
  readonly connector?: string;
  readonly command: string;
  readonly args: string;
  readonly outcome: AuditOutcome;
  readonly errorCode?: string;
  /** Why it was refused or failed, in words (e.g. the missing role). */
  readonly detail?: string;
  /** Stored rounded to whole milliseconds. */
  readonly durationMs: number;
  readonly requestId: string;
}

/** An entry as stored: the record, when (ISO 8601 UTC), its id in the trail, and its links in the hash chain. */
export interface AuditLogEntry {
  readonly id: string;
  readonly time: string;
  readonly actorId: string;
  readonly actorName: string;
  readonly source: AuditSource;
  readonly cluster?: string | undefined;
  readonly connector?: string | undefined;
  readonly command: string;
  readonly args: string;
  readonly outcome: AuditOutcome;
  readonly errorCode?: string | undefined;
  readonly detail?: string | undefined;
  /** Whole milliseconds. */
  readonly durationMs: number;
  readonly requestId: string;
  /** The hash of the entry before (SHA-256, lowercase hex). */
  readonly prevHash: string;
  /** SHA-256 over `prevHash` and the entry's fields, lowercase hex. */
  readonly hash: string;
}

export interface AuditQuery {
  readonly connector?: string;
  readonly actorId?: string;
  /** The name the entry recorded, compared without case (Slack names are lower case; people type either). */
  readonly actorName?: string;
  /** Entries from this instant on (the trail's clock). */
  readonly since?: Date;
  /** Default 20, at most 200. */
  readonly limit?: number;
}

export type AuditVerification =
  | { readonly ok: true; readonly entries: number }
  | { readonly ok: false; readonly entries: number; readonly problem: string; readonly entryId?: string };

/**
 * Stable codes of a failed append (reading fails only as Redis itself fails):
 * - `AUDIT_CONTENDED`: other writers moved the chain's head on every try; appending again later may succeed.
 * - `AUDIT_INVALID_RECORD`: the record cannot be stored as given (a programming error in the caller).
 * - `AUDIT_CORRUPT`: the head record holds something the trail never writes (`audit verify` says more).
 */
export const auditErrorCodes = ["AUDIT_CONTENDED", "AUDIT_INVALID_RECORD", "AUDIT_CORRUPT"] as const;
export type AuditErrorCode = (typeof auditErrorCodes)[number];

/** The audit trail as the core uses it (src/audit's `AuditTrail` implements it on a Redis stream). */
export interface AuditLog {
  /**
   * Stores one entry at the end of the trail and returns it as stored. Fails with an error carrying a stable
   * {@link AuditErrorCode} when it cannot.
   */
  append(record: AuditRecord): Promise<AuditLogEntry>;
  /** Newest first, at most `query.limit`. */
  query(query?: AuditQuery): Promise<readonly AuditLogEntry[]>;
  /** Walks the whole chain and names the first entry that does not fit. */
  verify(): Promise<AuditVerification>;
}
