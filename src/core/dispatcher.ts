import type { Logger } from "pino";
import type { Approvals } from "../../approvals/approvals.js";
import type { Alerts } from "../alerts/alerts.js";
import type { AuditRecord, AuditTrail } from "../audit/audit-trail.js";
import type { ClusterHandle } from "./cluster-handle.js";
import { withCommandDeadline } from "./command-deadline.js";
import { closest, type FlagSpec, parseWords, tokenize } from "./command-line.js";
import { type Actor, type Command, type PreparedRun, type RawArgs, usage } from "./command-spec.js";
import { describeFailure } from "./error-words.js";
import { type Identities, roleThrough } from "./identity.js";
import { redactDeep, redactText } from "./redact.js";
import { errorReply, type Reply } from "./reply.js";
import { hasRole } from "./roles.js";

export interface Invocation {
  readonly actor: Actor;
  /** Everything after `/connect`. */
  readonly text: string;
  readonly channelId?: string;
  readonly requestId: string;
}

export interface DispatcherOptions {
  readonly commands: readonly Command[];
  readonly clusters: readonly ClusterHandle[];
  /** Channel id → cluster name. */
  readonly channelClusters: Readonly<Record<string, string>>;
  /** How each adapter's principals map to roles; an actor whose source is missing here has no role. */
  readonly identities: Identities;
  readonly audit: AuditTrail;
  readonly now?: () => Date;
  readonly logger?: Logger;
  readonly approvals: Approvals;
  readonly alerts: Alerts;
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
    const text = invocation.text.trim() === "" ? "help" : invocation.text.trim();
    const record = async (fields: Pick<AuditRecord, "outcome" | "command"> & Partial<AuditRecord>) => {
      const entry = await this.#options.audit.append({
        actorId: invocation.actor.id,
        actorName: invocation.actor.name,
        source: invocation.actor.source,
        args: redactText(text).slice(0, 500),
        durationMs: Math.round(performance.now() - started),
        requestId: invocation.requestId,
        ...fields,
      });
      this.#options.observe?.(entry.command, entry.outcome, entry.durationMs / 1000);
      const { hash, prevHash, time, ...logged } = entry;
      this.#options.logger?.info(logged, `${entry.command}: ${entry.outcome}`);
    };

    const resolved = this.#resolve(text, invocation.channelId);
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

    const roleOn = (clusterName: string, fresh = false) =>
      roleThrough(this.#options.identities, invocation.actor.source, invocation.actor.id, clusterName, fresh);
    try {
      if (command.role !== "anyone") {
        // Anything that changes state asks Slack for group membership afresh.
        const role = await roleOn(cluster.name, command.risk !== "read");
        if (!hasRole(role, command.role)) {
          const refusal = `\`${command.name}\` needs the ${command.role} role on cluster ${cluster.name}; you have ${
            role === undefined ? "no role there" : `the ${role} role`
          }. Ask an admin of connect-ops to grant it.`;
          await record({
            ...about,
            outcome: "refused",
            errorCode: "FORBIDDEN",
            detail: `needs ${command.role}`,
          });
          return errorReply("refused", refusal);
        }
      }
      const reply = await withCommandDeadline(this.#options.commandDeadlineMs ?? 8_000, () =>
        prepared.run({
          actor: invocation.actor,
          cluster,
          clusters: this.#options.clusters,
          roleOn,
          approvals: this.#options.approvals,
          alerts: this.#options.alerts,
          audit: this.#options.audit,
          commands: this.#options.commands,
          requestId: invocation.requestId,
          sealsSecrets: this.#options.sealsSecrets === true,
          ...(invocation.channelId === undefined ? {} : { channelId: invocation.channelId }),
          now: this.#options.now ?? (() => new Date()),
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
      const failure = describeFailure(error, invocation.requestId);
      await record({ ...about, outcome: "failed", errorCode: failure.code, detail: failure.summary });
      return errorReply("failed", failure.summary);
    }
  }

  #resolve(
    text: string,
    channelId: string | undefined,
  ):
    | { command: Command; prepared: PreparedInvocation; cluster: ClusterHandle }
    | { refusal: string; command?: string } {
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
    const prepared = prepare(command, rest);
    if ("error" in prepared) {
      return { command: command.name, refusal: `${prepared.error}\nUsage: \`${usage(command)}\`` };
    }
    const chosen = this.#cluster(prepared.clusterName, channelId);
    const cluster =
      typeof chosen === "string" && command.anyCluster && prepared.clusterName === undefined
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

interface PreparedInvocation extends PreparedRun {
  readonly clusterName: string | undefined;
}

/** Matches the words to the command's positionals and flags, then lets the command's schema read them. */
function prepare(command: Command, words: readonly string[]): PreparedInvocation | { error: string } {
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
  const prepared = command.prepare(raw as RawArgs);
  if ("error" in prepared) return prepared;
  return { ...prepared, clusterName: typeof cluster === "string" ? cluster : undefined };
}

function definedConnector(connector: string | undefined): { connector?: string } {
  return connector === undefined ? {} : { connector };
}
