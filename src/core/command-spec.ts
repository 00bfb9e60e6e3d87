import type { z } from "zod";
import type { AuditLog } from "./audit-log.js";
import type { Clock } from "./clock.js";
import type { ClusterHandle } from "./cluster-handle.js";
import type { FlagSpec } from "./command-line.js";
import type { CommandServices } from "./ports.js";
import type { Reply } from "./reply.js";
import type { Role, RoleScope, ScopeQuestion, UnreadableGroup } from "./roles.js";

/** read: looks only. safe: changes state in a way that is easy to undo. destructive: needs a second person. */
export type Risk = "read" | "safe" | "destructive";

/** A person as an adapter knows them: `id` is opaque to the core, `source` names the adapter (and its identity). */
export interface Actor {
  readonly id: string;
  readonly name: string;
  /** The adapter's name, e.g. "slack" or "shell": lower-case letters, digits and '-'. */
  readonly source: string;
  /**
   * The person's own environment variables, where their adapter has them to offer: only the terminal shell does
   * (`config set c key=@env:VAR`, so a secret never sits in its history). Never from chat.
   */
  readonly environment?: (variable: string) => string | undefined;
}

/** What a command is given: who asks, where, and the services of {@link CommandServices}. */
export interface CommandContext extends CommandServices {
  readonly actor: Actor;
  readonly cluster: ClusterHandle;
  readonly clusters: readonly ClusterHandle[];
  /**
   * The actor's role on a cluster (on `connector` when the question names one), as the permission check sees it.
   * With `needed`, throws `IDENTITY_UNAVAILABLE` when the answer hinges on a group the identity source could not
   * read (see `Identity.roleOf`).
   */
  readonly roleOn: (cluster: string, question?: ScopeQuestion) => Promise<Role | undefined>;
  /**
   * Everything the actor holds on a cluster, each role with the connectors it holds on: commands that list
   * connectors show only those in it, and bulk work asks `check` of each connector (see `Identity.scopeOf`).
   */
  readonly scopeOn: (cluster: string, question?: ScopeQuestion) => Promise<RoleScope>;
  /** The user groups named in a cluster's grants that the actor's identity source could not read when last asked. */
  readonly unreadableGroups: (cluster: string) => readonly UnreadableGroup[];
  readonly audit: AuditLog;
  readonly commands: readonly Command[];
  readonly requestId: string;
  /** Whether saved configs keep their secret settings (sealed under SNAPSHOT_KEYS) or leave them out. */
  readonly sealsSecrets: boolean;
  /** The Slack channel the command was typed in; absent in the shell. */
  readonly channelId?: string;
  /** The time, in ms since the epoch. */
  readonly now: Clock;
}

export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  readonly optional: boolean;
  /** The last positional may take all remaining words (`offsets set c t:0=1 t:1=2`). */
  readonly variadic: boolean;
}

/** The words of an invocation, keyed by positional and flag names, before the command's schema reads them. */
export type RawArgs = Readonly<Record<string, string | true | undefined>>;

/**
 * How one field of a command's argument schema is typed on the command line. It rides on the field itself (zod's
 * `.meta()`), so the schema is the one declaration from which parsing, usage, help and refusals are derived.
 */
export type ArgMeta =
  | { readonly kind: "positional"; readonly description: string; readonly variadic?: true }
  | {
      readonly kind: "flag";
      readonly description: string;
      readonly valueName?: string;
      readonly short?: string;
      /** Why a required flag is required, for the refusal when it is missing. */
      readonly why?: string;
    };

declare module "zod" {
  interface GlobalMeta {
    cli?: ArgMeta;
  }
}

/** A field typed as a word in order: `status <connector>`. Optional when its schema accepts no value. */
export function positional<T extends z.ZodType>(
  schema: T,
  description: string,
  options: { readonly variadic?: true } = {},
): T {
  return schema.meta({ cli: { kind: "positional", description, ...options } });
}

/** A field typed as `--name VALUE` (or `--name` alone when its schema is `true`). */
export function flag<T extends z.ZodType>(
  schema: T,
  description: string,
  options: { readonly valueName?: string; readonly short?: string; readonly why?: string } = {},
): T {
  return schema.meta({ cli: { kind: "flag", description, ...options } });
}

/** An object schema whose fields each carry {@link ArgMeta}; refinements across fields are allowed. */
export type ArgsSchema<Args> = z.ZodType<Args> & { readonly shape: Readonly<Record<string, z.ZodType>> };

export interface CommandSpec<Args> {
  /** One or two words: `status`, `offsets get`. */
  readonly name: string;
  /** One short line for `help` (about 50 characters, so the list fits a Slack message). */
  readonly summary: string;
  /** More for `help <command>`. */
  readonly details?: string;
  readonly examples: readonly string[];
  /** Every positional and flag, each field declared with {@link positional} or {@link flag}. */
  readonly args: ArgsSchema<Args>;
  /** The least role needed on the cluster the invocation targets; "anyone" for help. */
  readonly role: Role | "anyone";
  readonly risk: Risk;
  /**
   * The command changes nothing itself: it files an approval request (approvals/), which runs only once people
   * decide it. A principal that may only propose (see `Identity.proposeOnly`) may run these and read commands, and
   * the others only through their {@link CommandSpec.asProposal}.
   */
  readonly proposes?: true;
  /**
   * How a principal that may only propose (an agent, `Identity.proposeOnly`) asks for this command instead of
   * running it: files an approval request that a person decides, and changes nothing itself. A command that acts at
   * once and has none is refused to such principals (fails closed). Checked with the command's own role, as `run`.
   */
  readonly asProposal?: (context: CommandContext, args: Args) => Promise<Reply>;
  /**
   * The approval policy entry the requests this command files fall under, when it files them without proposing as
   * a whole (a pattern's `pause` above `automation.bulk.approvalAbove` files a `bulk` request). A `proposes`
   * command's entry is its own name. The approval policy's entries are these, read from every spec
   * ({@link approvalEntriesOf}); a request under an entry no spec declares still waits for approval.
   */
  readonly approvalEntry?: string;
  /**
   * The command does not act on the chosen cluster (help, or a request found by its id): it runs even when no
   * cluster can be chosen, with the first configured one standing in.
   */
  readonly anyCluster?: true;
  /**
   * The connector the invocation is about: the audit files it there, and the role is checked on it (grants scoped
   * to connector patterns). @defaultValue the `connector` argument, when the schema has one
   */
  readonly connectorOf?: (args: Args) => string | undefined;
  readonly run: (context: CommandContext, args: Args) => Promise<Reply>;
}

/** A command with its argument type sealed inside, so the registry can hold commands of every type. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly details: string | undefined;
  readonly examples: readonly string[];
  readonly positionals: readonly PositionalSpec[];
  readonly flags: Readonly<Record<string, FlagSpec>>;
  readonly role: Role | "anyone";
  readonly risk: Risk;
  /** See {@link CommandSpec.proposes}. */
  readonly proposes: boolean;
  /** It acts at once, and has {@link CommandSpec.asProposal}: an agent's call files a request instead. */
  readonly proposable: boolean;
  /** See {@link CommandSpec.approvalEntry}: set for every command that files approval requests. */
  readonly approvalEntry: string | undefined;
  readonly anyCluster: boolean;
  /**
   * The argument schema as declared, read by adapters that describe the arguments to a program (a JSON Schema for
   * MCP tools); parsing goes through {@link Command.prepare}.
   */
  readonly args: z.ZodType;
  /** Reads the raw words with the command's schema: a prepared run, or what is wrong with the words. */
  prepare(raw: RawArgs): PreparedRun | { readonly error: string };
}

export interface PreparedRun {
  readonly connector: string | undefined;
  run(context: CommandContext): Promise<Reply>;
  /** See {@link CommandSpec.asProposal}; absent when the command has none. */
  readonly propose?: (context: CommandContext) => Promise<Reply>;
}

/**
 * Seals a command's spec, deriving its positionals and flags from the fields of its argument schema.
 * @throws Error when a field carries no {@link ArgMeta}, or a positional follows a variadic one: a programming
 * error, seen as soon as the registry loads.
 */
export function defineCommand<Args>(spec: CommandSpec<Args>): Command {
  const { positionals, flags } = cliOf(spec.name, spec.args.shape);
  return {
    name: spec.name,
    summary: spec.summary,
    details: spec.details,
    examples: spec.examples,
    positionals,
    flags,
    role: spec.role,
    risk: spec.risk,
    proposes: spec.proposes === true,
    proposable: spec.asProposal !== undefined,
    approvalEntry: spec.approvalEntry ?? (spec.proposes === true ? spec.name : undefined),
    anyCluster: spec.anyCluster === true,
    args: spec.args,
    prepare(raw) {
      const parsed = spec.args.safeParse(raw);
      if (!parsed.success) {
        return {
          error: parsed.error.issues
            .map((issue) => {
              const field = issue.path.map(String).join(".");
              return field === "" ? issue.message : `${describeField(positionals, field)}: ${issue.message}`;
            })
            .join("; "),
        };
      }
      const args = parsed.data;
      const { asProposal } = spec;
      return {
        connector: connectorOf(spec, args),
        run: (context) => spec.run(context, args),
        ...(asProposal === undefined ? {} : { propose: (context) => asProposal(context, args) }),
      };
    },
  };
}

/**
 * The approval policy entries the commands declare (each command that files approval requests, once), in the
 * order the commands are listed: what a cluster's `approvals.required` may name, and requires when it names none.
 */
export function approvalEntriesOf(commands: readonly Command[]): string[] {
  return [...new Set(commands.flatMap((command) => command.approvalEntry ?? []))];
}

/** The spec's own answer, else its `connector` argument: a command naming a connector never escapes the scope check. */
function connectorOf<Args>(spec: CommandSpec<Args>, args: Args): string | undefined {
  if (spec.connectorOf !== undefined) return spec.connectorOf(args);
  const named = (args as { readonly connector?: unknown }).connector;
  return typeof named === "string" ? named : undefined;
}

function cliOf(
  command: string,
  shape: Readonly<Record<string, z.ZodType>>,
): { positionals: PositionalSpec[]; flags: Record<string, FlagSpec> } {
  const positionals: PositionalSpec[] = [];
  const flags: Record<string, FlagSpec> = {};
  for (const [name, field] of Object.entries(shape)) {
    const meta = field.meta()?.cli;
    if (meta === undefined) throw new Error(`${command}: argument ${name} is neither positional nor flag`);
    // Optional exactly when the schema accepts no value (`.optional()` or `.default()`).
    const optional = field.safeParse(undefined).success;
    if (meta.kind === "positional") {
      if (positionals.at(-1)?.variadic === true) throw new Error(`${command}: ${name} follows a variadic`);
      positionals.push({ name, description: meta.description, optional, variadic: meta.variadic === true });
      continue;
    }
    flags[name] = {
      type: isTrueOnly(field) ? "boolean" : "string",
      description: meta.description,
      required: !optional,
      ...(meta.valueName === undefined ? {} : { valueName: meta.valueName }),
      ...(meta.short === undefined ? {} : { short: meta.short }),
      ...(meta.why === undefined ? {} : { why: meta.why }),
    };
  }
  return { positionals, flags };
}

/** `z.literal(true)` or `z.boolean()`, optional or not: a flag that takes no value. */
function isTrueOnly(field: z.ZodType): boolean {
  let def = field._zod.def;
  while ((def.type === "optional" || def.type === "default") && "innerType" in def) {
    def = (def.innerType as z.ZodType)._zod.def;
  }
  return def.type === "boolean" || (def.type === "literal" && field.safeParse(true).success);
}

function describeField(positionals: readonly PositionalSpec[], field: string): string {
  return positionals.some((positional) => positional.name === field) ? `<${field}>` : `--${field}`;
}

/** `stop <connector> --reason "WHY"`: required flags bare, optional ones in brackets; from the schema, so help and errors never drift from the parser. */
export function usage(command: Command): string {
  return usageWords(command).join(" ");
}

/**
 * The usage as lines of at most `width` characters (help must fit a Slack message unwrapped): words never split,
 * continuation lines indented under the command's arguments.
 */
export function usageLines(command: Command, width = 78): string[] {
  const indent = " ".repeat(command.name.length + 1);
  const lines: string[] = [];
  let line = "";
  for (const word of usageWords(command)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines;
}

function usageWords(command: Command): string[] {
  const positionals = command.positionals.map((p) => {
    const name = p.variadic ? `${p.name}…` : p.name;
    return p.optional ? `[${name}]` : `<${name}>`;
  });
  const flags = Object.entries(command.flags).map(([name, flag]) => {
    const words = flag.type === "boolean" ? `--${name}` : `--${name} ${flag.valueName ?? "VALUE"}`;
    return flag.required ? words : `[${words}]`;
  });
  return [command.name, ...positionals, ...flags];
}
