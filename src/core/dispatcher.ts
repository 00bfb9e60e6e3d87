import type { Logger } from "pino";
import type { AuditLog, AuditRecord } from "./audit-log.js";
import { type Clock, systemClock } from "./clock.js";
import type { ClusterHandle } from "./cluster-handle.js";
import { withCommandDeadline } from "./command-deadline.js";
import { closest, type FlagSpec, parseWords, tokenize } from "./command-line.js";
import { type Actor, type Command, type PreparedRun, type RawArgs, usage } from "./command-spec.js";
import { cutText } from "./cut-text.js";
import { describeFailure } from "./error-words.js";
import { type Identities, identityOf, roleThrough, scopeThrough } from "./identity.js";
import type { CommandServices } from "./ports.js";
import { redactDeep, redactText } from "./redact.js";
import { errorReply, type Reply } from "./reply.js";
import { hasRole, type ScopeQuestion } from "./roles.js";

/**
 * A command named with its arguments already typed, as a button carries it: the arguments are read by the
 * command's own schema, exactly as parsed words would be, and never printed and parsed again (so a connector
 * name keeps every character, quotes included). Keys are the command's positional and flag names.
 */
export interface CommandCall {
  /** The command's full name: `restart`, `alerts snooze`. */
  readonly command: string;
  readonly args: RawArgs;
  /** The cluster to act on; absent: the channel's, else the default one, as for a typed command. */
  readonly cluster?: string;
}

/** Who asked, where, and what: a typed line (everything after `/connect`), or a {@link CommandCall}. */
export type Invocation = {
  readonly actor: Actor;
  readonly channelId?: string;
  readonly requestId: string;
} & ({ readonly text: string } | { readonly call: CommandCall });

export interface DispatcherOptions {
  readonly commands: readonly Command[];
  readonly clusters: readonly ClusterHandle[];
  /** Channel id → cluster name. */
  readonly channelClusters: Readonly<Record<string, string>>;
  /** How each adapter's principals map to roles; an actor whose source is missing here has no role. */
  readonly identities: Identities;
  readonly audit: AuditLog;
  readonly now?: Clock;
  readonly logger?: Logger;
  /** What commands reach beyond the core (approvals, alerts), passed on to each as it is. */
  readonly services: CommandServices;
  /** Whether saved configs keep their secret settings, sealed (a key is set), or leave them out. */
  readonly sealsSecrets?: boolean;
  /** Why the store (Redis) cannot be used right now, or undefined while it answers. */
  readonly storeOutage?: () => string | undefined;
  /** Told of every invocation once it is audited: its command, outcome and duration in seconds (metrics). */
  readonly observe?: (command: string, outcome: AuditRecord["outcome"], seconds: number) => void;
  /**
   * Every Connect call a command makes, retries included, ends by this time after the command starts, so that
   * the person hears about a silent worker in seconds. @defaultValue 8,000 ms (people should hear within 10 s, with room for a loaded machine)
   */
  readonly commandDeadlineMs?: number;
}

const clusterFlag: FlagSpec = {
  type: "string",
  required: false,
  short: "c",
  valueName: "NAME",
  description: "the cluster to act on (default: the channel's, else the default cluster)",
};

/** Control characters (other than white space) and bidirectional overrides, which can disguise a name. */
const forbiddenCharacter = /(?![\t\n\r])[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

/** Longer than any sensible command line: a paste of a whole config or trace is refused before parsing. */
const maxTextLength = 2000;

/**
 * The core of every adapter: from a line of text and a user to a reply, through parsing, cluster choice,
 * permission check, the command itself, and one audit entry whatever happened.
 */
export class Dispatcher {
  readonly #options: DispatcherOptions;

  constructor(options: DispatcherOptions) {
    this.#options = options;
  }

  get commands(): readonly Command[] {
    return this.#options.commands;
  }

  /**
   * Runs one invocation. Every command needs the store (its audit entry at least): while the store is down the
   * answer says so at once, and a store that fails midway turns into the same answer, never a stack trace.
   */
  async dispatch(invocation: Invocation): Promise<Reply> {
    const outage = this.#options.storeOutage?.();
    if (outage !== undefined) return this.#storeDown(invocation, outage);
    try {
      // Hidden before any adapter renders it (escaping for Slack could split a secret past the patterns).
      return redactDeep(await this.#dispatch(invocation));
    } catch (error) {
      const down = this.#options.storeOutage?.();
      if (down === undefined) throw error;
      return this.#storeDown(invocation, down);
    }
  }

  #storeDown(invocation: Invocation, outage: string): Reply {
    this.#options.logger?.info(
      { actorId: invocation.actor.id, requestId: invocation.requestId },
      "command not run: the store is down",
    );
    return errorReply("failed", outage);
  }

  async #dispatch(invocation: Invocation): Promise<Reply> {
    const started = performance.now();
    // `/connect` alone is a question: what can I type here?
    const text =
      "call" in invocation
        ? printedCall(invocation.call)
        : invocation.text.trim() === ""
          ? "help"
          : invocation.text.trim();
    const record = async (fields: Pick<AuditRecord, "outcome" | "command"> & Partial<AuditRecord>) => {
      const entry = await this.#options.audit.append({
        actorId: invocation.actor.id,
        actorName: invocation.actor.name,
        source: invocation.actor.source,
        args: cutText(redactText(text), 500),
        durationMs: Math.round(performance.now() - started),
        requestId: invocation.requestId,
        ...fields,
      });
      this.#options.observe?.(entry.command, entry.outcome, entry.durationMs / 1000);
      const { hash, prevHash, time, ...logged } = entry;
      this.#options.logger?.info(logged, `${entry.command}: ${entry.outcome}`);
    };

    const resolved =
      "call" in invocation
        ? this.#resolveCall(invocation.call, invocation.channelId)
        : this.#resolve(text, invocation.channelId);
    if ("refusal" in resolved) {
      await record({
        command: resolved.command ?? "(unknown)",
        outcome: "refused",
        errorCode: "USAGE",
        detail: resolved.refusal,
      });
      return errorReply("refused", resolved.refusal);
    }
    const { command, prepared, cluster } = resolved;
    const about = { command: command.name, cluster: cluster.name, ...definedConnector(prepared.connector) };

    const { source } = invocation.actor;
    const { identities } = this.#options;
    const roleOn = (clusterName: string, question?: ScopeQuestion) =>
      roleThrough(identities, source, invocation.actor.id, clusterName, question);
    const scopeOn = (clusterName: string, question?: ScopeQuestion) =>
      scopeThrough(identities, source, invocation.actor.id, clusterName, question);
    const unreadableGroups = (clusterName: string) =>
      identityOf(identities, source)?.unreadableGroups?.(clusterName) ?? [];
    // A principal that may only propose never runs what acts at once: it files the command's proposal instead.
    const proposer = identityOf(this.#options.identities, source)?.proposeOnly === true;
    const perform =
      proposer && command.risk !== "read" && !command.proposes ? prepared.propose : prepared.run;
    if (perform === undefined) {
      await record({ ...about, outcome: "refused", errorCode: "FORBIDDEN", detail: "may only propose" });
      return errorReply("refused", this.#onlyPropose(command));
    }
    try {
      if (command.role !== "anyone") {
        // A command naming a connector needs the role on it (grants may hold on some connectors only); one naming
        // none needs it somewhere on the cluster, and shows only what is in scope. Anything that changes state
        // asks the adapter for group membership afresh.
        const connector = prepared.connector;
        const scope = await scopeOn(cluster.name, {
          fresh: command.risk !== "read",
          needed: command.role,
          ...(connector === undefined ? {} : { connector }),
        });
        const role = connector === undefined ? scope.anywhere() : scope.roleAt(connector);
        if (!hasRole(role, command.role)) {
          const refusal = `\`${command.name}\` ${scope.lacking(command.role, connector)}. Ask an admin of connect-ops to grant it.`;
          await record({
            ...about,
            outcome: "refused",
            errorCode: "FORBIDDEN",
            detail: `needs ${command.role}${connector === undefined ? "" : ` on ${connector}`}`,
          });
          return errorReply("refused", refusal);
        }
      }
      const reply = await withCommandDeadline(this.#options.commandDeadlineMs ?? 8_000, () =>
        perform({
          ...this.#options.services,
          actor: invocation.actor,
          cluster,
          clusters: this.#options.clusters,
          roleOn,
          scopeOn,
          unreadableGroups,
          audit: this.#options.audit,
          commands: this.#options.commands,
          requestId: invocation.requestId,
          sealsSecrets: this.#options.sealsSecrets === true,
          ...(invocation.channelId === undefined ? {} : { channelId: invocation.channelId }),
          now: this.#options.now ?? systemClock,
        }),
      );
      await record({
        ...about,
        // `approve <id>` names no connector: the request it was about does.
        ...(prepared.connector === undefined ? reply.about : {}),
        outcome: reply.outcome,
        ...(reply.outcome === "succeeded" ? {} : { detail: reply.summary }),
      });
      return reply;
    } catch (error) {
      // The store failing midway is not a failure inside the bot: `dispatch` words it as the outage it is.
      if (this.#options.storeOutage?.() !== undefined) throw error;
      const failure = describeFailure(error, invocation.requestId);
      // The person is told the logs have it under this request id: they must. Known failures are worded in
      // full for the person and the audit line carries them; an unexpected one is logged with its cause and stack.
      if (failure.code === "INTERNAL")
        this.#options.logger?.error(
          { err: error, requestId: invocation.requestId, command: command.name, cluster: cluster.name },
          `${command.name}: failed inside the bot`,
        );
      await record({ ...about, outcome: "failed", errorCode: failure.code, detail: failure.summary });
      return errorReply("failed", failure.summary);
    }
  }

  /** Why a principal that may only propose cannot run `command`, and what it can do instead. */
  #onlyPropose(command: Command): string {
    const proposing = this.#options.commands
      .filter((c) => c.proposes || c.proposable)
      .map((c) => `\`${c.name}\``);
    return `\`${command.name}\` changes state without a person approving it first, so an agent cannot run it: an agent may read, and propose changes that a person approves (${proposing.join(", ")} file such a request). Ask a person to run \`${command.name}\` if it is needed.`;
  }

  #resolve(text: string, channelId: string | undefined): Resolved {
    if (text.length > maxTextLength) {
      return { refusal: `That command is ${text.length} characters long; the most is ${maxTextLength}.` };
    }
    const invisible = forbiddenCharacter.exec(text);
    if (invisible !== null) {
      const code = invisible[0].codePointAt(0)?.toString(16).toUpperCase().padStart(4, "0");
      return {
        refusal: `The command holds an invisible control character (U+${code}); type it again without it.`,
      };
    }
    let words: string[];
    try {
      words = tokenize(text);
    } catch (error) {
      return { refusal: (error as Error).message };
    }
    const command = this.#find(words);
    if (command === undefined) {
      const typed = words.slice(0, 2).join(" ");
      const names = this.#options.commands.map((c) => c.name);
      const suggestion = closest(typed, names) ?? closest(words[0] ?? "", names);
      return {
        refusal: `Unknown command \`${typed}\`.${suggestion === undefined ? "" : ` Did you mean \`${suggestion}\`?`} Type \`help\` for the list.`,
      };
    }
    const rest = words.slice(command.name.split(" ").length);
    const read = readWords(command, rest);
    if ("error" in read) return refusedArgs(command, read.error);
    return this.#settle(command, read.raw, read.clusterName, channelId);
  }

  /** The same checks as a typed line's, from the arguments as given: only the words are not there to split. */
  #resolveCall(call: CommandCall, channelId: string | undefined): Resolved {
    const command = this.#options.commands.find((c) => c.name === call.command);
    if (command === undefined)
      return { refusal: `Unknown command \`${call.command}\`. Type \`help\` for the list.` };
    const known = new Set([...command.positionals.map((p) => p.name), ...Object.keys(command.flags)]);
    const unknown = Object.keys(call.args).find((name) => !known.has(name));
    if (unknown !== undefined)
      return refusedArgs(command, `\`${command.name}\` takes no argument ${unknown}.`);
    return this.#settle(command, call.args, call.cluster, channelId);
  }

  /** Lets the command's schema read the arguments, then chooses the cluster. */
  #settle(
    command: Command,
    raw: RawArgs,
    clusterName: string | undefined,
    channelId: string | undefined,
  ): Resolved {
    const prepared = prepare(command, raw);
    if ("error" in prepared) return refusedArgs(command, prepared.error);
    const chosen = this.#cluster(clusterName, channelId);
    const cluster =
      typeof chosen === "string" && command.anyCluster && clusterName === undefined
        ? this.#options.clusters[0]
        : chosen;
    if (cluster === undefined || typeof cluster === "string")
      return {
        command: command.name,
        refusal: typeof chosen === "string" ? chosen : "No cluster is configured.",
      };
    return { command, prepared, cluster };
  }

  #find(words: readonly string[]): Command | undefined {
    const two = words.slice(0, 2).join(" ").toLowerCase();
    const one = (words[0] ?? "").toLowerCase();
    const commands = this.#options.commands;
    return commands.find((c) => c.name === two) ?? commands.find((c) => c.name === one);
  }

  /** `--cluster`, else the channel's cluster, else the default (or only) one. */
  #cluster(named: string | undefined, channelId: string | undefined): ClusterHandle | string {
    const clusters = this.#options.clusters;
    const wanted = named ?? (channelId === undefined ? undefined : this.#options.channelClusters[channelId]);
    if (wanted !== undefined) {
      return (
        clusters.find((cluster) => cluster.name === wanted) ??
        `Unknown cluster \`${wanted}\`. Configured: ${clusters.map((cluster) => cluster.name).join(", ")}.`
      );
    }
    return (
      clusters.find((cluster) => cluster.isDefault) ??
      (clusters.length === 1 ? clusters[0] : undefined) ??
      `Several clusters are configured and none is the default: name one with \`--cluster\` (${clusters
        .map((cluster) => cluster.name)
        .join(", ")}).`
    );
  }
}

type Resolved =
  | { command: Command; prepared: PreparedRun; cluster: ClusterHandle }
  | { refusal: string; command?: string };

function refusedArgs(command: Command, error: string): Resolved {
  return { command: command.name, refusal: `${error}\nUsage: \`${usage(command)}\`` };
}

/** Matches the words to the command's positionals and flags. */
function readWords(
  command: Command,
  words: readonly string[],
): { raw: RawArgs; clusterName: string | undefined } | { error: string } {
  let parsed: ReturnType<typeof parseWords>;
  try {
    parsed = parseWords(words, { ...command.flags, cluster: clusterFlag });
  } catch (error) {
    return { error: (error as Error).message };
  }
  const { cluster, ...flags } = parsed.flags;
  const variadic = command.positionals.at(-1)?.variadic === true;
  const extra = parsed.positionals[command.positionals.length];
  if (extra !== undefined && !variadic) return { error: `Unexpected argument \`${extra}\`.` };
  const raw: Record<string, string | true | undefined> = { ...flags };
  command.positionals.forEach((positional, i) => {
    const isLast = i === command.positionals.length - 1;
    raw[positional.name] =
      isLast && variadic && parsed.positionals.length > i
        ? parsed.positionals.slice(i).join(" ")
        : parsed.positionals[i];
  });
  return { raw, clusterName: typeof cluster === "string" ? cluster : undefined };
}

/** Refuses missing arguments by name, then lets the command's schema read them. */
function prepare(command: Command, raw: RawArgs): PreparedRun | { error: string } {
  const missing = command.positionals.find(
    (positional) => !positional.optional && raw[positional.name] === undefined,
  );
  if (missing !== undefined) return { error: `Missing <${missing.name}>: ${missing.description}.` };
  const missingFlag = Object.entries(command.flags).find(
    ([name, flag]) => flag.required && raw[name] === undefined,
  );
  if (missingFlag !== undefined) {
    const [name, flag] = missingFlag;
    return { error: `--${name} is required: ${flag.why ?? flag.description}.` };
  }
  return command.prepare(raw);
}

/**
 * A call as the audit shows it: each value in JSON quotes, so what was acted on reads unambiguously. For people
 * only; nothing parses it.
 */
function printedCall(call: CommandCall): string {
  const args = Object.entries(call.args)
    .filter((entry): entry is [string, string | true] => entry[1] !== undefined)
    .map(([name, value]) => (value === true ? `--${name}` : `${name}=${JSON.stringify(value)}`));
  const cluster = call.cluster === undefined ? [] : [`--cluster ${JSON.stringify(call.cluster)}`];
  return [call.command, ...args, ...cluster].join(" ");
}

function definedConnector(connector: string | undefined): { connector?: string } {
  return connector === undefined ? {} : { connector };
}
