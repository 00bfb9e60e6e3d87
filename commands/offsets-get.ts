import { groupSharing, sharedGroupNote } from "../approvals/shared-group.js";
import { defineCommand } from "../src/core/command-spec.js";
import { oneConnector } from "../src/core/connector-args.js";
import { reply } from "../src/core/reply.js";

const shownRows = 60;

export const offsetsGet = defineCommand({
  name: "offsets get",
  summary: "A connector's committed offsets.",
  details: "The connector's committed offsets (per topic-partition for a sink).",
  examples: ["offsets get orders-sink"],
  ...oneConnector,
  role: "viewer",
  risk: "read",
  async run({ cluster, requestId }, { connector }) {
    const { offsets } = await cluster.connect.offsets(connector, { requestId });
    const summary = `${offsets.length} committed offset(s) of ${connector} on ${cluster.name}`;
    if (offsets.length === 0) {
      return reply(summary, [
        { kind: "text", text: `${connector} on ${cluster.name} has no committed offsets.` },
      ]);
    }
    const isSink = offsets.every((o) => "kafka_topic" in o.partition && "kafka_partition" in o.partition);
    const rows = isSink
      ? offsets
          .map((o) => [
            String(o.partition.kafka_topic),
            String(o.partition.kafka_partition),
            String(o.offset?.kafka_offset ?? "none"),
          ])
          .sort((a, b) => (a[0] ?? "").localeCompare(b[0] ?? "") || Number(a[1]) - Number(b[1]))
      : offsets.map((o) => [JSON.stringify(o.partition), JSON.stringify(o.offset)]);
    const connectors = isSink ? await cluster.connect.listConnectors({ requestId }) : [];
    const self = connectors.find((c) => c.name === connector);
    const shared = self && sharedGroupNote(connector, groupSharing(connector, self.config, connectors));
    return reply(summary, [
      { kind: "heading", text: summary },
      ...(shared === undefined ? [] : [{ kind: "text" as const, text: shared }]),
      {
        kind: "table",
        columns: isSink ? ["topic", "partition", "offset"] : ["partition", "offset"],
        rows: rows.slice(0, shownRows),
        ...(rows.length > shownRows
          ? {
              omitted: { count: rows.length - shownRows, hint: "use the Connect REST API for the full list" },
            }
          : {}),
      },
    ]);
  },
});
