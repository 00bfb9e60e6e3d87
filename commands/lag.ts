import { z } from "zod";
import { groupSharing, sharedGroupNote, sharedGroupsLine } from "../approvals/shared-group.js";
import { lagCharts } from "../src/alerts/lag-chart.js";
import { type LagTrend, lagTrend } from "../src/alerts/lag-trend.js";
import { defineCommand, positional } from "../src/core/command-spec.js";
import { ConnectorName } from "../src/core/connector-args.js";
import { cutText } from "../src/core/cut-text.js";
import { formatDuration } from "../src/core/duration.js";
import type { PartitionLag, SinkLag, TopicSource } from "../src/core/ports.js";
import { reply } from "../src/core/reply.js";
import { outOfScopeNote } from "../src/core/roles.js";
import type { SinkConsumerSettings } from "../src/core/sink-consumer.js";
import { offsetsFormAction } from "./offsets-reset.js";

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
      if (result.topicsUnknown !== undefined) {
        const summary = `${connector} on ${cluster.name}: lag not known`;
        return reply(summary, [
          { kind: "heading", text: summary },
          {
            kind: "text",
            text: `The bot does not know which topics ${connector} reads: ${result.topicsUnknown}. Its lag shows once a task of it consumes; every other sink is read as usual.`,
          },
          ...(shared === undefined ? [] : [{ kind: "text" as const, text: shared }]),
        ]);
      }
      const rows = [...result.partitions].sort((a, b) => b.lag - a.lag).slice(0, shownRows);
      const at = now();
      const history = await alerts.history(cluster.name, connector);
      const trend = lagTrend(history);
      const summary = `${connector} on ${cluster.name}: lag ${lagWords(result)}`;
      return reply(summary, [
        { kind: "heading", text: summary },
        {
          kind: "fields",
          fields: [
            ["consumer group", result.groupId],
            ...(result.topicsFrom === "config"
              ? []
              : [["topics", topicsFrom[result.topicsFrom]] as [string, string]]),
            ["partitions", String(result.partitions.length)],
            ["trend", describeTrend(trend, result.total)],
            ["with no commit", startsAt(result.settings)],
            ...(result.lost > 0
              ? [["lost", `${count(result.lost)} message(s) deleted by retention unread`] as [string, string]]
              : []),
          ],
        },
        ...lagCharts(connector, history),
        ...(shared === undefined ? [] : [{ kind: "text" as const, text: shared }]),
        ...notes(result).map((text) => ({ kind: "text" as const, text })),
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
              p.uncounted > 0 ? `≥ ${count(p.lag)} (+${count(p.uncounted)} offsets)` : count(p.lag),
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
        { kind: "actions", actions: [offsetsFormAction(connector, cluster.name)] },
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
              ? [sink.name, sink.state, "", `unreadable: ${cutText(l.message, 80)}`]
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
 * How many unread offsets stand between the sink and retention: retention deletes from the log start, so a
 * position close to it is about to lose data; below it, it has (LOST: deleted before the sink read them). On a
 * plain topic each offset is a message; on a compacted one, not.
 */
function retentionMargin(p: PartitionLag): string {
  if (p.lost > 0) return `LOST ${count(p.lost)}`;
  if (p.lag === 0 && p.uncounted === 0) return "";
  return `${count(p.next - p.logStart)} ${p.compacted ? "offset(s)" : "message(s)"}`;
}

/** How a sink's topics were learned, when not from its `topics` list. */
const topicsFrom: Readonly<Record<Exclude<TopicSource, "config">, string>> = {
  group: "those its running tasks subscribe to (topics.regex, matched by Connect)",
  commits:
    "those its group has committed offsets on (topics.regex; no task is consuming, so a topic created since it last ran is not counted)",
  unknown: "not known",
};

/** `12 message(s)`, or `at least 12 message(s) (+20,001 offsets not counted on compacted topics)`. */
function lagWords(lag: SinkLag): string {
  const uncounted = sum(lag.partitions, (p) => p.uncounted);
  if (uncounted === 0) return `${count(lag.total)} message(s)`;
  return `at least ${count(lag.total)} message(s) (+${count(uncounted)} offset(s) not counted on compacted topics)`;
}

/** What the figures mean where offsets are not messages, and where the sink waits rather than lags. */
function notes(lag: SinkLag): string[] {
  const compacted = [...new Set(lag.partitions.filter((p) => p.compacted).map((p) => p.topic))];
  const held = lag.partitions.filter((p) => p.held > 0);
  return [
    ...(compacted.length === 0
      ? []
      : [
          `Compacted (cleanup.policy=compact): ${compacted.join(", ")}. Offsets there have gaps, so lag counts the records left${
            lag.partitions.some((p) => p.uncounted > 0)
              ? "; where one small read did not reach the log end, it says at least that many and the offsets left"
              : ""
          }.`,
        ]),
    ...(held.length === 0
      ? []
      : [
          `Waiting on an open transaction, not stalled: ${held
            .map((p) => `${p.topic}:${p.partition} ${count(p.held)} offset(s) past the last stable offset`)
            .join(
              ", ",
            )}. A read_committed sink cannot read past it until the producer commits or aborts (or the broker aborts it at transaction.timeout.ms).`,
        ]),
  ];
}

/** A sink's total, with what it leaves out. */
function totalOf(lag: SinkLag): string {
  if (lag.topicsUnknown !== undefined) return "not known: topics.regex and no task consuming";
  const uncounted = sum(lag.partitions, (p) => p.uncounted);
  const held = sum(lag.partitions, (p) => p.held);
  const parts = [
    ...(uncounted > 0 ? [`+${count(uncounted)} offsets on compacted topics`] : []),
    ...(held > 0 ? [`${count(held)} held by an open transaction`] : []),
    ...(lag.lost > 0 ? [`LOST ${count(lag.lost)}`] : []),
    ...lag.unread.map((t) => `${t.topic} ${t.gone ? "gone" : "unreadable"}`),
  ];
  const total = uncounted > 0 ? `≥ ${count(lag.total)}` : count(lag.total);
  return parts.length === 0 ? total : `${total} (${parts.join(", ")})`;
}

function sum(partitions: readonly PartitionLag[], of: (p: PartitionLag) => number): number {
  return partitions.reduce((total, p) => total + of(p), 0);
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
