import { awaitState } from "./await-state.js";
import type { CommandContext } from "./command-spec.js";
import type { ConnectorState } from "./ports.js";
import { type Reply, reply } from "./reply.js";

/** After asking Connect for a state change: waits briefly for it, and tells the channel where it stands. */
export async function announceStateChange(
  { cluster, actor, requestId }: CommandContext,
  connector: string,
  change: { readonly verb: string; readonly wanted: ConnectorState },
): Promise<Reply> {
  const { reached, status } = await awaitState(cluster.connect, connector, change.wanted, { requestId });
  const outcome = reached
    ? `is ${change.wanted}`
    : `was asked to ${change.verb}; it is ${status.connector.state} so far (Connect applies it asynchronously)`;
  const text = `${actor.name} asked to ${change.verb} ${connector} on ${cluster.name}: it ${outcome}.`;
  return reply(`${connector} on ${cluster.name} ${outcome}`, [{ kind: "text", text }], "in_channel");
}
