import { z } from "zod";

/**
 * A connector config as people type it: `key=value` words, or one JSON object (`--config '{"topics":"orders"}'`).
 * Each fault is named exactly (the word, the key, the position in the JSON), so the person can fix it at once.
 * Values are strings, as Connect keeps them; JSON numbers and booleans are taken as their text, as Connect does.
 */

/** Settings read from what was typed, or the fault that stops them, in words. */
export type SettingsRead =
  | { readonly ok: true; readonly settings: Record<string, string> }
  | { readonly ok: false; readonly fault: string };

/** The words `key=value …` as settings. Returns the fault as words when one is wrong, so a schema can refuse it. */
export function settingsOfWords(words: readonly string[]): SettingsRead {
  // A Map, so that a key such as `__proto__` is a key like any other.
  const settings = new Map<string, string>();
  for (const word of words) {
    const at = word.indexOf("=");
    if (at < 0) {
      return {
        ok: false,
        fault: `"${word}" is not key=value: every setting is written key=value (a value with spaces goes in --config '<json>')`,
      };
    }
    const key = word.slice(0, at).trim();
    if (key === "") return { ok: false, fault: `"${word}" has no key before "="` };
    if (settings.has(key)) return { ok: false, fault: `${key} is given twice: say each key once` };
    settings.set(key, word.slice(at + 1));
  }
  return { ok: true, settings: Object.fromEntries(settings) };
}

/**
 * One JSON object of settings. Faults: invalid JSON (with its position, line and column), something other than
 * an object, a key given twice (which `JSON.parse` would silently drop), a value that is an object, an array or
 * null (Connect's config values are strings).
 */
export function settingsOfJson(text: string): SettingsRead {
  try {
    return { ok: true, settings: new JsonSettings(text).read() };
  } catch (error) {
    if (error instanceof SettingsFault) return { ok: false, fault: error.message };
    throw error;
  }
}

/** The variadic words `key=value …` of a command line, as settings; a fault refuses the command. */
export const SettingWords = z.string().transform((text, context) => {
  const read = settingsOfWords(text.split(/\s+/).filter(Boolean));
  if (!read.ok) {
    context.addIssue({ code: "custom", message: read.fault });
    return z.NEVER;
  }
  return read.settings;
});

/** `--config '<json>'`: one JSON object of settings; a fault, with its position, refuses the command. */
export const SettingsJson = z.string().transform((text, context) => {
  const read = settingsOfJson(text);
  if (!read.ok) {
    context.addIssue({ code: "custom", message: read.fault });
    return z.NEVER;
  }
  return read.settings;
});

/** `--unset a,b`: config keys, each once. */
export const KeyList = z.string().transform((text, context) => {
  const keys = text.split(",").map((key) => key.trim());
  const empty = keys.indexOf("");
  if (empty >= 0) {
    context.addIssue({
      code: "custom",
      message: `"${text}" holds an empty key: name keys separated by commas`,
    });
    return z.NEVER;
  }
  const twice = keys.find((key, i) => keys.indexOf(key) !== i);
  if (twice !== undefined) {
    context.addIssue({ code: "custom", message: `${twice} is given twice: say each key once` });
    return z.NEVER;
  }
  return keys;
});

class SettingsFault extends Error {}

/** A small JSON reader for one flat object: `JSON.parse` neither reports every fault's position nor duplicate keys. */
class JsonSettings {
  readonly #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  read(): Record<string, string> {
    this.#space();
    if (this.#text.charAt(this.#at) !== "{") this.#fail("expected a JSON object of settings, { … }");
    this.#at++;
    const settings = new Map<string, string>();
    const seenAt = new Map<string, number>();
    this.#space();
    if (this.#text.charAt(this.#at) === "}") this.#at++;
    else {
      for (;;) {
        this.#space();
        const keyAt = this.#at;
        if (this.#text.charAt(this.#at) !== '"') this.#fail("expected a key in double quotes");
        const key = this.#string();
        const earlier = seenAt.get(key);
        if (earlier !== undefined) {
          throw new SettingsFault(
            `--config names "${key}" twice (at positions ${earlier} and ${keyAt}): say each key once`,
          );
        }
        seenAt.set(key, keyAt);
        this.#space();
        if (this.#text.charAt(this.#at) !== ":") this.#fail(`expected ':' after the key "${key}"`);
        this.#at++;
        this.#space();
        settings.set(key, this.#value(key));
        this.#space();
        const next = this.#text.charAt(this.#at);
        this.#at++;
        if (next === "}") break;
        if (next !== ",") {
          this.#at--;
          this.#fail("expected ',' or '}' after a value");
        }
      }
    }
    this.#space();
    if (this.#at < this.#text.length) this.#fail("unexpected text after the closing '}'");
    return Object.fromEntries(settings);
  }

  #value(key: string): string {
    const char = this.#text.charAt(this.#at);
    if (char === '"') return this.#string();
    const scalar = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false)/.exec(
      this.#text.slice(this.#at),
    );
    if (scalar !== null) {
      this.#at += scalar[0].length;
      return scalar[0];
    }
    if (char === "{" || char === "[" || this.#text.startsWith("null", this.#at)) {
      throw new SettingsFault(
        `--config: the value of "${key}" (at position ${this.#at}) must be a string, a number or true/false: Connect's config values are strings`,
      );
    }
    return this.#fail(`expected a value for "${key}"`);
  }

  /** A JSON string starting at the opening quote, escapes decoded. */
  #string(): string {
    const start = this.#at;
    this.#at++;
    let result = "";
    for (;;) {
      if (this.#at >= this.#text.length) {
        this.#at = start;
        this.#fail("a string is not closed");
      }
      const char = this.#text.charAt(this.#at);
      if (char === '"') {
        this.#at++;
        return result;
      }
      if (char < " ") this.#fail("a control character inside a string must be escaped");
      if (char === "\\") {
        const escaped = /^\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/.exec(this.#text.slice(this.#at));
        if (escaped === null) this.#fail("an invalid escape in a string");
        result += JSON.parse(`"${escaped[0]}"`) as string;
        this.#at += escaped[0].length;
        continue;
      }
      result += char;
      this.#at++;
    }
  }

  #space(): void {
    while (/\s/.test(this.#text.charAt(this.#at)) && this.#at < this.#text.length) this.#at++;
  }

  #fail(what: string): never {
    const before = this.#text.slice(0, this.#at);
    const line = before.split("\n").length;
    const column = this.#at - before.lastIndexOf("\n");
    const found = this.#at >= this.#text.length ? "the end" : JSON.stringify(this.#text.charAt(this.#at));
    throw new SettingsFault(
      `--config is not valid JSON at position ${this.#at} (line ${line}, column ${column}, at ${found}): ${what}`,
    );
  }
}
