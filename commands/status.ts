import { groupSharing, sharedGroupNote } from "../approvals/shared-group.js";
import { defineCommand } from "../src/core/command-spec.js";
import { oneConnector } from "../src/core/connector-args.js";
import type { ClusterClients } from "../src/core/ports.js";
import { hideSecretValues, redactText, secretValues } from "../src/core/redact.js";
import { type ReplyPart, reply } from "../src/core/reply.js";
import { offsetsFormAction } from "./offsets-reset.js";
import { offsetsSetFormAction } from "./offsets-set.js";

const traceLines = 8;

export const status = defineCommand({
  name: "status",
  summary: "A connector's state, tasks and traces.",
  details: "Connector and task states, their workers, and the start of a failed task's trace.",
  examples: ["status orders-sink", "status orders-sink --cluster staging"],
  ...oneConnector,
  role: "viewer",
  risk: "read",
  async run({ cluster, requestId }, { connector }) {
    const current = await cluster.connect.status(connector, { requestId });
    const summary = `${connector} on ${cluster.name}: ${current.connector.state}`;
    const parts: ReplyPart[] = [
      { kind: "heading", text: summary },
      {
        kind: "fields",
        fields: [
          ["type", current.type ?? "unknown"],
          ["worker", current.connector.worker_id],
          // Reported from Connect 4.1 (KIP-891), which can run several versions of one plugin.
          ...(current.connector.version === undefined
            ? []
            : [["plugin version", current.connector.version] as const]),
          [
            "tasks",
            `${current.tasks.filter((t) => t.state === "RUNNING").length} of ${current.tasks.length} running`,
          ],
        ],
      },
    ];
    if (current.tasks.length > 0) {
      const versions = current.tasks.some((task) => task.version !== undefined);
      parts.push({
        kind: "table",
        columns: ["task", "state", "worker", ...(versions ? ["plugin version"] : [])],
        rows: current.tasks.map((task) => [
          String(task.id),
          task.state,
          task.worker_id,
          ...(versions ? [task.version ?? "not reported"] : []),
        ]),
      });
    }
    if (current.type === "sink") {
      // One listing gives this sink's config and every other connector's: who else commits to its consumer group.
      const connectors = await cluster.connect.listConnectors({ requestId });
      const self = connectors.find((c) => c.name === connector);
      const shared = self && sharedGroupNote(connector, groupSharing(connector, self.config, connectors));
      if (shared !== undefined) parts.push({ kind: "text", text: shared });
    }
    const traces = [
      ...(current.connector.trace === undefined ? [] : [["connector", current.connector.trace] as const]),
      ...current.tasks.flatMap((task) =>
        task.trace === undefined ? [] : [[`task ${task.id}`, task.trace] as const],
      ),
    ];
    // A trace may repeat one of the connector's secret settings alone (`Login failed for password …`).
    const secrets = traces.length === 0 ? [] : await secretsOf(cluster.connect, connector, requestId);
    for (const [what, trace] of traces) {
      parts.push({ kind: "text", text: `Trace of ${what} (first lines):` });
      // Hidden before it is cut: a private key's lines, or a URL, must not be split past the patterns.
      parts.push({
        kind: "code",
        text: redactText(hideSecretValues(trace, secrets)).split("\n").slice(0, traceLines).join("\n"),
      });
    }
    if (current.type === "sink")
      parts.push({ kind: "actions", actions: [offsetsFormAction(connector, cluster.name)] });
    if (current.type === "source")
      parts.push({ kind: "actions", actions: [offsetsSetFormAction(connector, cluster.name)] });
    return reply(summary, parts);
  },
});

/** The values of the connector's secret settings, as `config` hides them. */
async function secretsOf(
  connect: ClusterClients["connect"],
  connector: string,
  requestId: string,
): Promise<string[]> {
  const config = await connect.config(connector, { requestId });
  return secretValues(config, await connect.passwordKeys(config, { requestId }));
}
