import type { Tool, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { Command, RawArgs, Risk } from "../core/command-spec.js";

/**
 * An MCP tool name from a command's name: words joined with `_`, `-` kept (`offsets reset` → `offsets_reset`,
 * `audit verify` → `audit_verify`). MCP tool names are `[A-Za-z0-9_.-]{1,128}` (spec 2025-11-25, "Tool names").
 */
export function toolName(command: Pick<Command, "name">): string {
  return command.name.replaceAll(" ", "_");
}

/** The MCP annotations a command's declared risk implies (MCP spec, "ToolAnnotations"). */
export function annotationsOf(risk: Risk): ToolAnnotations {
  return {
    readOnlyHint: risk === "read",
    destructiveHint: risk === "destructive",
    idempotentHint: risk === "read",
    openWorldHint: false,
  };
}

/** The argument every tool takes besides its command's: which configured cluster to act on. */
const clusterProperty = {
  type: "string",
  description: "the cluster to act on (default: the default cluster)",
} as const;

/**
 * The command's argument schema as JSON Schema (zod 4's `z.toJSONSchema`, input side: what the caller sends), with
 * each field's command-line help as its `description` and the `cluster` property added. Numbers and booleans are
 * accepted where the schema's input says so; they reach the command as the words a person would type.
 */
export function inputSchemaOf(command: Command): Tool["inputSchema"] {
  const schema = z.toJSONSchema(command.args, {
    io: "input",
    unrepresentable: "any",
    override: ({ jsonSchema }) => {
      const cli = (jsonSchema as { cli?: { description?: string } }).cli;
      if (cli === undefined) return;
      delete (jsonSchema as { cli?: unknown }).cli;
      if (cli.description !== undefined) jsonSchema.description = cli.description;
    },
  });
  const { $schema, ...rest } = schema;
  const properties = (rest.properties ?? {}) as Record<string, object>;
  return {
    ...rest,
    type: "object",
    properties: { ...properties, ...(command.anyCluster ? {} : { cluster: clusterProperty }) },
  };
}

/** What an agent is told a command does for it: the help text, and whether it proposes, reads or is refused. */
function descriptionOf(command: Command): string {
  const what = command.details ?? command.summary;
  if (command.risk === "read") return what;
  if (command.proposes || command.proposable)
    return `${what} For an agent this only PROPOSES: it files an approval request with the plan, which a person approves or denies; nothing changes before that. \`reason\` is the intent a person reads${command.proposable ? " (required from an agent)" : ""}.`;
  return `${what} Agents cannot run this (it changes state without a person approving first): ask a person.`;
}

/** Every command as an MCP tool, in the registry's order: the registry is the only list. */
export function toolsOf(commands: readonly Command[]): Tool[] {
  return commands.map((command) => ({
    name: toolName(command),
    title: command.name,
    description: descriptionOf(command),
    inputSchema: inputSchemaOf(command),
    annotations: { title: command.name, ...annotationsOf(command.risk) },
  }));
}

/**
 * A tool call's arguments as the words of the command line: strings as they are, numbers as decimal text, `true`
 * as a bare flag, `false` as the flag left out. Anything else (an object, a list) is refused with the argument's
 * name. `cluster` is taken apart: it is not the command's own.
 */
export function rawArgsOf(
  args: Readonly<Record<string, unknown>> | undefined,
): { raw: RawArgs; cluster: string | undefined } | { error: string } {
  const raw: Record<string, string | true> = {};
  let cluster: string | undefined;
  for (const [name, value] of Object.entries(args ?? {})) {
    if (name === "cluster") {
      if (typeof value !== "string") return { error: `cluster: expected the name of a cluster, a string` };
      cluster = value;
    } else if (typeof value === "string") raw[name] = value;
    else if (typeof value === "number" && Number.isFinite(value)) raw[name] = String(value);
    else if (value === true) raw[name] = true;
    else if (value !== false && value !== null && value !== undefined)
      return {
        error: `${name}: expected a string, a number or true, not ${Array.isArray(value) ? "a list" : typeof value}`,
      };
  }
  return { raw, cluster };
}
