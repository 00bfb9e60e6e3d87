import type { AccountKind, Role, UnreadableGroup } from "./roles.js";

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
   * The principal's role on the cluster, or undefined for none. `fresh` asks the source of truth again (group
   * membership) instead of a cache: the dispatcher sets it before anything that changes state. A group the source
   * cannot read counts as nobody; with `needed`, when the principal holds less than `needed` and such a group could
   * grant it because the source did not answer (not because the group is gone), this throws
   * `IDENTITY_UNAVAILABLE` instead of answering "less".
   */
  roleOf(
    principal: string,
    cluster: string,
    options?: { readonly fresh?: boolean; readonly needed?: Role },
  ): Promise<Role | undefined>;
  /**
   * The principal's account as the source says now (never cached). Absent: the source knows no more than roles,
   * and every principal is taken as a person. Throws `IDENTITY_UNKNOWN` or `IDENTITY_UNAVAILABLE`.
   */
  account?(principal: string): Promise<AccountKind>;
  /** The groups named in `cluster`'s grants that could not be read when last asked. */
  unreadableGroups?(cluster: string): readonly UnreadableGroup[];
  /**
   * Every principal of this source is a program acting for people (an AI agent): it may read, and propose. Only
   * commands that file an approval request (`CommandSpec.proposes`) change anything for it, and what it files always
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
 * The role of `principal` from `source` on `cluster`: undefined when no identity is registered for the source.
 * `needed`: see {@link Identity.roleOf}.
 */
export function roleThrough(
  identities: Identities,
  source: string,
  principal: string,
  cluster: string,
  fresh = false,
  needed?: Role,
): Promise<Role | undefined> {
  const identity = identityOf(identities, source);
  return identity === undefined
    ? Promise.resolve(undefined)
    : identity.roleOf(principal, cluster, { fresh, ...(needed === undefined ? {} : { needed }) });
}
