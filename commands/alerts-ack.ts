import { unknownConnector } from "../src/alerts/alert-targets.js";
import { defineCommand } from "../src/core/command-spec.js";
import { oneConnector } from "../src/core/connector-args.js";
import { errorReply, reply } from "../src/core/reply.js";

export const alertsAck = defineCommand({
  name: "alerts ack",
  summary: "Acknowledge a connector's firing alerts.",
  details: "Acknowledge a connector's firing alerts: the messages show who is on it, and reminders stop.",
  examples: ["alerts ack orders-sink"],
  ...oneConnector,
  role: "operator",
  risk: "safe",
  async run(context, { connector }) {
    const { cluster, actor, alerts } = context;
    const unknown = await unknownConnector(context, connector);
    if (unknown !== undefined) return errorReply("refused", unknown);
    const count = await alerts.acknowledge(cluster.name, connector, actor);
    if (count === 0) return errorReply("refused", `No alert is firing for ${connector} on ${cluster.name}.`);
    const text = `${actor.name} acknowledged ${count} alert(s) of ${connector} on ${cluster.name}.`;
    return reply(text, [{ kind: "text", text }], "in_channel");
  },
});
