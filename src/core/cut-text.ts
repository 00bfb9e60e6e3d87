/**
 * Text cut to a limit on whole characters: the one place the bot shortens text (audit entries, Slack texts, error
 * summaries, table cells).
 *
 * Limits count UTF-16 code units (`String.length`). Slack's limits say "characters" without saying which
 * (https://api.slack.com/reference/block-kit/blocks, https://api.slack.com/changelog/2018-04-truncating-really-long-messages);
 * a text within N code units holds at most N code points too, so it fits whichever Slack counts. Cuts fall between
 * grapheme clusters (`Intl.Segmenter`, UAX #29): an emoji, a flag, a ZWJ family or a letter with its combining marks
 * is kept whole or left out whole, and no cut ever leaves half of a surrogate pair. A lone surrogate that UTF-8
 * cannot carry becomes U+FFFD on the wire (JSON, Redis) and no longer matches what was hashed or measured.
 */

const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });

/**
 * `text` when it fits in `max` UTF-16 code units; else its longest start that ends between two grapheme clusters
 * and leaves room for `marker` (e.g. "…"), then `marker`. A single cluster longer than the room (a letter with
 * hundreds of combining marks) is cut between code points instead, so the start is never empty for want of a
 * boundary. `max` smaller than `marker` gives the marker's own start.
 */
export function cutText(text: string, max: number, marker = ""): string {
  if (text.length <= max) return text;
  if (max <= marker.length) return cutText(marker, max);
  return `${text.slice(0, boundaryAtOrBefore(text, max - marker.length))}${marker}`;
}

/** `text` in consecutive pieces of at most `max` UTF-16 code units (a piece is one code point, 2 units, when `max` is 1 and the text starts with an emoji), each cut as {@link cutText} cuts. */
export function splitText(text: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    // At least one code point a piece, so that a limit of 1 still moves on past an emoji.
    const end = boundaryAtOrBefore(rest, max) || String.fromCodePoint(rest.codePointAt(0) ?? 0).length;
    pieces.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
  if (rest !== "" || pieces.length === 0) pieces.push(rest);
  return pieces;
}

/**
 * `text` with each lone surrogate replaced by U+FFFD, as UTF-8 encoding replaces it on the way to Redis, Slack or
 * a log: a text made well-formed first is stored, hashed and shown as the same characters. (`String.prototype
 * .toWellFormed`, ES2024, does the same.)
 */
export function wellFormed(text: string): string {
  // With the `u` flag a surrogate range matches only a surrogate that is not half of a pair.
  return text.replace(/[\uD800-\uDFFF]/gu, "\uFFFD");
}

/** The largest grapheme boundary at or before `at` (0 < at < text.length), else the code point boundary there. */
function boundaryAtOrBefore(text: string, at: number): number {
  let end = 0;
  for (const { index, segment } of graphemes.segment(text)) {
    if (index + segment.length > at) break;
    end = index + segment.length;
  }
  if (end > 0) return end;
  const low = text.charCodeAt(at);
  const splitsPair =
    low >= 0xdc00 && low <= 0xdfff && text.charCodeAt(at - 1) >= 0xd800 && text.charCodeAt(at - 1) <= 0xdbff;
  return splitsPair ? at - 1 : at;
}
