import type { AuditErrorCode } from "../core/audit-log.js";

const retriableCodes: ReadonlySet<AuditErrorCode> = new Set(["AUDIT_CONTENDED"]);

/** A failed append to the audit trail, with its stable code (see the core's `auditErrorCodes`). */
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
