import type { ConnectorSample } from "../core/ports.js";
import { type Reply, type ReplyChart, reply } from "../core/reply.js";
import { minutesBehind, totalLag } from "./connector-sample.js";

/**
 * A sink's lag over the samples the alert history holds (its window, oldest first), as two charts, one per unit:
 * messages left, and minutes behind (the age of the oldest unread message, where it was read). Samples that could
 * not read lag are left out; no chart without two points, since one point draws no line.
 */
export function lagCharts(connector: string, history: readonly ConnectorSample[]): ReplyChart[] {
  const read = history.filter((sample) => sample.partitions !== undefined);
  const lag = read.map((sample) => ({ at: sample.at, value: totalLag(sample.partitions ?? []) }));
  const behind = read.flatMap((sample) => {
    const minutes = minutesBehind(sample);
    // A sample with no lag is not behind at all, whether or not a timestamp was read.
    const value = totalLag(sample.partitions ?? []) === 0 ? 0 : minutes;
    return value === undefined ? [] : [{ at: sample.at, value: Math.round(value * 10) / 10 }];
  });
  return [
    ...(lag.length < 2
      ? []
      : [
          {
            kind: "chart" as const,
            title: `Lag of ${connector}`,
            unit: "messages",
            series: [{ name: "lag", points: lag }],
          },
        ]),
    ...(behind.length < 2
      ? []
      : [
          {
            kind: "chart" as const,
            title: `Time behind of ${connector}`,
            unit: "minutes",
            series: [{ name: "oldest unread", points: behind }],
          },
        ]),
  ];
}

/**
 * The reply that opens a lag alert's thread: {@link lagCharts} over the connector's kept samples, or undefined when
 * there is no chart to draw.
 */
export function lagChartReply(
  alert: { readonly cluster: string; readonly connector: string },
  history: readonly ConnectorSample[],
): Reply | undefined {
  const charts = lagCharts(alert.connector, history);
  if (charts.length === 0) return undefined;
  return reply(`Lag of ${alert.connector} on ${alert.cluster} over the last samples`, charts);
}
