import { editDistance, typoLimit } from "./command-line.js";

/** What a typed plugin name stands for among the plugins a worker has installed. */
export type PluginMatch =
  | { readonly kind: "found"; readonly className: string }
  /** An alias two installed classes share (same simple name, different packages): Connect refuses it too. */
  | { readonly kind: "ambiguous"; readonly candidates: readonly string[] }
  /** Nothing by that name; the installed classes it is close to, nearest first (possibly none). */
  | { readonly kind: "unknown"; readonly closeMatches: readonly string[] };

/** At most this many close matches are offered. */
const offered = 5;
/** Long class names share most of their letters: beyond this many edits a name is another plugin, not a typo. */
const maxEdits = 3;

/**
 * The names Connect accepts for a plugin class, as its `PluginUtils` aliases them: the full class name, the
 * simple name, and the simple name without its type suffix (`FileStreamSinkConnector` → `FileStreamSink`).
 */
export function pluginAliases(className: string): string[] {
  const simple = className.slice(className.lastIndexOf(".") + 1);
  const pruned = simple.replace(/(Connector|Converter|Transformation|Predicate)$/, "");
  return [...new Set([className, simple, ...(pruned === "" ? [] : [pruned])])];
}

/**
 * Which of the `installed` plugin classes `typed` names, the way Connect reads `connector.class`: the exact class
 * name, or an alias of exactly one class ({@link pluginAliases}); case counts, as it does for Connect. Anything
 * else is unknown, with the classes it is close to: an alias or class name within a few edits (ignoring case,
 * {@link typoLimit}, at most {@link maxEdits}), or one that contains what was typed (`FileStream` → both FileStream plugins).
 */
export function matchPlugin(typed: string, installed: readonly string[]): PluginMatch {
  const classes = [...new Set(installed)];
  if (classes.includes(typed)) return { kind: "found", className: typed };
  const byAlias = classes.filter((className) => pluginAliases(className).includes(typed));
  const [only] = byAlias;
  if (only !== undefined && byAlias.length === 1) return { kind: "found", className: only };
  if (byAlias.length > 1) return { kind: "ambiguous", candidates: byAlias.sort() };
  const word = typed.toLowerCase();
  const near = classes.flatMap((className) => {
    const distances = pluginAliases(className).map((alias) => {
      const name = alias.toLowerCase();
      return word.length >= 3 && name.includes(word) ? 0 : editDistance(word, name);
    });
    const distance = Math.min(...distances);
    return distance <= Math.min(typoLimit(typed), maxEdits) ? [{ className, distance }] : [];
  });
  near.sort((a, b) => a.distance - b.distance || a.className.localeCompare(b.className));
  return { kind: "unknown", closeMatches: near.slice(0, offered).map((match) => match.className) };
}
