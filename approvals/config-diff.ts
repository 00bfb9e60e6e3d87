import { z } from "zod";
import { redactConfig } from "../src/core/redact.js";

/** One key of a config change as the approver saw it, its values hidden by the rules of `config` (redact.ts). */
export const ConfigDiffEntry = z.object({
  key: z.string(),
  change: z.enum(["added", "changed", "removed"]),
  before: z.string().optional(),
  after: z.string().optional(),
});
export type ConfigDiffEntry = z.infer<typeof ConfigDiffEntry>;

/** A connector config: Connect keeps every value as a string. */
export type Config = Readonly<Record<string, string>>;

/** The config after a change: `set` added or replaced, `unset` removed. */
export function applySettings(config: Config, set: Config, unset: readonly string[]): Record<string, string> {
  const removed = new Set(unset);
  return {
    ...Object.fromEntries(Object.entries(config).filter(([key]) => !removed.has(key))),
    ...set,
  };
}

/**
 * Every key that differs between two configs, by key, with its values hidden by the rules of `config`
 * (`redactConfig`: the keys the plugin declares PASSWORD, those named like secrets, credentials inside values).
 */
export function configDiff(
  before: Config,
  after: Config,
  passwordKeys: ReadonlySet<string> = new Set(),
): ConfigDiffEntry[] {
  const shownBefore = redactConfig(before, passwordKeys);
  const shownAfter = redactConfig(after, passwordKeys);
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort((a, b) =>
    a.localeCompare(b),
  );
  return keys.flatMap((key): ConfigDiffEntry[] => {
    const old = before[key];
    const next = after[key];
    if (old === next) return [];
    if (old === undefined) return [{ key, change: "added", after: shownAfter[key] ?? "" }];
    if (next === undefined) return [{ key, change: "removed", before: shownBefore[key] ?? "" }];
    return [{ key, change: "changed", before: shownBefore[key] ?? "", after: shownAfter[key] ?? "" }];
  });
}

/** The diff as lines: `+ key = value`, `~ key: old → new`, `- key (was old)`. */
export function diffLines(diff: readonly ConfigDiffEntry[]): string[] {
  const line = {
    added: ({ key, after }: ConfigDiffEntry) => `+ ${key} = ${after ?? ""}`,
    changed: ({ key, before, after }: ConfigDiffEntry) => `~ ${key}: ${before ?? ""} → ${after ?? ""}`,
    removed: ({ key, before }: ConfigDiffEntry) => `- ${key} (was ${before ?? ""})`,
  } as const;
  return diff.map((entry) => line[entry.change](entry));
}

/**
 * The keys whose value differs between the config the approver saw and the one the connector has now; empty when
 * it is the same config. A secret setting left out of `seen` (no sealing key was set) is compared by its
 * presence only: its value was never kept.
 */
export function changedSince(seen: Config, current: Config, secretKeys: readonly string[]): string[] {
  const unkept = new Set(secretKeys.filter((key) => seen[key] === undefined));
  const keys = new Set([...Object.keys(seen), ...Object.keys(current)]);
  return [...keys]
    .filter((key) => (unkept.has(key) ? current[key] === undefined : seen[key] !== current[key]))
    .sort((a, b) => a.localeCompare(b));
}
