/**
 * bench/RESULTS.md and the Performance table in docs/performance.md, assembled from several runs: a run of some parts replaces
 * only those parts' rows of the issue's table and their sections, and leaves every other part's as it was. Each
 * row and section names the run it came from (the parts asked for and when), so a table put together from
 * several runs says so.
 */
import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** The parts of `npm run bench`, in the order their rows and sections appear. */
export const benchParts = ["edge", "scale", "approvals", "kill", "lag", "mcp", "scaleout"] as const;
export type BenchPart = (typeof benchParts)[number];

/** What one part measured: its rows of the table (Markdown, without the "from" cell) and its section. */
export interface PartResult {
  readonly rows: readonly string[];
  readonly section: readonly string[];
}

/** Where a part's figures came from: its run's command line, time and machine; what the part took. */
export interface RunLabel {
  /** `npm run bench -- edge scale`, or `npm run bench` for a full run. */
  readonly command: string;
  /** ISO 8601, UTC: when the part finished. */
  readonly finishedAt: string;
  /** One sentence: Node, cores, memory, the Kafka test bed. */
  readonly machine: string;
  readonly partMinutes: number;
}

const tableHeader = ["| what | bot | reference | ratio | from |", "| --- | --- | --- | --- | --- |"];
const tableCaption =
  "3 rounds: median (min–max) over the rounds; each reference is measured side by side with the bot in the same run, the ratio taken per round, then its median. The last column names the run a row comes from.";
const sectionBegin = (part: string) => `<!-- bench part: ${part} -->`;
const sectionEnd = (part: string) => `<!-- end of bench part: ${part} -->`;
const tableBegin = "<!-- bench table: begin (written by bench/run.ts) -->";
const tableEnd = "<!-- bench table: end -->";

/** "edge, 2026-11-29 21:50 UTC": the last cell of a row. */
function fromCell(part: BenchPart, label: RunLabel): string {
  return `${part}, ${label.finishedAt.slice(0, 16).replace("T", " ")} UTC`;
}

/** The rows and sections of an existing RESULTS.md, by part; empty for a file written before parts were marked. */
function parseResults(text: string): Map<BenchPart, { rows: string[]; section: string[] }> {
  const parts = new Map<BenchPart, { rows: string[]; section: string[] }>();
  const entry = (part: BenchPart) => {
    const found = parts.get(part) ?? { rows: [], section: [] };
    parts.set(part, found);
    return found;
  };
  // Rows are read from the table only, which ends where the first part's section begins.
  const firstSection = text.indexOf("<!-- bench part: ");
  for (const line of text.slice(0, firstSection < 0 ? undefined : firstSection).split("\n")) {
    const part = /\|\s*([a-z]+), [^|]*\|\s*$/.exec(line)?.[1];
    if (part !== undefined && isPart(part)) entry(part).rows.push(line);
  }
  for (const part of benchParts) {
    const begin = text.indexOf(sectionBegin(part));
    const end = text.indexOf(sectionEnd(part));
    if (begin >= 0 && end > begin)
      entry(part).section = text.slice(begin, end + sectionEnd(part).length).split("\n");
  }
  return parts;
}

/** Markdown as the project's biome formats it (tables aligned), through its stdin: no path, no ignore rules. */
function formatMarkdown(text: string): string {
  const root = join(import.meta.dirname, "..");
  return execFileSync(
    join(root, "node_modules", ".bin", "biome"),
    ["format", "--stdin-file-path=performance.md"],
    {
      cwd: root,
      input: text,
      encoding: "utf8",
    },
  );
}

function isPart(name: string): name is BenchPart {
  return (benchParts as readonly string[]).includes(name);
}

/**
 * Writes `resultsPath` with this run's parts replacing their earlier rows and sections, and the same table into
 * `pagePath` (docs/performance.md) between its markers (the page is left alone, with a warning, if they are
 * missing), formatted by the project's biome as `npm run lint` expects. Returns the text written to `resultsPath`.
 */
export async function writeResults(
  resultsPath: string,
  pagePath: string,
  measured: ReadonlyMap<BenchPart, { readonly result: PartResult; readonly label: RunLabel }>,
): Promise<string> {
  const earlier = parseResults(await readFile(resultsPath, "utf8").catch(() => ""));
  const rows: string[] = [];
  const sections: string[] = [];
  for (const part of benchParts) {
    const now = measured.get(part);
    if (now === undefined) {
      rows.push(...(earlier.get(part)?.rows ?? []));
      const section = earlier.get(part)?.section ?? [];
      if (section.length > 0) sections.push(...section, "");
      continue;
    }
    const { result, label } = now;
    rows.push(...result.rows.map((row) => `${row} ${fromCell(part, label)} |`));
    const [heading = `## ${part}`, ...body] = result.section;
    sections.push(
      sectionBegin(part),
      heading,
      "",
      `From \`${label.command}\`, ${label.finishedAt.slice(0, 16).replace("T", " ")} UTC: ${label.machine} This part took ${label.partMinutes} min.`,
      ...body,
      sectionEnd(part),
      "",
    );
  }
  const table = [tableCaption, "", ...tableHeader, ...rows];
  const text = [
    "# Benchmarks",
    "",
    "Written by `npm run bench`. A run of some parts (`npm run bench -- edge`) replaces only their rows and sections here and in docs/performance.md's table; every row and section names the run it came from.",
    "",
    "## The issue's table",
    "",
    ...table,
    "",
    ...sections,
  ].join("\n");
  await writeFile(resultsPath, `${text.trimEnd()}\n`);

  const page = await readFile(pagePath, "utf8");
  const begin = page.indexOf(tableBegin);
  const end = page.indexOf(tableEnd);
  if (begin < 0 || end < begin) console.warn(`${pagePath} has no bench table markers; left as it is`);
  else
    await writeFile(
      pagePath,
      formatMarkdown(
        `${page.slice(0, begin + tableBegin.length)}\n\n${table.join("\n")}\n\n${page.slice(end)}`,
      ),
    );
  return text;
}
