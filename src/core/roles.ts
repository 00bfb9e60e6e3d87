/** Roles in rising order: each includes everything the ones before it may do. */
export const roles = ["viewer", "operator", "approver", "admin"] as const;
export type Role = (typeof roles)[number];

export function hasRole(granted: Role | undefined, needed: Role): boolean {
  return granted !== undefined && roles.indexOf(granted) >= roles.indexOf(needed);
}

/**
 * Someone a grant names, as the adapter that owns the id classified it: one person (`user`) or a group whose
 * members the adapter's {@link UserGroupDirectory} lists. The id is opaque here: only its adapter knows its shape.
 */
export interface Principal {
  readonly kind: "user" | "group";
  readonly id: string;
}

/**
 * Who holds each role on one cluster: the ids as configured (strings, in the adapter's own shapes), or, once the
 * adapter has classified them, {@link Principal}s.
 */
export type RoleGrants<Holder = string> = Readonly<Record<Role, readonly Holder[]>>;

/** Where group membership comes from (Slack's usergroups.users.list in production). */
export interface UserGroupDirectory {
  /** The group's member ids, or "unsupported" when the adapter's workspace has no groups (Slack's free plan). */
  members(groupId: string): Promise<readonly string[] | "unsupported">;
}

export interface RoleResolverOptions {
  /** Cluster name → its grants, classified by the adapter whose principals they name. */
  readonly grants: ReadonlyMap<string, RoleGrants<Principal>>;
  readonly unknownUsersAreViewers: boolean;
  readonly directory?: UserGroupDirectory;
  readonly now?: () => number;
  /** How long group membership may be reused for reads; anything that changes state asks the directory again. */
  readonly groupCacheMs?: number;
}

/**
 * An adapter's identity (an `Identity`, see identity.ts) from grants: answers "which role does this principal hold
 * on this cluster" from the user principals named and (cached) group membership. A principal no grant names has
 * no role (unless `unknownUsersAreViewers`). Slack's is built from the configured roles (src/slack/slack-principals.ts
 * classifies the ids).
 */
export class RoleResolver {
  readonly #options: RoleResolverOptions;
  readonly #groupCache = new Map<string, { members: readonly string[] | "unsupported"; at: number }>();

  constructor(options: RoleResolverOptions) {
    this.#options = options;
  }

  /** `fresh` skips the membership cache: use it before anything that changes state. */
  async roleOf(userId: string, cluster: string, { fresh = false } = {}): Promise<Role | undefined> {
    const grants = this.#options.grants.get(cluster);
    for (const role of [...roles].reverse()) {
      const holders = grants?.[role] ?? [];
      if (holders.some((holder) => holder.kind === "user" && holder.id === userId)) return role;
      for (const group of holders.filter((holder) => holder.kind === "group")) {
        const members = await this.#groupMembers(group.id, fresh);
        if (members !== "unsupported" && members.includes(userId)) return role;
      }
    }
    return this.#options.unknownUsersAreViewers ? "viewer" : undefined;
  }

  /** Group ids named in the grants: the adapter checks them at start to learn whether user groups work. */
  groupIds(): string[] {
    const holders = [...this.#options.grants.values()].flatMap((grants) =>
      roles.flatMap((role) => grants[role]),
    );
    return [...new Set(holders.filter((holder) => holder.kind === "group").map((group) => group.id))];
  }

  async #groupMembers(groupId: string, fresh: boolean): Promise<readonly string[] | "unsupported"> {
    const directory = this.#options.directory;
    if (directory === undefined) return "unsupported";
    const now = (this.#options.now ?? Date.now)();
    const cached = this.#groupCache.get(groupId);
    if (!fresh && cached !== undefined && now - cached.at < (this.#options.groupCacheMs ?? 60_000)) {
      return cached.members;
    }
    const members = await directory.members(groupId);
    this.#groupCache.set(groupId, { members, at: now });
    return members;
  }
}
