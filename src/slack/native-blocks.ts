import type { DataTableBlock, KnownBlock, RawNumberElement, RawTextElement } from "@slack/web-api";
import { cutText } from "../core/cut-text.js";
import type { ReplyChart } from "../core/reply.js";

/**
 * Slack's documented limits of its native data blocks, the one place they are kept:
 * - `data_visualization` (docs.slack.dev/reference/block-kit/blocks/data-visualization-block, June 2026): a title of
 *   at most 50 characters; a line chart of 1–6 series, each named in at most 20 characters, of 1–20 data points
 *   labelled by the axis' categories (each at most 20 characters); axis titles of at most 50; at most two charts a
 *   message.
 * - `data_table` (docs.slack.dev/reference/block-kit/blocks/data-table-block): a header row and 1–100 rows, every
 *   row of the same 1–20 cells, `page_size` 1–100, a caption. The page also caps the characters of all cells of a
 *   table; the figure was not legible where it was read, so the bot keeps under 10,000, the table block's cap.
 */
export const nativeLimits = {
  chartsPerMessage: 2,
  chartTitle: 50,
  seriesPerChart: 6,
  seriesName: 20,
  pointsPerSeries: 20,
  category: 20,
  axisTitle: 50,
  tableRows: 100,
  tableColumns: 20,
  tableCharacters: 10_000,
  pageSize: 100,
} as const;

/** A table of more rows than this is a data table in Slack (sortable, paged); a handful reads as well as text. */
export const dataTableAbove = 5;
/** Rows a page of a data table shows: a phone's screen. */
const pageSize = 10;

/**
 * Slack's `data_visualization` block, as far as the bot draws it (line charts). Not in @slack/types 3.2, hence
 * declared here from the reference above.
 */
export interface DataVisualizationBlock {
  type: "data_visualization";
  block_id?: string;
  title: string;
  chart: {
    type: "line";
    series: { name: string; data: { label: string; value: number }[] }[];
    axis_config: { categories: string[]; x_label?: string; y_label?: string };
  };
}

/** Every block the bot sends: Block Kit's known blocks and the chart block @slack/types does not know yet. */
export type SlackBlock = KnownBlock | DataVisualizationBlock;

/**
 * A chart as a line chart within Slack's limits: the first six series, names and title cut to their lengths, and
 * at most 20 moments spread evenly over the whole span (each series' latest value at or before each moment).
 * Moments are labelled `HH:MM` in UTC (`HH:MM:SS` where minutes repeat; moments within one second are one): a
 * category is plain text, not a date Slack could localise. Undefined when no series has a finite point.
 */
export function chartBlock(chart: ReplyChart): DataVisualizationBlock | undefined {
  const series = chart.series
    .map((s) => ({ name: s.name, points: s.points.filter((p) => Number.isFinite(p.value)) }))
    .filter((s) => s.points.length > 0)
    .slice(0, nativeLimits.seriesPerChart);
  const moments = labelled(
    spread(
      [...new Set(series.flatMap((s) => s.points.map((p) => p.at)))].sort((a, b) => a - b),
      nativeLimits.pointsPerSeries,
    ),
  );
  if (moments.length === 0) return undefined;
  return {
    type: "data_visualization",
    title: cutText(chart.title, nativeLimits.chartTitle, "…"),
    chart: {
      type: "line",
      series: series.map((s) => ({
        name: cutText(s.name, nativeLimits.seriesName, "…"),
        data: moments.map(({ at, label }) => ({ label, value: valueAt(s.points, at) })),
      })),
      axis_config: {
        categories: moments.map(({ label }) => label),
        x_label: "time (UTC)",
        y_label: cutText(chart.unit, nativeLimits.axisTitle, "…"),
      },
    },
  };
}

/**
 * A table as a `data_table`, or undefined where Slack would refuse it (no rows, more than 20 columns, more than
 * 10,000 characters of cells): the caller shows it as text then. Rows past 100 are left out, as the caption says;
 * cells that read as whole numbers (`1,234`) are numbers, so Slack sorts them as numbers.
 */
export function dataTableBlock(
  caption: string,
  columns: readonly string[],
  rows: readonly (readonly string[])[],
): DataTableBlock | undefined {
  if (rows.length === 0 || columns.length === 0 || columns.length > nativeLimits.tableColumns)
    return undefined;
  const shown = rows.slice(0, nativeLimits.tableRows);
  const width = columns.length;
  const cells = [columns, ...shown.map((row) => Array.from({ length: width }, (_, i) => row[i] ?? ""))];
  const characters = cells.reduce((sum, row) => sum + row.reduce((n, cell) => n + cell.length, 0), 0);
  if (characters > nativeLimits.tableCharacters) return undefined;
  const left = rows.length - shown.length;
  return {
    type: "data_table",
    caption: left === 0 ? caption : `${caption} (first ${shown.length}; ${left} more not shown)`,
    page_size: Math.min(pageSize, nativeLimits.pageSize),
    rows: cells.map((row, r) => row.map((cell) => (r === 0 ? rawText(cell) : dataCell(cell)))),
  };
}

/** Whether Slack may refuse this block where native data blocks are not rolled out yet. */
export function isNativeBlock(block: { readonly type: string }): boolean {
  return block.type === "data_table" || block.type === "data_visualization";
}

function rawText(text: string): RawTextElement {
  // Slack refuses an empty raw_text (its minimum length is 1).
  return { type: "raw_text", text: text === "" ? " " : text };
}

function dataCell(text: string): RawTextElement | RawNumberElement {
  const number = /^-?\d{1,3}(,\d{3})*(\.\d+)?$|^-?\d+(\.\d+)?$/.test(text)
    ? Number(text.replaceAll(",", ""))
    : Number.NaN;
  return Number.isFinite(number) ? { type: "raw_number", value: number, text } : rawText(text);
}

/** At most `max` of `sorted`, evenly spread, always the first and the last. */
function spread(sorted: readonly number[], max: number): number[] {
  if (sorted.length <= max) return [...sorted];
  return Array.from(
    { length: max },
    (_, i) => sorted[Math.round((i * (sorted.length - 1)) / (max - 1))] ?? 0,
  );
}

/** Each moment with its label; moments that share a label (samples within one second) are one, the latest. */
function labelled(moments: readonly number[]): { at: number; label: string }[] {
  const clock = (at: number, to: number) => new Date(at).toISOString().slice(11, to);
  const minutes = new Set(moments.map((at) => clock(at, 16)));
  const to = minutes.size === moments.length ? 16 : 19;
  const latest = new Map<string, number>();
  for (const at of moments) latest.set(clock(at, to), at);
  return [...latest].map(([label, at]) => ({ at, label }));
}

function valueAt(points: readonly { at: number; value: number }[], at: number): number {
  return (points.findLast((p) => p.at <= at) ?? points[0])?.value ?? 0;
}
