import { defineCommand } from "../src/core/command-spec.js";
import { oneConnector } from "../src/core/connector-args.js";
import { reply } from "../src/core/reply.js";

export const topics = defineCommand({
  name: "topics",
  summary: "The topics a connector has used (KIP-558).",
  details:
    "The topics the connector's tasks have read or written since its list was last reset, as Connect records them (KIP-558): which connectors still use a topic before it is deleted.",
  examples: ["topics orders-sink"],
  ...oneConnector,
  role: "viewer",
  risk: "read",
  async run({ cluster, requestId }, { connector }) {
    // Connect answers an empty list for a name it does not know: its status says whether the connector exists.
    const [status, used] = await Promise.all([
      cluster.connect.status(connector, { requestId }),
      cluster.connect.connectorTopics(connector, { requestId }),
    ]);
    const type = status.type === undefined ? "" : ` (${status.type})`;
    if (used.length === 0) {
      const text = `${connector}${type} on ${cluster.name} has used no topic since its list was last reset.`;
      return reply(text, [{ kind: "text", text }]);
    }
    const summary = `${connector}${type} on ${cluster.name} has used ${used.length} topic(s)`;
    return reply(summary, [
      { kind: "heading", text: summary },
      { kind: "table", columns: ["topic"], rows: [...used].sort().map((topic) => [topic]) },
      {
        kind: "note",
        text: "Connect adds a topic when a task first reads or writes it, and keeps it until `topics reset`.",
      },
    ]);
  },
});
