// needs: pure
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type BenchPart, type PartResult, type RunLabel, writeResults } from "../bench/results-file.js";

const label = (command: string, finishedAt: string): RunLabel => ({
  command,
  finishedAt,
  machine: "Node v24, 2 cores.",
  partMinutes: 3,
});
const part = (name: string, figure: string): PartResult => ({
  rows: [`| ${name} figure | ${figure} | reference | 1.00× |`],
  section: [`## The ${name} part`, "", `${name} measured ${figure}.`, ""],
});

describe("bench results assembled from several runs", () => {
  let dir: string;
  let results: string;
  let performancePage: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "bench-results-"));
    results = join(dir, "RESULTS.md");
    performancePage = join(dir, "performance.md");
    await writeFile(
      performancePage,
      "# Performance\n\n<!-- bench table: begin (written by bench/run.ts) -->\n\nold table\n\n<!-- bench table: end -->\n\nProse stays.\n",
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("a run of some parts replaces their rows and sections and keeps every other part's, each naming its run", async () => {
    await writeResults(
      results,
      performancePage,
      new Map<BenchPart, { result: PartResult; label: RunLabel }>([
        [
          "edge",
          { result: part("edge", "162 MiB"), label: label("npm run bench", "2026-11-29T19:28:00.000Z") },
        ],
        [
          "kill",
          { result: part("kill", "7.0 s"), label: label("npm run bench", "2026-11-29T19:40:00.000Z") },
        ],
      ]),
    );
    await writeResults(
      results,
      performancePage,
      new Map<BenchPart, { result: PartResult; label: RunLabel }>([
        [
          "edge",
          {
            result: part("edge", "140 MiB"),
            label: label("npm run bench -- edge", "2026-11-29T21:23:00.000Z"),
          },
        ],
      ]),
    );

    const text = await readFile(results, "utf8");
    assert.match(text, /\| edge figure \| 140 MiB \| reference \| 1\.00× \| edge, 2026-11-29 21:23 UTC \|/);
    assert.match(text, /\| kill figure \| 7\.0 s \| reference \| 1\.00× \| kill, 2026-11-29 19:40 UTC \|/);
    assert.doesNotMatch(text, /162 MiB/);
    assert.match(text, /## The edge part\n\nFrom `npm run bench -- edge`, 2026-11-29 21:23 UTC: /);
    assert.match(text, /## The kill part\n\nFrom `npm run bench`, 2026-11-29 19:40 UTC: /);
    // Parts keep the bench's order (edge before kill), whichever ran last.
    assert.ok(text.indexOf("## The edge part") < text.indexOf("## The kill part"));

    const page = await readFile(performancePage, "utf8");
    assert.doesNotMatch(page, /old table/);
    assert.match(page, /\| edge figure +\| 140 MiB +\|/);
    assert.match(page, /\| kill figure +\| 7\.0 s +\|/);
    assert.match(page, /Prose stays\./);
  });
});
