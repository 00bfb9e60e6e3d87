/** Roles in rising order: each includes everything the ones before it may do. */
export const roles = ["viewer", "operator", "approver", "admin"] as const;
export type Role = (typeof roles)[number];

export function hasRole(granted: Role | undefined, needed: Role): boolean {
  return granted !== undefined && roles.indexOf(granted) >= roles.indexOf(needed);
}

/** Who holds each role on one cluster: Slack user ids (U…, W…) and user-group ids (S…). */
export type RoleGrants = Readonly<Record<Role, readonly string[]>>;

/** Where user-group membership comes from (Slack's usergroups.users.list in production). */
export interface UserGroupDirectory {
  /** The group's member ids, or "unsupported" when the workspace has no user groups (a free plan). */
  members(groupId: string): Promise<readonly string[] | "unsupported">;
}

export interface RoleResolverOptions {
  readonly grants: ReadonlyMap<string, RoleGrants>;
  readonly unknownUsersAreViewers: boolean;
  readonly directory?: UserGroupDirectory;
  readonly now?: () => number;
  /** How long group membership may be reused for reads; anything that changes state asks Slack again. */
  readonly groupCacheMs?: number;
}

const isGroupId = (id: string) => id.startsWith("S");

/**
 * Slack's identity (an `Identity`, see identity.ts): answers "which role does this user hold on this cluster", from user ids and (cached)
 * user-group membership. A user no grant names has no role (unless `unknownUsersAreViewers`).
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
      if (holders.includes(userId)) return role;
      for (const groupId of holders.filter(isGroupId)) {
        const members = await this.#groupMembers(groupId, fresh);
        if (members !== "unsupported" && members.includes(userId)) return role;
      }
    }
    return this.#options.unknownUsersAreViewers ? "viewer" : undefined;
  }

  /** Group ids named in the grants: the adapter checks them at start to learn whether user groups work. */
  groupIds(): string[] {
    const ids = [...this.#options.grants.values()].flatMap((grants) => roles.flatMap((role) => grants[role]));
    return [...new Set(ids.filter(isGroupId))];
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
