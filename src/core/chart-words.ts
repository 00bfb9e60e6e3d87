import type { ReplyChart } from "./reply.js";

const count = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 1 });

/**
 * A chart said in words, one line a series: where it started, where it is now and its highest point, each with
 * its moment written by `timeOf` (the adapter's: UTC in the shell, the reader's zone in Slack). What the shell
 * prints for a chart and what Slack shows where it cannot draw one.
 */
export function chartInWords(chart: ReplyChart, timeOf: (at: number) => string): string[] {
  const lines = chart.series.flatMap((series) => {
    const first = series.points[0];
    const last = series.points.at(-1);
    if (first === undefined || last === undefined) return [];
    const highest = series.points.reduce((top, point) => (point.value > top.value ? point : top), first);
    const span = `${series.name}: ${count(first.value)} at ${timeOf(first.at)}, ${count(last.value)} at ${timeOf(last.at)}`;
    return [`${span}; highest ${count(highest.value)} at ${timeOf(highest.at)} (${chart.unit})`];
  });
  return [`${chart.title}:`, ...(lines.length === 0 ? ["no figures yet"] : lines)];
}
