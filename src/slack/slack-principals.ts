import type { WebClient } from "@slack/web-api";
import { IdentityError } from "../core/identity-error.js";
import type { AccountDirectory, AccountKind, Principal, Role, RoleGrants } from "../core/roles.js";
import { slackErrorCode } from "./delivery-words.js";
import { SlackUnavailableError } from "./slack-web-client.js";

/**
 * What a Slack id in a role grant names: user-group ids start with `S` (`S0123ABCD`), user ids with `U` or `W`
 * (api.slack.com/changelog/2016-08-11-user-id-format-changes; usergroups.* methods take the `S…` id). Anything else
 * is taken as a user id, which can only ever match a user with exactly that id.
 */
export function slackPrincipal(id: string): Principal {
  return { kind: id.startsWith("S") ? "group" : "user", id };
}

/** The configured Slack ids of one cluster's grants, classified for the core's role resolver (scopes kept). */
export function slackGrants(grants: RoleGrants): RoleGrants<Principal> {
  const classified = (list: RoleGrants[Role]) =>
    list.map((grant) => ({ ...grant, principals: grant.principals.map(slackPrincipal) }));
  return {
    viewer: classified(grants.viewer),
    operator: classified(grants.operator),
    approver: classified(grants.approver),
    admin: classified(grants.admin),
  };
}

/**
 * Slack's answer to a failed Web API call in a word or two, for logs and messages: its error code (`fatal_error`,
 * `no_such_subteam`), `HTTP 500`, `ratelimited`, or `no connection (…)`.
 */
export function slackFailureReason(error: unknown): string {
  if (error instanceof SlackUnavailableError) return error.reason;
  const code = slackErrorCode(error);
  if (code !== undefined) return code;
  const { statusCode, retryAfter, original } = error as {
    statusCode?: unknown;
    retryAfter?: unknown;
    original?: { message?: unknown };
  };
  if (typeof statusCode === "number") return `HTTP ${statusCode}`;
  if (typeof retryAfter === "number") return `ratelimited (retry after ${retryAfter} s)`;
  return `no connection (${String(original?.message ?? (error as Error).message)})`;
}

/**
 * Slack accounts from users.info (api.slack.com/methods/users.info): deactivated (`deleted`), a bot, a guest
 * (`is_restricted`, `is_ultra_restricted`) or a person. `user_not_found` is Slack's verdict (`IDENTITY_UNKNOWN`);
 * any other failure, Slack's own (`IDENTITY_UNAVAILABLE`): never a verdict on the person.
 */
export class SlackAccounts implements AccountDirectory {
  constructor(private readonly client: WebClient) {}

  async account(userId: string): Promise<AccountKind> {
    let user: Awaited<ReturnType<WebClient["users"]["info"]>>["user"];
    try {
      user = (await this.client.users.info({ user: userId })).user;
    } catch (error) {
      const reason = slackFailureReason(error);
      throw new IdentityError(reason === "user_not_found" ? "IDENTITY_UNKNOWN" : "IDENTITY_UNAVAILABLE", {
        service: "Slack",
        principal: userId,
        reason,
      });
    }
    if (user === undefined)
      throw new IdentityError("IDENTITY_UNAVAILABLE", {
        service: "Slack",
        principal: userId,
        reason: "no user in the answer",
      });
    if (user.deleted === true) return "deactivated";
    if (user.is_bot === true) return "bot";
    if (user.is_restricted === true || user.is_ultra_restricted === true) return "guest";
    return "person";
  }
}
