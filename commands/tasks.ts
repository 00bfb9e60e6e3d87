import { defineCommand } from "../src/core/command-spec.js";
import { oneConnector } from "../src/core/connector-args.js";
import { type ReplyPart, reply } from "../src/core/reply.js";
import { secretHiding } from "../src/core/secret-hiding.js";

export const tasks = defineCommand({
  name: "tasks",
  summary: "Each task's config, secrets hidden.",
  details:
    "The config Connect gave each of the connector's tasks (its own settings and what the connector derived for the task), with secrets hidden as `config` hides them.",
  examples: ["tasks orders-sink"],
  ...oneConnector,
  role: "viewer",
  risk: "read",
  async run({ cluster, requestId }, { connector }) {
    // The connector's config names its plugin, whose PASSWORD keys decide what is hidden in every task's config.
    const [connectorConfig, taskInfos] = await Promise.all([
      cluster.connect.config(connector, { requestId }),
      cluster.connect.tasks(connector, { requestId }),
    ]);
    const summary = `${taskInfos.length} task(s) of ${connector} on ${cluster.name}`;
    if (taskInfos.length === 0) {
      return reply(summary, [
        {
          kind: "text",
          text: `${connector} on ${cluster.name} has no tasks now (it is stopped, or its connector has not given them configs yet).`,
        },
      ]);
    }
    const hiding = await secretHiding(cluster.connect, connectorConfig, { requestId });
    const parts: ReplyPart[] = [{ kind: "heading", text: summary }];
    for (const task of [...taskInfos].sort((a, b) => a.id.task - b.id.task)) {
      const rows = Object.entries(hiding.hide(task.config))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, value]) => [key, value]);
      parts.push(
        { kind: "text", text: `Task ${task.id.task}:` },
        { kind: "table", columns: ["key", "value"], rows },
      );
    }
    parts.push({ kind: "note", text: hiding.note });
    return reply(summary, parts);
  },
});
