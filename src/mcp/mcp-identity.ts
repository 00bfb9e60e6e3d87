import { createHash, timingSafeEqual } from "node:crypto";
import type { AgentConfig } from "../config.js";
import type { Actor } from "../core/command-spec.js";
import type { Identities, Identity } from "../core/identity.js";

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
 * and are bots (never approvers). HTTP agents hold the roles their config names on each cluster, nothing elsewhere,
 * and an id no agent has holds nothing (fails closed); the stdio agent acts for the local operator: operator
 * everywhere, as the shell.
 */
export function mcpIdentities(agents: readonly AgentConfig[]): Identities {
  const byPrincipal = new Map(agents.map((agent) => [agentPrincipal(agent), agent]));
  const agentsIdentity: Identity = {
    proposeOnly: true,
    roleOf: async (principal, cluster) => {
      const roles = byPrincipal.get(principal)?.roles;
      return roles !== undefined && Object.hasOwn(roles, cluster) ? roles[cluster] : undefined;
    },
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
