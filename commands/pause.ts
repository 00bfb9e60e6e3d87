import { z } from "zod";
import { awaitState } from "../src/core/await-state.js";
import { defineCommand } from "../src/core/command-spec.js";
import { ConnectorName } from "../src/core/connector-args.js";
import { reply } from "../src/core/reply.js";

export const pause = defineCommand({
  name: "pause",
  summary: "Pause a connector and its tasks (they stay assigned; resume picks up where they were).",
  examples: ["pause orders-sink"],
  positionals: [{ name: "connector", description: "the connector's name" }],
  flags: {},
  args: z.object({ connector: ConnectorName }),
  role: "operator",
  risk: "safe",
  connectorOf: (args) => args.connector,
  async run({ cluster, actor, requestId }, { connector }) {
    await cluster.connect.pause(connector, { requestId });
    const { reached, status } = await awaitState(cluster.connect, connector, "PAUSED", { requestId });
    const outcome = reached
      ? "is PAUSED"
      : `was asked to pause; it is ${status.connector.state} so far (Connect pauses asynchronously)`;
    return reply(
      `${connector} on ${cluster.name} ${outcome}`,
      [{ kind: "text", text: `${actor.name} paused ${connector} on ${cluster.name}: it ${outcome}.` }],
      "in_channel",
    );
  },
});
