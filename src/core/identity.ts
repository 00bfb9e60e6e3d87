import type { Role } from "./roles.js";

/**
 * How one adapter's principals map to roles (the identity port). Each adapter that turns people into `Actor`s
 * registers one under its source name; the dispatcher asks it and nothing else. A principal the identity does not
 * map has no role, and an actor whose source has no identity registered has no role either: identity fails
 * closed, so a new adapter cannot make its users operators by omission.
 */
export interface Identity {
  /**
   * The principal's role on the cluster, or undefined for none. `fresh` asks the source of truth again (group
   * membership) instead of a cache: the dispatcher sets it before anything that changes state.
   */
  roleOf(
    principal: string,
    cluster: string,
    options?: { readonly fresh?: boolean },
  ): Promise<Role | undefined>;
}

/** Adapter source name (an `Actor`'s `source`) → how its principals map to roles. */
export type Identities = Readonly<Record<string, Identity>>;

/** Every principal holds `role` on every cluster: the terminal shell, where whoever runs it owns the process. */
export function everyoneHolds(role: Role): Identity {
  return { roleOf: async () => role };
}

/** The role of `principal` from `source` on `cluster`: undefined when no identity is registered for the source. */
export function roleThrough(
  identities: Identities,
  source: string,
  principal: string,
  cluster: string,
  fresh = false,
): Promise<Role | undefined> {
  const identity = Object.hasOwn(identities, source) ? identities[source] : undefined;
  return identity === undefined ? Promise.resolve(undefined) : identity.roleOf(principal, cluster, { fresh });
}
