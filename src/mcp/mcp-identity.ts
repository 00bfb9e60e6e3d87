import { createHash, timingSafeEqual } from "node:crypto";
import type { Actor } from "../core/command-spec.js";
import type { Identities, Identity } from "../core/identity.js";
import { type Principal, type Role, type RoleGrant, type RoleGrants, RoleResolver } from "../core/roles.js";
import type { AgentConfig } from "./mcp-config.js";

/** The actor sources of MCP callers: agents over HTTP (bearer tokens) and the local operator's agent over stdio. */
export const mcpSources = { http: "mcp", stdio: "mcp-stdio" } as const;

/** The principal id an agent is audited under: `agent:<name>` (`audit --user agent:<name>` finds it). */
export function agentPrincipal(agent: Pick<AgentConfig, "name">): string {
  return `agent:${agent.name}`;
}

/** An agent as the dispatcher and the approval messages see it: "agent claude-ops (for Alice Ng)". */
export function agentActor(agent: Pick<AgentConfig, "name" | "forPerson">): Actor {
  return {
    id: agentPrincipal(agent),
    name: `agent ${agent.name}${agent.forPerson === undefined ? "" : ` (for ${agent.forPerson})`}`,
    source: mcpSources.http,
  };
}

/**
 * The identities of MCP callers, for `createApp`'s `identities`. Both may only propose (`Identity.proposeOnly`)
 * and are bots (never approvers). HTTP agents hold the grants their config names, in people's shape (a role on a
 * cluster, or only on connectors matching patterns), through the same resolver as people; an id no agent has holds
 * nothing (fails closed). The stdio agent acts for the local operator: operator everywhere, as the shell.
 */
export function mcpIdentities(agents: readonly AgentConfig[]): Identities {
  const grantsOf = (cluster: string, role: Role): RoleGrant<Principal>[] =>
    agents.flatMap((agent) =>
      agent.roles
        .filter((grant) => grant.cluster === cluster && grant.role === role)
        .map((grant) => ({
          principals: [{ kind: "user", id: agentPrincipal(agent) }],
          ...(grant.connectors === undefined ? {} : { connectors: grant.connectors }),
        })),
    );
  const clusters = new Set(agents.flatMap((agent) => agent.roles.map((grant) => grant.cluster)));
  const grants = new Map<string, RoleGrants<Principal>>(
    [...clusters].map((cluster) => [
      cluster,
      {
        viewer: grantsOf(cluster, "viewer"),
        operator: grantsOf(cluster, "operator"),
        approver: grantsOf(cluster, "approver"),
        admin: grantsOf(cluster, "admin"),
      },
    ]),
  );
  const resolver = new RoleResolver({ grants, unknownUsersAreViewers: false, service: "the agents' config" });
  const agentsIdentity: Identity = {
    proposeOnly: true,
    roleOf: (principal, cluster, question) => resolver.roleOf(principal, cluster, question),
    scopeOf: (principal, cluster, question) => resolver.scopeOf(principal, cluster, question),
    account: async () => "bot",
  };
  const stdioIdentity: Identity = {
    proposeOnly: true,
    roleOf: async () => "operator",
    account: async () => "bot",
  };
  return { [mcpSources.http]: agentsIdentity, [mcpSources.stdio]: stdioIdentity };
}

/**
 * The agent whose token `presented` is, or undefined. Each token is compared by its SHA-256 in constant time, so
 * neither a token's length nor its first differing character shows in the time taken.
 */
export function agentOfToken(agents: readonly AgentConfig[], presented: string): AgentConfig | undefined {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  const wanted = digest(presented);
  let found: AgentConfig | undefined;
  for (const agent of agents) if (timingSafeEqual(digest(agent.token), wanted)) found ??= agent;
  return found;
}
