import { chartInWords } from "../core/chart-words.js";
import { utcClock } from "../core/duration.js";
import { inUtc, type Reply, type ReplyPart, utcMoment } from "../core/reply.js";

/**
 * A reply as terminal text: tables with aligned columns, headings underlined; then what could not be delivered
 * while it ran (`Reply.undelivered`: a request Slack would not post), one notice a paragraph.
 */
export function renderText(reply: Reply): string {
  const body = reply.parts.length === 0 ? reply.summary : reply.parts.map(renderPart).join("\n\n");
  return [body, ...(reply.undelivered ?? []).map((notice) => notice.summary)].join("\n\n");
}

function renderPart(part: ReplyPart): string {
  switch (part.kind) {
    case "heading":
      return `${part.text}\n${"=".repeat(Math.min(part.text.length, 80))}`;
    case "text":
    case "code":
      return part.text;
    case "note":
      return `(${part.text})`;
    case "timed": {
      const text = inUtc(part.pieces);
      return part.as === "note" ? `(${text})` : text;
    }
    case "chart":
      return chartInWords(part, utcClock).join("\n");
    case "actions":
      return part.actions.map((action) => `${action.label}: ${action.typed}`).join("\n");
    case "fields":
      return part.fields
        .map(([label, value]) => `${label}: ${typeof value === "string" ? value : utcMoment(value)}`)
        .join("\n");
    case "table": {
      const table = alignColumns([part.columns, ...part.rows]);
      return part.omitted === undefined
        ? table
        : `${table}\n… and ${part.omitted.count} more: ${part.omitted.hint}`;
    }
  }
}

/** Pads every column to its widest cell, so a table reads in a monospace font. */
export function alignColumns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...cell].length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
