import { z } from "zod";
import { groupSharing, sharedGroupNote, sharedGroupsLine } from "../approvals/shared-group.js";
import { type LagTrend, lagTrend } from "../src/alerts/lag-trend.js";
import { defineCommand, positional } from "../src/core/command-spec.js";
import { ConnectorName } from "../src/core/connector-args.js";
import { formatDuration } from "../src/core/duration.js";
import { reply } from "../src/core/reply.js";
import { outOfScopeNote } from "../src/core/roles.js";
import type { SinkConsumerSettings } from "../src/kafka/sink-consumer.js";
import type { PartitionLag, SinkLag } from "../src/kafka/sink-lag-reader.js";

const shownRows = 40;
const count = (n: number) => n.toLocaleString("en-US");

export const lag = defineCommand({
  name: "lag",
  summary: "Consumer lag of sink connectors.",
  details: "Consumer lag of sink connectors: per partition for one, totals for all.",
  examples: ["lag", "lag orders-sink"],
  args: z.object({
    connector: positional(ConnectorName.optional(), "one sink connector (default: every sink)"),
  }),
  role: "viewer",
  risk: "read",
  connectorOf: (args) => args.connector,
  async run({ cluster, requestId, alerts, now, scopeOn }, { connector }) {
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
      const [result, connectors] = await Promise.all([
        cluster.lag.lag(connector, info.config),
        cluster.connect.listConnectors({ requestId }),
      ]);
      const shared = sharedGroupNote(connector, groupSharing(connector, info.config, connectors));
      const rows = [...result.partitions].sort((a, b) => b.lag - a.lag).slice(0, shownRows);
      const at = now().getTime();
      const trend = lagTrend(await alerts.history(cluster.name, connector));
      const summary = `${connector} on ${cluster.name}: lag ${count(result.total)} message(s)`;
      return reply(summary, [
        { kind: "heading", text: summary },
        {
          kind: "fields",
          fields: [
            ["consumer group", result.groupId],
            ["partitions", String(result.partitions.length)],
            ["trend", describeTrend(trend, result.total)],
            ["with no commit", startsAt(result.settings)],
            ...(result.lost > 0
              ? [["lost", `${count(result.lost)} message(s) deleted by retention unread`] as [string, string]]
              : []),
          ],
        },
        ...(shared === undefined ? [] : [{ kind: "text" as const, text: shared }]),
        ...(result.unread.length === 0
          ? []
          : [
              {
                kind: "text" as const,
                text: `Not counted: ${result.unread.map((t) => `${t.topic} (${t.gone ? "gone: topic deleted" : `unreadable: ${t.reason}`})`).join(", ")}.`,
              },
            ]),
        {
          kind: "table",
          columns: ["topic", "partition", "committed", "log end", "lag", "behind", "retention margin"],
          rows: rows.map((p) => {
            const oldestUnread = p.oldestUnreadAt;
            return [
              p.topic,
              String(p.partition),
              p.committed === null ? "none" : count(p.committed),
              count(p.logEnd),
              count(p.lag),
              oldestUnread === undefined ? "" : formatDuration(Math.max(0, at - oldestUnread)),
              retentionMargin(p),
            ];
          }),
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
    const scope = await scopeOn(cluster.name);
    const allSinks = (await cluster.connect.listConnectors({ requestId })).filter((c) => c.type === "sink");
    // Totals only of the sinks the person may see: Kafka is not even read for the others.
    const sinks = allSinks.filter((sink) => scope.sees(sink.name));
    const hidden = outOfScopeNote(allSinks.length - sinks.length, "sink connector(s)");
    const read = await cluster.lag.lagOfSinks(sinks);
    // A sink whose lag cannot be read (its topic deleted, say) is listed as such; the others still show.
    const lags = sinks.map((sink) => {
      const lag = read.get(sink.name);
      return { sink, lag: lag === undefined ? new Error("not read") : lag };
    });
    const total = (lag: SinkLag | Error) => (lag instanceof Error ? -1 : lag.total);
    lags.sort((a, b) => total(b.lag) - total(a.lag));
    const summary = `lag of ${sinks.length} sink connector(s) on ${cluster.name}`;
    if (lags.length === 0)
      return reply(summary, [{ kind: "text", text: `No sink connectors on ${cluster.name}.` }, ...hidden]);
    const shared = sharedGroupsLine(sinks);
    return reply(summary, [
      { kind: "heading", text: summary },
      ...(shared === undefined ? [] : [{ kind: "text" as const, text: shared }]),
      {
        kind: "table",
        columns: ["connector", "state", "partitions", "lag"],
        rows: lags
          .slice(0, shownRows)
          .map(({ sink, lag: l }) =>
            l instanceof Error
              ? [sink.name, sink.state, "", `unreadable: ${l.message.slice(0, 80)}`]
              : [sink.name, sink.state, String(l.partitions.length), totalOf(l)],
          ),
        ...(lags.length > shownRows
          ? { omitted: { count: lags.length - shownRows, hint: "the sinks shown lag the most" } }
          : {}),
      },
      ...hidden,
    ]);
  },
});

/**
 * How many unread messages stand between the sink and retention: retention deletes from the log start, so a
 * position close to it is about to lose data; below it, it has (LOST: deleted before the sink read them).
 */
function retentionMargin(p: PartitionLag): string {
  if (p.lost > 0) return `LOST ${count(p.lost)}`;
  if (p.lag === 0) return "";
  return `${count(p.next - p.logStart)} message(s)`;
}

/** A sink's total, with what it leaves out. */
function totalOf(lag: SinkLag): string {
  const parts = [
    ...(lag.lost > 0 ? [`LOST ${count(lag.lost)}`] : []),
    ...lag.unread.map((t) => `${t.topic} ${t.gone ? "gone" : "unreadable"}`),
  ];
  return parts.length === 0 ? count(lag.total) : `${count(lag.total)} (${parts.join(", ")})`;
}

/** Where the sink starts on a partition it has never committed on, and which setting says so. */
function startsAt(settings: SinkConsumerSettings): string {
  const where = settings.autoOffsetReset === "latest" ? "log end (new messages only)" : "log start";
  return `${where}: auto.offset.reset=${settings.autoOffsetReset} (${settings.autoOffsetResetFrom})`;
}

function describeTrend(trend: LagTrend | undefined, total: number): string {
  if (trend === undefined) return "not known yet (alert polls record it)";
  const rate = `${count(Math.round(Math.abs(trend.catchUpPerSecond)))}/s over ${formatDuration(trend.overMs)}`;
  if (trend.etaMs !== undefined)
    return `catching up at ${rate}: lag 0 in about ${formatDuration(trend.etaMs)}`;
  if (trend.catchUpPerSecond < 0) return `falling behind by ${rate}`;
  return total === 0 ? "up to date" : "not moving";
}
