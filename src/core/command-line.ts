/**
 * Splits a command line the way a shell user expects: whitespace separates words, "double" and 'single' quotes
 * group them, a backslash escapes the next character. Slack turns typed quotes into curly ones (“ ” ‘ ’), so
 * those count as quotes too.
 */
export function tokenize(line: string): string[] {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let closingQuote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line.charAt(i);
    if (closingQuote !== undefined) {
      if (char === closingQuote || (closingQuote === "”" && char === "“")) closingQuote = undefined;
      else if (char === "\\" && closingQuote === '"' && i + 1 < line.length) current += line.charAt(++i);
      else current += char;
      continue;
    }
    if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
      continue;
    }
    inWord = true;
    const quote = openingQuotes[char];
    if (quote !== undefined) closingQuote = quote;
    else if (char === "\\" && i + 1 < line.length) current += line.charAt(++i);
    else current += char;
  }
  if (closingQuote !== undefined) throw new CommandLineError(`A quote (${closingQuote}) is not closed.`);
  if (inWord) words.push(current);
  return words;
}

const openingQuotes: Readonly<Record<string, string>> = { '"': '"', "'": "'", "“": "”", "‘": "’", "”": "”" };

export class CommandLineError extends Error {
  override readonly name = "CommandLineError";
  readonly code = "USAGE";
}

export interface FlagSpec {
  readonly type: "string" | "boolean";
  readonly description: string;
  readonly required: boolean;
  /** Why a required flag is required: `--reason is required: it is shown to the approver…`. */
  readonly why?: string;
  /** A one-letter alias, used as `-c`. */
  readonly short?: string;
  /** Shown in help as the value's name: `--since DURATION`. */
  readonly valueName?: string;
}

export interface ParsedWords {
  readonly positionals: readonly string[];
  readonly flags: Readonly<Record<string, string | true>>;
}

/**
 * Separates `--name value`, `--name=value`, `-c value` and boolean `--name` from positional words. Unknown flags,
 * repeated flags and missing values are errors that name the flag, so the user sees what to fix.
 */
export function parseWords(
  words: readonly string[],
  flagSpecs: Readonly<Record<string, FlagSpec>>,
): ParsedWords {
  const positionals: string[] = [];
  const flags: Record<string, string | true> = {};
  const byShort = new Map(
    Object.entries(flagSpecs).flatMap(([name, spec]) =>
      spec.short === undefined ? [] : [[spec.short, name]],
    ),
  );
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? "";
    if (!word.startsWith("-") || word === "-" || /^-\d/.test(word)) {
      positionals.push(word);
      continue;
    }
    const [rawName = "", inlineValue] = word.startsWith("--")
      ? splitOnce(word.slice(2), "=")
      : [byShort.get(word.slice(1)) ?? word.slice(1), undefined];
    const spec = flagSpecs[rawName];
    if (spec === undefined) {
      const known = Object.keys(flagSpecs);
      const hint = closest(rawName, known);
      throw new CommandLineError(
        `Unknown option ${word}.${hint === undefined ? "" : ` Did you mean --${hint}?`}${
          known.length === 0 ? " This command takes no options." : ""
        }`,
      );
    }
    if (flags[rawName] !== undefined) throw new CommandLineError(`--${rawName} is given twice.`);
    if (spec.type === "boolean") {
      if (inlineValue !== undefined) throw new CommandLineError(`--${rawName} takes no value.`);
      flags[rawName] = true;
      continue;
    }
    const value = inlineValue ?? words[++i];
    if (value === undefined || (inlineValue === undefined && value.startsWith("--"))) {
      throw new CommandLineError(
        `--${rawName} needs a value${spec.valueName ? ` (${spec.valueName})` : ""}.`,
      );
    }
    flags[rawName] = value;
  }
  return { positionals, flags };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

/** The most edits (ignoring case) that still read as a typo of `word`: 2, or a third of a longer word. */
export function typoLimit(word: string): number {
  return Math.max(2, Math.floor(word.length / 3));
}

/** The candidate nearest to `word` by edit distance, if it is near enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = typoLimit(word) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance: the fewest single-character insertions, deletions and substitutions from `a` to `b`. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
