import type { z } from "zod";
import type { Approvals } from "../../approvals/approvals.js";
import type { Alerts } from "../alerts/alerts.js";
import type { AuditTrail } from "../audit/audit-trail.js";
import type { ClusterHandle } from "./cluster-handle.js";
import type { FlagSpec } from "./command-line.js";
import type { Reply } from "./reply.js";
import type { Role } from "./roles.js";

/** read: looks only. safe: changes state in a way that is easy to undo. destructive: needs a second person. */
export type Risk = "read" | "safe" | "destructive";

/** A person as an adapter knows them: `id` is opaque to the core, `source` names the adapter (and its identity). */
export interface Actor {
  readonly id: string;
  readonly name: string;
  /** The adapter's name, e.g. "slack" or "shell": lower-case letters, digits and '-'. */
  readonly source: string;
}

export interface CommandContext {
  readonly actor: Actor;
  readonly cluster: ClusterHandle;
  readonly clusters: readonly ClusterHandle[];
  /** The actor's role on a cluster, as the permission check sees it. */
  readonly roleOn: (cluster: string, fresh?: boolean) => Promise<Role | undefined>;
  readonly approvals: Approvals;
  readonly alerts: Alerts;
  readonly audit: AuditTrail;
  readonly commands: readonly Command[];
  readonly requestId: string;
  /** The Slack channel the command was typed in; absent in the shell. */
  readonly channelId?: string;
  readonly now: () => Date;
}

export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  readonly optional?: boolean;
  /** The last positional may take all remaining words (`offsets set c t:0=1 t:1=2`). */
  readonly variadic?: boolean;
}

/** The words of an invocation, keyed by positional and flag names, before the command's schema reads them. */
export type RawArgs = Readonly<Record<string, string | true | undefined>>;

export interface CommandSpec<Args> {
  /** One or two words: `status`, `offsets get`. */
  readonly name: string;
  readonly summary: string;
  readonly examples: readonly string[];
  readonly positionals: readonly PositionalSpec[];
  readonly flags: Readonly<Record<string, FlagSpec>>;
  readonly args: z.ZodType<Args>;
  /** The least role needed on the cluster the invocation targets; "anyone" for help. */
  readonly role: Role | "anyone";
  readonly risk: Risk;
  /**
   * The command does not act on the chosen cluster (help, or a request found by its id): it runs even when no
   * cluster can be chosen, with the first configured one standing in.
   */
  readonly anyCluster?: true;
  /** The connector the invocation is about, for the audit trail. */
  readonly connectorOf?: (args: Args) => string | undefined;
  readonly run: (context: CommandContext, args: Args) => Promise<Reply>;
}

/** A command with its argument type sealed inside, so the registry can hold commands of every type. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly examples: readonly string[];
  readonly positionals: readonly PositionalSpec[];
  readonly flags: Readonly<Record<string, FlagSpec>>;
  readonly role: Role | "anyone";
  readonly risk: Risk;
  readonly anyCluster: boolean;
  /** Reads the raw words with the command's schema: a prepared run, or what is wrong with the words. */
  prepare(raw: RawArgs): PreparedRun | { readonly error: string };
}

export interface PreparedRun {
  readonly connector: string | undefined;
  run(context: CommandContext): Promise<Reply>;
}

export function defineCommand<Args>(spec: CommandSpec<Args>): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    examples: spec.examples,
    positionals: spec.positionals,
    flags: spec.flags,
    role: spec.role,
    risk: spec.risk,
    anyCluster: spec.anyCluster === true,
    prepare(raw) {
      const parsed = spec.args.safeParse(raw);
      if (!parsed.success) {
        return {
          error: parsed.error.issues
            .map((issue) => {
              const field = issue.path.map(String).join(".");
              return field === ""
                ? issue.message
                : `${describeField(spec.positionals, field)}: ${issue.message}`;
            })
            .join("; "),
        };
      }
      const args = parsed.data;
      return { connector: spec.connectorOf?.(args), run: (context) => spec.run(context, args) };
    },
  };
}

function describeField(positionals: readonly PositionalSpec[], field: string): string {
  return positionals.some((positional) => positional.name === field) ? `<${field}>` : `--${field}`;
}

/** `status <connector> [--cluster NAME]`, from the spec, so help and errors never drift from the parser. */
export function usage(command: Command): string {
  const positionals = command.positionals.map((p) => {
    const name = p.variadic ? `${p.name}…` : p.name;
    return p.optional ? `[${name}]` : `<${name}>`;
  });
  const flags = Object.entries(command.flags).map(([name, flag]) =>
    flag.type === "boolean" ? `[--${name}]` : `[--${name} ${flag.valueName ?? "VALUE"}]`,
  );
  return [command.name, ...positionals, ...flags].join(" ");
}
