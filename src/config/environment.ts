import type { z } from "zod";
import { type VariableBinding, variables } from "../core/config-schema.js";

type Path = readonly (string | number)[];

/** A setting the schema lets a variable set: where it sits in the document, and the variable. */
export interface BoundSetting {
  readonly path: Path;
  readonly binding: VariableBinding;
  /** The setting's own schema, which decides how the variable's text is read. */
  readonly schema: z.core.$ZodType;
}

/** A setting the environment did set: what the variable said and what the document got. */
export interface SetByVariable extends BoundSetting {
  /** The variable's text; undefined when the value is the shortcut's `whenUnset`. */
  readonly text: string | undefined;
  readonly value: unknown;
}

/** The schema under its optional, default, prefault and nullable wrappers, and a transform's input. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    const def = current._zod.def;
    if (
      def.type === "optional" ||
      def.type === "default" ||
      def.type === "prefault" ||
      def.type === "nullable"
    ) {
      current = (def as z.core.$ZodOptionalDef).innerType;
    } else if (def.type === "pipe") {
      current = (def as z.core.$ZodPipeDef).in;
    } else {
      return current;
    }
  }
}

/**
 * Every setting of `schema` a variable can set, in the schema's order: nested sections are walked, lists of
 * sections (clusters, routes) are not, as the shortcut describes one of each.
 */
export function boundSettings(schema: z.core.$ZodType, path: Path = []): BoundSetting[] {
  const binding = variables.get(schema as z.ZodType);
  if (binding !== undefined) return [{ path, binding, schema }];
  const base = unwrap(schema);
  if (base._zod.def.type !== "object") return [];
  return Object.entries((base._zod.def as z.core.$ZodObjectDef).shape).flatMap(([key, inner]) =>
    boundSettings(inner, [...path, key]),
  );
}

const truthy = new Set(["true", "1", "yes", "on", "y", "enabled"]);
const falsy = new Set(["false", "0", "no", "off", "n", "disabled"]);

/**
 * A variable's text as the value its setting's schema takes: a number, a yes/no, a comma-separated list, or the
 * text. Text that is none of what the schema wants is passed as is, so the schema's own message refuses it.
 */
function variableValue(setting: BoundSetting, text: string): unknown {
  if (setting.binding.parse !== undefined) return setting.binding.parse(text, setting.binding.name);
  switch (unwrap(setting.schema)._zod.def.type) {
    case "number": {
      const number = Number(text);
      return text.trim() !== "" && Number.isFinite(number) ? number : text;
    }
    case "boolean": {
      const word = text.trim().toLowerCase();
      return truthy.has(word) ? true : falsy.has(word) ? false : text;
    }
    case "array":
      return text
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean);
    default:
      return text;
  }
}

/** The settings of `settings` the environment sets (an empty variable is unset), with `whenUnset` as asked. */
export function settingsFromEnvironment(
  settings: readonly BoundSetting[],
  env: Readonly<Record<string, string>>,
  options: { readonly whenUnset: boolean },
): SetByVariable[] {
  return settings.flatMap((setting): SetByVariable[] => {
    const text = env[setting.binding.name];
    if (text !== undefined) return [{ ...setting, text, value: variableValue(setting, text) }];
    const fallback = setting.binding.whenUnset;
    if (!options.whenUnset || fallback === undefined) return [];
    return [{ ...setting, text: undefined, value: variableValue(setting, fallback) }];
  });
}

/** Writes each setting's value into `document` at `prefix` + its path, unless the document already has one there. */
export function fillIn(
  document: Record<string, unknown>,
  prefix: Path,
  set: readonly SetByVariable[],
): SetByVariable[] {
  const filled: SetByVariable[] = [];
  for (const setting of set) {
    const path = [...prefix, ...setting.path];
    let node: Record<string | number, unknown> = document;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (next === null || typeof next !== "object") node[key] = {};
      node = node[key] as Record<string | number, unknown>;
    }
    const last = path.at(-1);
    if (last === undefined || node[last] !== undefined) continue;
    node[last] = setting.value;
    filled.push({ ...setting, path });
  }
  return filled;
}

/**
 * A refused value of the environment, in the variable's words: `Invalid ROLE_ADMINS: "alice" is not a Slack user
 * id …` for one entry of a list, `Invalid ALERT_POLL_INTERVAL "often": a duration …` for a whole value, each
 * followed by the variable's hint. Undefined when the issue is not about a setting the environment set.
 */
export function inVariableWords(issue: z.core.$ZodIssue, set: readonly SetByVariable[]): string | undefined {
  const setting = set.find((one) => one.path.every((key, i) => issue.path[i] === key));
  if (setting === undefined) return undefined;
  const { name, hint } = setting.binding;
  const after = hint === undefined ? "" : ` ${hint}`;
  const rest = issue.path.slice(setting.path.length);
  const index = rest[0];
  if (typeof index === "number" && Array.isArray(setting.value)) {
    return `Invalid ${name}: "${String(setting.value[index])}" is not ${issue.message}.${after}`;
  }
  const field = setting.path.at(-1);
  const message = issue.message.startsWith(`${String(field)}: `)
    ? issue.message.slice(String(field).length + 2)
    : issue.message;
  const given = setting.text === undefined ? " (not set)" : ` "${setting.text}"`;
  return `Invalid ${name}${given}: ${message}.${after}`;
}
