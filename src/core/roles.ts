import type { Clock } from "./clock.js";
import { globMatches } from "./glob.js";
import { IdentityError } from "./identity-error.js";
import type { ReplyPart } from "./reply.js";

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
 * One grant of a role: to whom, and where. Without `connectors` it holds on the whole cluster; with them, only on
 * the connectors whose name matches one of the patterns (the one glob dialect, `src/core/glob.ts`: `payments-*`).
 */
export interface RoleGrant<Holder = string> {
  readonly principals: readonly Holder[];
  readonly connectors?: readonly string[];
}

/**
 * Who holds each role on one cluster: the ids as configured (strings, in the adapter's own shapes), or, once the
 * adapter has classified them, {@link Principal}s; each grant on the whole cluster or on some connectors.
 */
export type RoleGrants<Holder = string> = Readonly<Record<Role, readonly RoleGrant<Holder>[]>>;

/** A role someone holds on one cluster: everywhere there (no `connectors`) or on the connectors matching them. */
export interface HeldRole {
  readonly role: Role;
  readonly connectors?: readonly string[];
}

/** Whether a connector is in someone's scope for a role: with the role they hold there, or why not, in words. */
export type ScopeCheck =
  | { readonly inScope: true; readonly role: Role }
  | { readonly inScope: false; readonly role: Role | undefined; readonly reason: string };

/**
 * Everything one person holds on one cluster, and the questions asked of it: their role on a connector, on the
 * cluster as a whole, anywhere there. Bulk operations ask {@link RoleScope.check} of each connector they would
 * touch, and leave out those out of scope with the reason it gives.
 */
export class RoleScope {
  constructor(
    readonly cluster: string,
    readonly held: readonly HeldRole[],
  ) {}

  /**
   * The highest role that holds on `connector`: from grants on the whole cluster, or whose patterns match it.
   * Without a connector: the role held on the whole cluster (grants with patterns do not count).
   */
  roleAt(connector?: string): Role | undefined {
    return highest(this.held.filter((grant) => covers(grant.connectors, connector)));
  }

  /** Whether the person may see `connector` (viewer on it): reads that list connectors show only these. */
  sees(connector: string): boolean {
    return hasRole(this.roleAt(connector), "viewer");
  }

  /** The highest role held anywhere on the cluster (on some connectors at least). */
  anywhere(): Role | undefined {
    return highest(this.held);
  }

  /**
   * Whether `connector` is in scope for `needed`; when not, the reason, as a clause after "it": `needs the operator
   * role on orders-sink (cluster prod); you have the viewer role there, and operator only on payments-*`.
   */
  check(connector: string, needed: Role): ScopeCheck {
    const role = this.roleAt(connector);
    if (role !== undefined && hasRole(role, needed)) return { inScope: true, role };
    return { inScope: false, role, reason: this.lacking(needed, connector) };
  }

  /**
   * Why the person may not act as `needed`: on `connector`, or (without one) anywhere on the cluster. Someone whose
   * grants all hold on the whole cluster hears it as before scopes: `needs the operator role on cluster prod; you
   * have the viewer role`.
   */
  lacking(needed: Role, connector?: string): string {
    const scoped = this.held.some((grant) => grant.connectors !== undefined);
    if (connector === undefined || !scoped) {
      const role = connector === undefined ? this.anywhere() : this.roleAt(connector);
      return `needs the ${needed} role on cluster ${this.cluster}; you have ${role === undefined ? "no role there" : `the ${role} role`}`;
    }
    const role = this.roleAt(connector);
    const elsewhere = this.held
      .filter((grant) => hasRole(grant.role, needed))
      .flatMap((grant) => grant.connectors ?? []);
    return `needs the ${needed} role on ${connector} (cluster ${this.cluster}); you have ${
      role === undefined ? "no role there" : `the ${role} role there`
    }${elsewhere.length === 0 ? "" : `, and ${needed} only on ${elsewhere.join(", ")}`}`;
  }

  /**
   * The roles held, highest first, as people read them: a grant that a whole-cluster grant of the same or a
   * higher role already covers is left out.
   */
  shown(): readonly HeldRole[] {
    const wide = highest(this.held.filter((grant) => grant.connectors === undefined));
    const unique = new Map(
      this.held
        .filter(
          (grant) => !hasRole(wide, grant.role) || (grant.connectors === undefined && grant.role === wide),
        )
        .map((grant) => [`${grant.role} ${grant.connectors?.join(",") ?? "*all*"}`, grant]),
    );
    return [...unique.values()].sort((a, b) => roles.indexOf(b.role) - roles.indexOf(a.role));
  }
}

/**
 * The note a listing ends with when it left out connectors outside the person's scope (nothing when it left none):
 * how many, and where to see their scope. Reads are filtered by the viewer scope (README, "Roles").
 */
export function outOfScopeNote(count: number, what = "connector(s)"): ReplyPart[] {
  if (count === 0) return [];
  return [
    {
      kind: "note",
      text: `${count} ${what} outside your scope not shown (\`whoami\` shows where your roles hold).`,
    },
  ];
}

/** `scopeOf` asked once per cluster, however many items of a listing name it. */
export function scopePerCluster(
  scopeOf: (cluster: string) => Promise<RoleScope>,
): (cluster: string) => Promise<RoleScope> {
  const asked = new Map<string, Promise<RoleScope>>();
  return (cluster) => {
    const scope = asked.get(cluster) ?? scopeOf(cluster);
    asked.set(cluster, scope);
    return scope;
  };
}

/** Where a held role holds, in words: `every connector`, or its patterns (`payments-*, billing-sink`). */
export function whereHeld(held: HeldRole): string {
  return held.connectors === undefined ? "every connector" : held.connectors.join(", ");
}

function highest(held: readonly HeldRole[]): Role | undefined {
  let found: Role | undefined;
  for (const { role } of held) if (!hasRole(found, role)) found = role;
  return found;
}

/** Whether a grant with these patterns holds on `connector` (none: the whole cluster, even with no connector). */
function covers(connectors: readonly string[] | undefined, connector: string | undefined): boolean {
  return (
    connectors === undefined ||
    (connector !== undefined && connectors.some((pattern) => globMatches(pattern, connector)))
  );
}

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
  readonly now?: Clock;
  /** How long group membership may be reused for reads; anything that changes state asks the directory again. */
  readonly groupCacheMs?: number;
  readonly groupRetry?: GroupRetryPolicy;
  /** Told once when a group becomes unreadable (which, why) and once when it is read again. */
  readonly report?: (line: string) => void;
}

/** What a role question asks: on which connector (absent: see each method), afresh, and whether a role is needed. */
export interface ScopeQuestion {
  readonly fresh?: boolean;
  readonly needed?: Role;
  readonly connector?: string;
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

  /**
   * The principal's role on the cluster: on `connector` when given (grants whose patterns match it count), else on
   * the whole cluster (grants with patterns do not count). `fresh` skips the membership cache and any backoff: use
   * it before anything that changes state. `needed`: see {@link RoleResolver.scopeOf}.
   */
  async roleOf(userId: string, cluster: string, options: ScopeQuestion = {}): Promise<Role | undefined> {
    const { scope, unanswered } = await this.#resolve(userId, cluster, options.fresh === true);
    const role = scope.roleAt(options.connector);
    this.#throwIfUnanswered(userId, role, options.needed, unanswered, options.connector);
    return role;
  }

  /**
   * Everything the principal holds on the cluster, each role with where it holds. With `needed`, throws
   * `IDENTITY_UNAVAILABLE` when the principal holds less than `needed` (on `connector`, else anywhere) and a group
   * the source did not answer for (not one that is gone) could grant it there.
   */
  async scopeOf(userId: string, cluster: string, options: ScopeQuestion = {}): Promise<RoleScope> {
    const { scope, unanswered } = await this.#resolve(userId, cluster, options.fresh === true);
    const role = options.connector === undefined ? scope.anywhere() : scope.roleAt(options.connector);
    this.#throwIfUnanswered(userId, role, options.needed, unanswered, options.connector ?? null);
    return scope;
  }

  /**
   * Who is granted at least `role` on `connector` of `cluster`, as configured (users and groups, members not
   * listed): the people a reminder to approve names.
   */
  holdersOf(cluster: string, connector: string, role: Role): readonly Principal[] {
    const grants = this.#options.grants.get(cluster);
    const found = roles
      .filter((granted) => hasRole(granted, role))
      .flatMap((granted) => grants?.[granted] ?? [])
      .filter((grant) => covers(grant.connectors, connector))
      .flatMap((grant) => grant.principals);
    return [...new Map(found.map((principal) => [`${principal.kind}:${principal.id}`, principal])).values()];
  }

  async #resolve(
    userId: string,
    cluster: string,
    fresh: boolean,
  ): Promise<{ scope: RoleScope; unanswered: (UnreadableGroup & HeldRole)[] }> {
    const grants = this.#options.grants.get(cluster);
    const held: HeldRole[] = [];
    const unanswered: (UnreadableGroup & HeldRole)[] = [];
    for (const role of roles) {
      for (const grant of grants?.[role] ?? []) {
        const where = grant.connectors === undefined ? { role } : { role, connectors: grant.connectors };
        if (grant.principals.some((holder) => holder.kind === "user" && holder.id === userId)) {
          held.push(where);
          continue;
        }
        for (const group of grant.principals.filter((holder) => holder.kind === "group")) {
          const state = await this.#group(group.id, fresh);
          if (!("members" in state)) {
            if (!state.gone) unanswered.push({ ...state, ...where });
          } else if (state.members !== "unsupported" && state.members.includes(userId)) {
            held.push(where);
            break;
          }
        }
      }
    }
    // A floor for everyone, on every connector: a grant elsewhere never takes viewing away.
    if (this.#options.unknownUsersAreViewers) held.push({ role: "viewer" });
    return { scope: new RoleScope(cluster, held), unanswered };
  }

  /** `where`: a connector, undefined for the whole cluster, null for anywhere on it. */
  #throwIfUnanswered(
    userId: string,
    found: Role | undefined,
    needed: Role | undefined,
    unanswered: readonly (UnreadableGroup & HeldRole)[],
    where: string | undefined | null,
  ): void {
    if (needed === undefined || hasRole(found, needed)) return;
    const could = unanswered.find(
      (group) => hasRole(group.role, needed) && (where === null || covers(group.connectors, where)),
    );
    if (could === undefined) return;
    throw new IdentityError("IDENTITY_UNAVAILABLE", {
      service: this.#service,
      principal: userId,
      reason: `user group ${could.id} could not be read (${could.reason})`,
    });
  }

  async account(principal: string): Promise<AccountKind> {
    return (await this.#options.accounts?.account(principal)) ?? "person";
  }

  unreadableGroups(cluster: string): readonly UnreadableGroup[] {
    const grants = this.#options.grants.get(cluster);
    const ids = new Set(
      roles
        .flatMap((role) => grants?.[role] ?? [])
        .flatMap((grant) => grant.principals)
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
      roles.flatMap((role) => grants[role].flatMap((grant) => grant.principals)),
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
