import { defineCommand } from "../src/core/command-spec.js";
import { oneConnector } from "../src/core/connector-args.js";
import { reply } from "../src/core/reply.js";
import { secretHiding } from "../src/core/secret-hiding.js";

export const config = defineCommand({
  name: "config",
  summary: "A connector's config, secrets hidden.",
  details: "The connector's config, with passwords, tokens and other secrets hidden.",
  examples: ["config orders-sink"],
  ...oneConnector,
  role: "viewer",
  risk: "read",
  async run({ cluster, requestId }, { connector }) {
    const current = await cluster.connect.config(connector, { requestId });
    const hiding = await secretHiding(cluster.connect, current, { requestId });
    const rows = Object.entries(hiding.hide(current))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => [key, value]);
    return reply(`config of ${connector} on ${cluster.name}`, [
      { kind: "heading", text: `${connector} on ${cluster.name}` },
      { kind: "table", columns: ["key", "value"], rows },
      { kind: "note", text: hiding.note },
    ]);
  },
});
