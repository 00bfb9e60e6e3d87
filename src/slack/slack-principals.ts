import type { Principal, RoleGrants } from "../core/roles.js";

/**
 * What a Slack id in a role grant names: user-group ids start with `S` (`S0123ABCD`), user ids with `U` or `W`
 * (api.slack.com/changelog/2016-08-11-user-id-format-changes; usergroups.* methods take the `S…` id). Anything else
 * is taken as a user id, which can only ever match a user with exactly that id.
 */
export function slackPrincipal(id: string): Principal {
  return { kind: id.startsWith("S") ? "group" : "user", id };
}

/** The configured Slack ids of one cluster's grants, classified for the core's role resolver. */
export function slackGrants(grants: RoleGrants): RoleGrants<Principal> {
  return {
    viewer: grants.viewer.map(slackPrincipal),
    operator: grants.operator.map(slackPrincipal),
    approver: grants.approver.map(slackPrincipal),
    admin: grants.admin.map(slackPrincipal),
  };
}
