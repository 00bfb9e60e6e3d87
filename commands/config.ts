import { defineCommand } from "../src/core/command-spec.js";
import { oneConnector } from "../src/core/connector-args.js";
import { redactConfig } from "../src/core/redact.js";
import { reply } from "../src/core/reply.js";

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
    const passwordKeys = await cluster.connect.passwordKeys(current, { requestId });
    const rows = Object.entries(redactConfig(current, passwordKeys))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => [key, value]);
    return reply(`config of ${connector} on ${cluster.name}`, [
      { kind: "heading", text: `${connector} on ${cluster.name}` },
      { kind: "table", columns: ["key", "value"], rows },
      {
        kind: "note",
        text:
          passwordKeys === undefined
            ? "Connect could not say which settings are secret: hidden by name, and credentials inside values."
            : "Hidden: the settings its plugin declares as passwords, those named like secrets, and credentials inside values.",
      },
    ]);
  },
});
