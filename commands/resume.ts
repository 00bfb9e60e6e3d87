import { z } from "zod";
import { awaitState } from "../src/core/await-state.js";
import { defineCommand } from "../src/core/command-spec.js";
import { ConnectorName } from "../src/core/connector-args.js";
import { reply } from "../src/core/reply.js";

export const resume = defineCommand({
  name: "resume",
  summary: "Resume a paused or stopped connector.",
  examples: ["resume orders-sink"],
  positionals: [{ name: "connector", description: "the connector's name" }],
  flags: {},
  args: z.object({ connector: ConnectorName }),
  role: "operator",
  risk: "safe",
  connectorOf: (args) => args.connector,
  async run({ cluster, actor, requestId }, { connector }) {
    await cluster.connect.resume(connector, { requestId });
    const { reached, status } = await awaitState(cluster.connect, connector, "RUNNING", { requestId });
    const outcome = reached ? "is RUNNING" : `was asked to resume; it is ${status.connector.state} so far`;
    return reply(
      `${connector} on ${cluster.name} ${outcome}`,
      [{ kind: "text", text: `${actor.name} resumed ${connector} on ${cluster.name}: it ${outcome}.` }],
      "in_channel",
    );
  },
});
