import {
  type AccountKind,
  type HeldRole,
  type Principal,
  type Role,
  RoleScope,
  type ScopeQuestion,
  type UnreadableGroup,
} from "./roles.js";

/**
 * How one adapter's principals map to roles (the identity port). Each adapter that turns people into `Actor`s
 * registers one under its source name; the dispatcher asks it and nothing else. A principal the identity does not
 * map has no role, and an actor whose source has no identity registered has no role either: identity fails
 * closed, so a new adapter cannot make its users operators by omission.
 *
 * A source that cannot answer (an outage, not a verdict) throws an `IdentityError` (identity-error.ts) `IDENTITY_UNAVAILABLE`;
 * one that answers "no such person" throws `IDENTITY_UNKNOWN`. Neither is ever turned into a role.
 */
export interface Identity {
  /**
   * The principal's role on the cluster, or undefined for none: on `connector` when given (grants scoped to
   * connector patterns that match it count), else on the whole cluster. `fresh` asks the source of truth again
   * (group membership) instead of a cache: the dispatcher sets it before anything that changes state. A group the
   * source cannot read counts as nobody; with `needed`, when the principal holds less than `needed` and such a
   * group could grant it because the source did not answer (not because the group is gone), this throws
   * `IDENTITY_UNAVAILABLE` instead of answering "less".
   */
  roleOf(principal: string, cluster: string, options?: ScopeQuestion): Promise<Role | undefined>;
  /**
   * Every role the principal holds on the cluster, each with the connector patterns it holds on. Absent: the
   * source grants only whole clusters, and `roleOf` says all. `needed` as for `roleOf`, checked on `connector`
   * when given, else anywhere on the cluster.
   */
  scopeOf?(principal: string, cluster: string, options?: ScopeQuestion): Promise<RoleScope>;
  /** Who is granted at least `role` on `connector` (users and groups as configured): whom a reminder names. */
  holdersOf?(cluster: string, connector: string, role: Role): readonly Principal[];
  /**
   * The principal's account as the source says now (never cached). Absent: the source knows no more than roles,
   * and every principal is taken as a person. Throws `IDENTITY_UNKNOWN` or `IDENTITY_UNAVAILABLE`.
   */
  account?(principal: string): Promise<AccountKind>;
  /** The groups named in `cluster`'s grants that could not be read when last asked. */
  unreadableGroups?(cluster: string): readonly UnreadableGroup[];
  /**
   * Every principal of this source is a program acting for people (an AI agent): it may read, and propose. Only
   * commands that file an approval request (`CommandSpec.proposes`) change anything for it, a command that acts at
   * once is filed as one instead when it has a proposal form (`CommandSpec.asProposal`), and what it files always
   * waits for a person, whatever the cluster's policy; every other command that changes state is refused. Its
   * `account` should answer "bot", so it never approves (approvals/recheck-people.ts).
   */
  readonly proposeOnly?: true;
}

/** Adapter source name (an `Actor`'s `source`) → how its principals map to roles. */
export type Identities = Readonly<Record<string, Identity>>;

/** Every principal holds `role` on every cluster: the terminal shell, where whoever runs it owns the process. */
export function everyoneHolds(role: Role): Identity {
  return { roleOf: async () => role };
}

/** The identity registered for `source`, or undefined (no role for anyone from it). */
export function identityOf(identities: Identities, source: string | undefined): Identity | undefined {
  return source !== undefined && Object.hasOwn(identities, source) ? identities[source] : undefined;
}

/**
 * The role of `principal` from `source` on `cluster` (on `connector` when the question names one): undefined when
 * no identity is registered for the source. See {@link Identity.roleOf}.
 */
export function roleThrough(
  identities: Identities,
  source: string | undefined,
  principal: string,
  cluster: string,
  question: ScopeQuestion = {},
): Promise<Role | undefined> {
  const identity = identityOf(identities, source);
  return identity === undefined ? Promise.resolve(undefined) : identity.roleOf(principal, cluster, question);
}

/**
 * Everything `principal` from `source` holds on `cluster`, with where (see {@link Identity.scopeOf}): an identity
 * without scopes holds its cluster role everywhere; no identity registered, nothing.
 */
export async function scopeThrough(
  identities: Identities,
  source: string | undefined,
  principal: string,
  cluster: string,
  question: ScopeQuestion = {},
): Promise<RoleScope> {
  const identity = identityOf(identities, source);
  if (identity === undefined) return new RoleScope(cluster, []);
  if (identity.scopeOf !== undefined) return identity.scopeOf(principal, cluster, question);
  const role = await identity.roleOf(principal, cluster, question);
  const held: HeldRole[] = role === undefined ? [] : [{ role }];
  return new RoleScope(cluster, held);
}
