import type { CommandContext } from "../core/command-spec.js";
import { globMatches } from "../core/glob.js";

/**
 * The connectors an alert command may name on the context's cluster: those Connect lists, and those with a
 * firing alert (a cluster-wide alert's `*`, a deleted connector whose alert still fires). While Connect does not
 * answer, the firing alerts alone.
 */
async function alertTargets({ cluster, alerts, requestId }: CommandContext): Promise<Set<string>> {
  const [listed, firing] = await Promise.all([
    cluster.connect.connectorNames({ requestId }).catch(() => []),
    alerts.firing(cluster.name),
  ]);
  return new Set([...listed, ...firing.map((alert) => alert.connector)]);
}

/** Why `connector` cannot be snoozed or acknowledged on the cluster, or undefined when it can. */
export async function unknownConnector(
  context: CommandContext,
  connector: string,
): Promise<string | undefined> {
  if ((await alertTargets(context)).has(connector)) return undefined;
  return `No connector named ${connector} on ${context.cluster.name}, and no alert fires for it: \`list\` shows the connectors.`;
}

/** The connectors a silence pattern matches now, in the one glob dialect `list` uses too. */
export async function connectorsMatching(context: CommandContext, pattern: string): Promise<string[]> {
  return [...(await alertTargets(context))].filter((name) => globMatches(pattern, name)).sort();
}
