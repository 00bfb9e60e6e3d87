import { editDistance } from "./command-line.js";

/**
 * The names Connect accepts for a plugin class (its `PluginUtils` aliases): the full class name, the simple name,
 * and the simple name without a `Connector` suffix (`FileStreamSink` for
 * `org.apache.kafka.connect.file.FileStreamSinkConnector`).
 */
export function pluginAliases(pluginClass: string): string[] {
  const simple = pluginClass.slice(pluginClass.lastIndexOf(".") + 1);
  const short = simple.endsWith("Connector") ? simple.slice(0, -"Connector".length) : simple;
  return [...new Set([pluginClass, simple, short].filter((name) => name !== ""))];
}

/** Whether `wanted` names `pluginClass` as Connect would resolve it (exactly, or by one of its aliases). */
export function namesPlugin(wanted: string, pluginClass: string): boolean {
  return pluginAliases(pluginClass).includes(wanted.trim());
}

/**
 * The worker's plugins closest to a class it does not know, best first, at most `limit`: those whose simple name
 * contains the typed one (4 characters or more) or the reverse, then those within a typo's edit distance of it (a third of its length,
 * at least 3), compared without case on the simple names. Empty when nothing is near: the caller then lists them all.
 */
export function closestPlugins(wanted: string, plugins: readonly string[], limit = 3): string[] {
  const typed = simpleOf(wanted).toLowerCase();
  if (typed === "") return [];
  const scored = plugins.flatMap((pluginClass) => {
    const names = pluginAliases(pluginClass)
      .slice(1)
      .map((name) => name.toLowerCase());
    const contains = typed.length >= 4 && names.some((name) => name.includes(typed) || typed.includes(name));
    const distance = Math.min(...names.map((name) => editDistance(typed, name)));
    const near = distance <= Math.max(3, Math.floor(typed.length / 3));
    return contains || near ? [{ pluginClass, score: contains ? -1 : distance }] : [];
  });
  return scored
    .sort((a, b) => a.score - b.score || a.pluginClass.localeCompare(b.pluginClass))
    .slice(0, limit)
    .map(({ pluginClass }) => pluginClass);
}

function simpleOf(name: string): string {
  const trimmed = name.trim();
  return trimmed.slice(trimmed.lastIndexOf(".") + 1);
}
