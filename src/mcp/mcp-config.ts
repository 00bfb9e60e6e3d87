import { z } from "zod";
import { ConfigError, definedOnly, envName, type SectionContext } from "../core/config-schema.js";

/** The roles an agent may hold: it reads (viewer) or also proposes (operator); it never approves. */
export const agentRoles = ["viewer", "operator"] as const;

/** An AI agent that reaches the bot over MCP (src/mcp/): who it is, how it proves it, what it may do. */
const AgentSection = z.strictObject({
  /** Lower-case letters, digits and '-': audited as `agent:<name>`. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "lower-case letters, digits and '-' (at most 40)"),
  /** The environment variable holding its bearer token (at least 32 characters). */
  tokenEnv: envName,
  /** The person it acts for, as people know them: shown with everything it proposes. */
  forPerson: z.string().min(1).max(80).optional(),
  /**
   * Its grants, as people's: a role on a cluster, on the whole cluster or (with `connectors`) only on the connectors
   * matching one of the patterns. On a cluster no grant names it has none.
   */
  roles: z
    .array(
      z.strictObject({
        cluster: z.string(),
        role: z.enum(agentRoles),
        connectors: z
          .array(z.string().min(1).max(249, "a pattern is at most 249 characters"))
          .min(1, "name at least one connector pattern, or leave `connectors` out for the whole cluster")
          .optional(),
      }),
    )
    .default([]),
  limits: z
    .strictObject({
      /** Tool calls in any minute; more are refused until the minute has passed. @defaultValue 60 */
      callsPerMinute: z.number().int().min(1).max(10_000).default(60),
      /** Its requests waiting or running at once; more proposals are refused until one ends. @defaultValue 3 */
      openProposals: z.number().int().min(1).max(100).default(3),
    })
    .default({ callsPerMinute: 60, openProposals: 3 }),
});

/** The `agents:` section: AI agents that may read and propose over MCP (HTTP, with a bearer token). */
export const AgentsSection = z
  .array(AgentSection)
  .default([])
  .refine((agents) => new Set(agents.map((agent) => agent.name)).size === agents.length, {
    message: "agent names must be unique",
  });

/** One grant of an agent: its role on a cluster, there or only on the connectors matching `connectors`. */
export interface AgentGrant {
  readonly cluster: string;
  readonly role: (typeof agentRoles)[number];
  readonly connectors?: readonly string[];
}

/** An agent as the MCP adapter uses it: its token read from its variable. */
export interface AgentConfig {
  readonly name: string;
  readonly token: string;
  readonly forPerson?: string;
  readonly roles: readonly AgentGrant[];
  readonly limits: { readonly callsPerMinute: number; readonly openProposals: number };
}

/** Each agent with its token, checked at start: a missing or short token, or an unknown cluster, stops the bot. */
export function agentsConfig(
  agents: z.output<typeof AgentsSection>,
  clusterNames: ReadonlySet<string>,
  env: SectionContext["env"],
): AgentConfig[] {
  const tokens = new Set<string>();
  return agents.map((agent) => {
    const where = `Agent "${agent.name}": `;
    const token = env[agent.tokenEnv];
    if (token === undefined || token === "")
      throw new ConfigError(`${where}tokenEnv names ${agent.tokenEnv}, but that variable is not set.`);
    if (token.length < 32)
      throw new ConfigError(
        `${where}the token in ${agent.tokenEnv} has ${token.length} characters; use at least 32 random ones (openssl rand -hex 32).`,
      );
    if (tokens.has(token)) throw new ConfigError(`${where}its token is another agent's; give each its own.`);
    tokens.add(token);
    const unknown = agent.roles.map((grant) => grant.cluster).find((name) => !clusterNames.has(name));
    if (unknown !== undefined)
      throw new ConfigError(
        `${where}roles names cluster "${unknown}", which is not configured (${[...clusterNames].join(", ")}).`,
      );
    const { tokenEnv, forPerson, roles, ...rest } = agent;
    return {
      ...rest,
      token,
      roles: roles.map((grant) => definedOnly(grant)),
      ...(forPerson === undefined ? {} : { forPerson }),
    };
  });
}
