import { z } from "zod";
import { defineCommand } from "../src/core/command-spec.js";
import { ConnectorName } from "../src/core/connector-args.js";
import { reply } from "../src/core/reply.js";

const shownRows = 40;
const count = (n: number) => n.toLocaleString("en-US");

export const lag = defineCommand({
  name: "lag",
  summary: "Consumer lag of sink connectors: per partition for one, totals for all.",
  examples: ["lag", "lag orders-sink"],
  positionals: [
    { name: "connector", description: "one sink connector (default: every sink)", optional: true },
  ],
  flags: {},
  args: z.object({ connector: ConnectorName.optional() }),
  role: "viewer",
  risk: "read",
  connectorOf: (args) => args.connector,
  async run({ cluster, requestId }, { connector }) {
    if (connector !== undefined) {
      const info = await cluster.connect.info(connector, { requestId });
      if (info.type === "source") {
        return reply(`${connector} is a source connector`, [
          {
            kind: "text",
            text: `${connector} is a source connector: it has no consumer lag. \`offsets get ${connector}\` shows its offsets.`,
          },
        ]);
      }
      const result = await cluster.lag.lag(connector, info.config);
      const summary = `${connector} on ${cluster.name}: lag ${count(result.total)} message(s)`;
      return reply(summary, [
        { kind: "heading", text: summary },
        {
          kind: "fields",
          fields: [
            ["consumer group", result.groupId],
            ["partitions", String(result.partitions.length)],
          ],
        },
        {
          kind: "table",
          columns: ["topic", "partition", "committed", "log end", "lag"],
          rows: [...result.partitions]
            .sort((a, b) => b.lag - a.lag)
            .slice(0, shownRows)
            .map((p) => [
              p.topic,
              String(p.partition),
              p.committed === null ? "none" : count(p.committed),
              count(p.logEnd),
              count(p.lag),
            ]),
          ...(result.partitions.length > shownRows
            ? {
                omitted: {
                  count: result.partitions.length - shownRows,
                  hint: "the partitions shown lag the most",
                },
              }
            : {}),
        },
      ]);
    }
    const sinks = (await cluster.connect.listConnectors({ requestId })).filter((c) => c.type === "sink");
    const read = await cluster.lag.lagOfSinks(sinks);
    const lags = sinks.map((sink) => {
      const lag = read.get(sink.name);
      if (lag === undefined || lag instanceof Error)
        throw lag ?? new Error(`No lag was read for ${sink.name}`);
      return { sink, lag };
    });
    lags.sort((a, b) => b.lag.total - a.lag.total);
    const summary = `lag of ${sinks.length} sink connector(s) on ${cluster.name}`;
    if (lags.length === 0)
      return reply(summary, [{ kind: "text", text: `No sink connectors on ${cluster.name}.` }]);
    return reply(summary, [
      { kind: "heading", text: summary },
      {
        kind: "table",
        columns: ["connector", "state", "partitions", "lag"],
        rows: lags
          .slice(0, shownRows)
          .map(({ sink, lag: l }) => [sink.name, sink.state, String(l.partitions.length), count(l.total)]),
        ...(lags.length > shownRows
          ? { omitted: { count: lags.length - shownRows, hint: "the sinks shown lag the most" } }
          : {}),
      },
    ]);
  },
});
