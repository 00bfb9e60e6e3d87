import { type Identities, identityOf, scopeThrough } from "../src/core/identity.js";
import { IdentityError } from "../src/core/identity-error.js";
import { type AccountKind, hasRole, type Role } from "../src/core/roles.js";
import type { ApprovalRequest } from "./approval-request.js";

/**
 * The role a requester must still hold when their change runs: every command that asks for approval (stop,
 * delete, offsets reset / set / restore) needs it to be asked.
 */
export const requesterRole: Role = "operator";
/** The role each approver must still hold when the change runs (commands/approve.ts needs it to approve). */
export const approverRole: Role = "approver";

/** Someone a request names, as stored: `source` is the adapter they came through. */
export interface RequestPerson {
  readonly id: string;
  readonly name: string;
  readonly source?: string | undefined;
}

/** Why someone no longer counts; approval-words.ts words it. */
export type Lost =
  | {
      readonly kind: "role";
      readonly role: Role;
      readonly cluster: string;
      readonly now: Role | undefined;
      /** Set when the person's grants hold on some connectors only: the one the request is about. */
      readonly connector?: string;
    }
  | { readonly kind: "account"; readonly account: Exclude<AccountKind, "person"> }
  | { readonly kind: "unknown"; readonly service: string }
  | { readonly kind: "no-source" };

/**
 * Whether `person` may still act as `as` on `connector` of `cluster`, asked afresh of their adapter's identity
 * (never a cache): their account (a deactivated one never counts; a guest or a bot never approves) and their role
 * there, in the same scope the command and the approval were checked in (grants on connector patterns). Undefined
 * when they may. Throws {@link IdentityError} `IDENTITY_UNAVAILABLE` when the source could not answer: an outage is
 * never taken as a verdict either way.
 */
export async function whyNoLonger(
  identities: Identities,
  person: RequestPerson,
  cluster: string,
  as: "requester" | "approver",
  connector?: string,
): Promise<Lost | undefined> {
  if (identityOf(identities, person.source) === undefined) return { kind: "no-source" };
  const barred = await accountBar(identities, person, as);
  if (barred !== undefined) return barred;
  const role = as === "requester" ? requesterRole : approverRole;
  const question = { fresh: true, needed: role, ...(connector === undefined ? {} : { connector }) };
  const scope = await scopeThrough(identities, person.source, person.id, cluster, question);
  const now = connector === undefined ? scope.roleAt() : scope.roleAt(connector);
  if (hasRole(now, role)) return undefined;
  const scoped = connector !== undefined && scope.held.some((grant) => grant.connectors !== undefined);
  return { kind: "role", role, cluster, now, ...(scoped ? { connector } : {}) };
}

/**
 * What the person's account bars them from, as their source says now: a deactivated account counts for nothing, a
 * guest or a bot never approves, an account the source does not know counts for nothing. Throws
 * `IDENTITY_UNAVAILABLE` when the source could not answer.
 */
export async function accountBar(
  identities: Identities,
  person: RequestPerson,
  as: "requester" | "approver",
): Promise<Lost | undefined> {
  const identity = identityOf(identities, person.source);
  if (identity === undefined) return { kind: "no-source" };
  let account: AccountKind;
  try {
    account = (await identity.account?.(person.id)) ?? "person";
  } catch (error) {
    if (error instanceof IdentityError && error.code === "IDENTITY_UNKNOWN")
      return { kind: "unknown", service: error.service };
    throw error;
  }
  if (account === "deactivated" || (as === "approver" && account !== "person"))
    return { kind: "account", account };
  return undefined;
}

/** What the re-check found: the change runs, its requester no longer may ask for it, or some approvals dropped. */
export type Verdict =
  | { readonly kind: "runs" }
  | { readonly kind: "requester-gone"; readonly lost: Lost }
  | {
      readonly kind: "set-back";
      readonly dropped: readonly { readonly person: RequestPerson; readonly lost: Lost }[];
      readonly kept: readonly RequestPerson[];
    };

/**
 * The rule, on what `whyNoLonger` found for the requester and for each approval (in `approvedBy` order): a
 * requester who lost the right fails the request whatever the approvals; otherwise any approval that no longer
 * counts is dropped, and the request waits again for as many approvers as its policy asks.
 */
export function verdictOf(
  request: Pick<ApprovalRequest, "approvedBy">,
  requester: Lost | undefined,
  approvals: readonly (Lost | undefined)[],
): Verdict {
  if (requester !== undefined) return { kind: "requester-gone", lost: requester };
  const dropped = request.approvedBy.flatMap((person, i) => {
    const lost = approvals[i];
    return lost === undefined ? [] : [{ person, lost }];
  });
  if (dropped.length === 0) return { kind: "runs" };
  return { kind: "set-back", dropped, kept: request.approvedBy.filter((_, i) => approvals[i] === undefined) };
}
