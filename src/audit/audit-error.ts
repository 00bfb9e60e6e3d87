/** Stable codes for failures to write the audit trail (reading it fails only as Redis itself fails). */
export type AuditErrorCode = "AUDIT_CONTENDED" | "AUDIT_INVALID_RECORD" | "AUDIT_CORRUPT";

const retriableCodes: ReadonlySet<AuditErrorCode> = new Set(["AUDIT_CONTENDED"]);

/**
 * - `AUDIT_CONTENDED`: other writers moved the chain's head on every try; appending again later may succeed.
 * - `AUDIT_INVALID_RECORD`: the record cannot be stored as given (a programming error in the caller).
 * - `AUDIT_CORRUPT`: the head record holds something the trail never writes (`audit verify` says more).
 */
export class AuditError extends Error {
  override readonly name = "AuditError";
  readonly code: AuditErrorCode;
  /** Whether the same append may succeed if repeated later. */
  readonly retriable: boolean;

  constructor(code: AuditErrorCode, message: string) {
    super(message);
    this.code = code;
    this.retriable = retriableCodes.has(code);
  }
}
