import { defineCommand } from "../src/core/command-spec.js";
import { oneConnector } from "../src/core/connector-args.js";
import { errorReply, reply } from "../src/core/reply.js";

export const alertsUnsnooze = defineCommand({
  name: "alerts unsnooze",
  summary: "End a connector's snooze.",
  details: "End a connector's snooze: its alerts are posted again.",
  examples: ["alerts unsnooze orders-sink"],
  ...oneConnector,
  role: "operator",
  risk: "safe",
  async run({ cluster, actor, alerts }, { connector }) {
    if (!(await alerts.unsnooze(cluster.name, connector, actor)))
      return errorReply("refused", `${connector} on ${cluster.name} is not snoozed.`);
    const text = `${actor.name} ended the snooze of ${connector} on ${cluster.name}.`;
    return reply(text, [{ kind: "text", text }], "in_channel");
  },
});
