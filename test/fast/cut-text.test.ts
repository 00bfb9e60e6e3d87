// needs: pure
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cutText, splitText, wellFormed } from "../../src/core/cut-text.js";

/** Pieces of text that a cut in the wrong place breaks: pairs, joiners, flags, combining marks, Hangul jamo. */
const pieces = [
  "a",
  " ",
  "&amp;",
  "é",
  "e\u0301",
  "a\u0308\u0301",
  "中",
  "😀",
  "👍🏽",
  "👨‍👩‍👧‍👦",
  "🇩🇪",
  "𝄞",
  "\u1100\u1161\u11A8",
  "\r\n",
] as const;

/** A seeded generator, so a failure names a case that can be run again. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomText(next: () => number, withLoneSurrogates = false): string {
  const length = Math.floor(next() * 40);
  let text = "";
  for (let i = 0; i < length; i++) {
    if (withLoneSurrogates && next() < 0.1) text += next() < 0.5 ? "\uD83D" : "\uDE00";
    else text += pieces[Math.floor(next() * pieces.length)];
  }
  return text;
}

const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });
/** Every index of `text` between two grapheme clusters, 0 and the end included. */
const boundaries = (text: string) =>
  new Set([0, ...[...graphemes.segment(text)].map(({ index, segment }) => index + segment.length)]);
const loneSurrogate = /[\uD800-\uDFFF]/u;

describe("cutText and splitText: whole characters only, at any limit", () => {
  test("a cut fits its limit, keeps the text's start up to a character boundary, and is the longest that does", () => {
    const next = random(20);
    for (let run = 0; run < 5000; run++) {
      const text = randomText(next);
      const max = Math.floor(next() * (text.length + 3));
      const marker = next() < 0.5 ? "" : "…";
      const cut = cutText(text, max, marker);
      const seen = `case ${run}: ${JSON.stringify(text)} cut to ${max} with ${JSON.stringify(marker)}`;
      if (text.length <= max) {
        assert.equal(cut, text, seen);
        continue;
      }
      assert.ok(cut.length <= max, `${seen}: ${cut.length} units`);
      assert.ok(!loneSurrogate.test(cut), `${seen}: a lone surrogate in ${JSON.stringify(cut)}`);
      if (max <= marker.length) continue;
      assert.ok(cut.endsWith(marker), seen);
      const kept = cut.slice(0, cut.length - marker.length);
      assert.ok(text.startsWith(kept), seen);
      const room = max - marker.length;
      const cuts = [...boundaries(text)].filter((at) => at <= room);
      const longest = Math.max(...cuts);
      // Only when no character boundary fits at all is a cluster cut, between code points.
      if (longest > 0) assert.equal(kept.length, longest, seen);
      else assert.ok(kept.length <= room && kept.length >= room - 1, seen);
    }
  });

  test("pieces join back to the text, each within the limit, each cut between characters", () => {
    const next = random(21);
    for (let run = 0; run < 3000; run++) {
      const text = randomText(next);
      const max = 2 + Math.floor(next() * 20);
      const parts = splitText(text, max);
      const seen = `case ${run}: ${JSON.stringify(text)} split by ${max}`;
      assert.equal(parts.join(""), text, seen);
      const whole = boundaries(text);
      const clustersFit = [...graphemes.segment(text)].every(({ segment }) => segment.length <= max);
      let at = 0;
      for (const part of parts) {
        assert.ok(part.length <= max, seen);
        assert.ok(!loneSurrogate.test(part), `${seen}: ${JSON.stringify(part)}`);
        at += part.length;
        if (clustersFit) assert.ok(whole.has(at), `${seen}: a cut inside a character at ${at}`);
      }
      assert.ok(parts.length === 1 || parts.every((part) => part !== ""), seen);
    }
    assert.deepEqual(splitText("😀😀", 1), ["😀", "😀"], "a limit of 1 still moves on, one emoji a piece");
  });

  test("wellFormed gives exactly what a UTF-8 round trip (Redis, Slack, a log) gives back", () => {
    const next = random(22);
    for (let run = 0; run < 3000; run++) {
      const text = randomText(next, true);
      assert.equal(wellFormed(text), Buffer.from(text, "utf8").toString("utf8"), JSON.stringify(text));
    }
  });
});
