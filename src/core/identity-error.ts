export const identityErrorCodes = ["IDENTITY_UNKNOWN", "IDENTITY_UNAVAILABLE"] as const;

/**
 * The identity source's answer about a person was no answer (`IDENTITY_UNAVAILABLE`, retriable: an outage, a
 * rate limit, a server error) or "no such person" (`IDENTITY_UNKNOWN`, a verdict). `src/core/error-words.ts`
 * words both; the first never as a verdict on the person.
 */
export class IdentityError extends Error {
  readonly code: (typeof identityErrorCodes)[number];
  readonly retriable: boolean;
  /** Who answers for identities, as people call it: "Slack". */
  readonly service: string;
  readonly principal: string;
  /** The source's own answer: `user_not_found`, `fatal_error`, `HTTP 503`… */
  readonly reason: string;

  constructor(code: IdentityError["code"], fields: Pick<IdentityError, "service" | "principal" | "reason">) {
    super(
      `${fields.service} ${code === "IDENTITY_UNKNOWN" ? "does not know" : "could not answer about"} ${fields.principal}: ${fields.reason}`,
    );
    this.code = code;
    this.retriable = code === "IDENTITY_UNAVAILABLE";
    this.service = fields.service;
    this.principal = fields.principal;
    this.reason = fields.reason;
  }
}
