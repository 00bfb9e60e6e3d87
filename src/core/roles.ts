import { IdentityError } from "./identity-error.js";

/** Roles in rising order: each includes everything the ones before it may do. */
export const roles = ["viewer", "operator", "approver", "admin"] as const;
export type Role = (typeof roles)[number];

export function hasRole(granted: Role | undefined, needed: Role): boolean {
  return granted !== undefined && roles.indexOf(granted) >= roles.indexOf(needed);
}

/**
 * What kind of account a principal is, as its source says now: a `person` in good standing, a `guest` (Slack's
 * single- and multi-channel guests), a `bot`, or `deactivated`. Approval rules read it (approvals/recheck-people.ts):
 * guests, bots and deactivated accounts never approve; a deactivated requester's change never runs.
 */
export type AccountKind = "person" | "guest" | "bot" | "deactivated";

/** A user group whose members the source could not list: its grants count as nobody until it is read again. */
export interface UnreadableGroup {
  readonly id: string;
  /** The source's answer, e.g. `no_such_subteam`, `fatal_error`, `HTTP 500`. */
  readonly reason: string;
  /** True when the answer is a verdict (the group is gone), false when the source could not answer (an outage). */
  readonly gone: boolean;
  /** When it first failed in this run of failures (epoch ms). */
  readonly since: number;
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

/**
 * A group the directory could not list. `gone`: the source says it does not exist (Slack's `no_such_subteam`: deleted
 * or disabled), a verdict; otherwise it could not answer (`fatal_error`, HTTP 5xx, a rate limit, no connection).
 */
export class GroupUnreadable extends Error {
  constructor(
    readonly groupId: string,
    readonly reason: string,
    readonly gone: boolean,
  ) {
    super(`User group ${groupId} could not be read: ${reason}`);
  }
}

/** Where group membership comes from (Slack's usergroups.users.list in production). */
export interface UserGroupDirectory {
  /**
   * The group's member ids, or "unsupported" when the adapter's workspace has no groups (Slack's free plan).
   * Throws {@link GroupUnreadable} (any other error is taken as "could not answer").
   */
  members(groupId: string): Promise<readonly string[] | "unsupported">;
}

/** Where account standing comes from (Slack's users.info in production); see `Identity.account`. */
export interface AccountDirectory {
  /** Throws `IdentityError` `IDENTITY_UNKNOWN` for no such account, `IDENTITY_UNAVAILABLE` for no answer. */
  account(principal: string): Promise<AccountKind>;
}

/**
 * When an unreadable group is asked again for reads: after `firstMs`, doubling with each failure up to `maxMs`.
 * A change (`fresh`) always asks again. @defaultValue 5 s, up to 5 minutes
 */
export interface GroupRetryPolicy {
  readonly firstMs: number;
  readonly maxMs: number;
}

export interface RoleResolverOptions {
  /** Cluster name → its grants, classified by the adapter whose principals they name. */
  readonly grants: ReadonlyMap<string, RoleGrants<Principal>>;
  readonly unknownUsersAreViewers: boolean;
  readonly directory?: UserGroupDirectory;
  readonly accounts?: AccountDirectory;
  /** Who answers for these principals, as people call it ("Slack"): named when it cannot answer. */
  readonly service?: string;
  readonly now?: () => number;
  /** How long group membership may be reused for reads; anything that changes state asks the directory again. */
  readonly groupCacheMs?: number;
  readonly groupRetry?: GroupRetryPolicy;
  /** Told once when a group becomes unreadable (which, why) and once when it is read again. */
  readonly report?: (line: string) => void;
}

type GroupState =
  | { readonly members: readonly string[] | "unsupported"; readonly at: number }
  | (UnreadableGroup & { readonly failures: number; readonly retryAt: number });

/**
 * An adapter's identity (an `Identity`, see identity.ts) from grants: answers "which role does this principal hold on this
 * cluster" from the user principals named and (cached) group membership. A principal no grant names has no role
 * (unless `unknownUsersAreViewers`). Slack's is built from the configured roles (src/slack/slack-principals.ts
 * classifies the ids).
 *
 * One group the directory cannot read never blinds the rest: it counts as nobody (fail closed for its grants
 * only), is reported once with its reason, shown by `unreadableGroups`, and asked again after a bounded backoff.
 */
export class RoleResolver {
  readonly #options: RoleResolverOptions;
  readonly #groups = new Map<string, GroupState>();

  constructor(options: RoleResolverOptions) {
    this.#options = options;
  }

  /** `fresh` skips the membership cache and any backoff: use it before anything that changes state. */
  async roleOf(
    userId: string,
    cluster: string,
    { fresh = false, needed }: { readonly fresh?: boolean; readonly needed?: Role } = {},
  ): Promise<Role | undefined> {
    const grants = this.#options.grants.get(cluster);
    let unanswered: (UnreadableGroup & { role: Role }) | undefined;
    let found: Role | undefined;
    for (const role of [...roles].reverse()) {
      const holders = grants?.[role] ?? [];
      if (holders.some((holder) => holder.kind === "user" && holder.id === userId)) {
        found = role;
        break;
      }
      for (const group of holders.filter((holder) => holder.kind === "group")) {
        const state = await this.#group(group.id, fresh);
        if ("members" in state) {
          if (state.members !== "unsupported" && state.members.includes(userId)) found = role;
        } else if (!state.gone) unanswered ??= { ...state, role };
        if (found !== undefined) break;
      }
      if (found !== undefined) break;
    }
    found ??= this.#options.unknownUsersAreViewers ? "viewer" : undefined;
    if (
      needed !== undefined &&
      !hasRole(found, needed) &&
      unanswered !== undefined &&
      hasRole(unanswered.role, needed)
    ) {
      throw new IdentityError("IDENTITY_UNAVAILABLE", {
        service: this.#service,
        principal: userId,
        reason: `user group ${unanswered.id} could not be read (${unanswered.reason})`,
      });
    }
    return found;
  }

  async account(principal: string): Promise<AccountKind> {
    return (await this.#options.accounts?.account(principal)) ?? "person";
  }

  unreadableGroups(cluster: string): readonly UnreadableGroup[] {
    const grants = this.#options.grants.get(cluster);
    const ids = new Set(
      roles
        .flatMap((role) => grants?.[role] ?? [])
        .filter((holder) => holder.kind === "group")
        .map((g) => g.id),
    );
    return [...ids].flatMap((id) => {
      const state = this.#groups.get(id);
      return state === undefined || "members" in state
        ? []
        : [{ id: state.id, reason: state.reason, gone: state.gone, since: state.since }];
    });
  }

  /** Group ids named in the grants: the adapter checks them at start to learn whether user groups work. */
  groupIds(): string[] {
    const holders = [...this.#options.grants.values()].flatMap((grants) =>
      roles.flatMap((role) => grants[role]),
    );
    return [...new Set(holders.filter((holder) => holder.kind === "group").map((group) => group.id))];
  }

  /**
   * Reads every group named in the grants once (at start): "unsupported" when the workspace has no groups, else
   * "read". Never throws: a group that cannot be read is reported and counts as nobody until it can.
   */
  async readGroups(): Promise<"unsupported" | "read"> {
    for (const id of this.groupIds()) {
      const state = await this.#group(id, true);
      if ("members" in state && state.members === "unsupported") return "unsupported";
    }
    return "read";
  }

  get #service(): string {
    return this.#options.service ?? "The identity source";
  }

  get #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  async #group(groupId: string, fresh: boolean): Promise<GroupState> {
    const directory = this.#options.directory;
    if (directory === undefined) return { members: "unsupported", at: 0 };
    const now = this.#now;
    const known = this.#groups.get(groupId);
    if (!fresh && known !== undefined) {
      if ("members" in known && now - known.at < (this.#options.groupCacheMs ?? 60_000)) return known;
      if (!("members" in known) && now < known.retryAt) return known;
    }
    let state: GroupState;
    try {
      state = { members: await directory.members(groupId), at: now };
      if (known !== undefined && !("members" in known))
        this.#options.report?.(`User group ${groupId} is readable again: the roles it grants count again.`);
    } catch (error) {
      const { reason, gone } =
        error instanceof GroupUnreadable ? error : { reason: (error as Error).message, gone: false };
      const failures = known !== undefined && !("members" in known) ? known.failures + 1 : 1;
      const { firstMs, maxMs } = this.#options.groupRetry ?? { firstMs: 5_000, maxMs: 5 * 60_000 };
      const since = known !== undefined && !("members" in known) ? known.since : now;
      state = {
        id: groupId,
        reason,
        gone,
        since,
        failures,
        retryAt: now + Math.min(maxMs, firstMs * 2 ** (failures - 1)),
      };
      if (failures === 1) {
        this.#options.report?.(
          `User group ${groupId} could not be read (${reason}): the roles it grants count nobody until it can; every other grant works as before. Asked again after a backoff.`,
        );
      }
    }
    this.#groups.set(groupId, state);
    return state;
  }
}
