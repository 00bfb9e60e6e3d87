import type { AuditErrorCode } from "./audit-log.js";
import type { identityErrorCodes } from "./identity-error.js";
import type { ConnectErrorCode, ConnectFailure, KafkaConnectionErrorCode, topicGoneCode } from "./ports.js";

/**
 * Every stable code an error reaching the core may carry: Connect's, a Kafka session's, a gone topic's, an identity
 * source's, the audit trail's, and the refusals already worded for the person (`USAGE`, `PLAN_REFUSED`).
 */
export type ErrorCode =
  | ConnectErrorCode
  | KafkaConnectionErrorCode
  | typeof topicGoneCode
  | (typeof identityErrorCodes)[number]
  | AuditErrorCode
  | "USAGE"
  | "PLAN_REFUSED";

/** The error a code names: a Connect code brings the failed call's details (`reason`, `status`…). */
export type CodedError<C extends ErrorCode> = C extends ConnectErrorCode
  ? ConnectFailure & { readonly code: C }
  : Error & { readonly code: C };

/**
 * Whether `error` carries one of `codes` (`hasCode(error, ...connectErrorCodes)`: whether a Connect call failed at
 * all). Errors are read by their stable code, never by their class, so the core
 * and the domain need none of the clients that throw them (the layer rule).
 */
export function hasCode<C extends ErrorCode>(error: unknown, ...codes: readonly C[]): error is CodedError<C> {
  if (!(error instanceof Error) || !("code" in error)) return false;
  const { code } = error;
  return codes.some((each) => each === code);
}
