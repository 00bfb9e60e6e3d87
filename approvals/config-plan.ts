import type { CommandContext } from "../src/core/command-spec.js";
import { matchPlugin } from "../src/core/plugin-match.js";
import { secretSettings, settingsToSeal } from "../src/core/redact.js";
import { errorReply, type Reply, reply } from "../src/core/reply.js";
import { askForApproval, planPreview } from "./ask-for-approval.js";
import { applySettings, type Config, configDiff, diffLines } from "./config-diff.js";

/**
 * What `config set`, `config restore` and `create` check before anything is queued, each refusal saying exactly
 * what is wrong and how to go on: the plugin class is one the worker has, the settings hold no secret typed into
 * chat, and Connect validates the whole config (`PUT /connector-plugins/{class}/config/validate`).
 */

/** `key=@env:VARIABLE`: a value the terminal shell reads from its environment, so it never sits in its history. */
const fromEnvironment = /^@env:([A-Za-z_][A-Za-z0-9_]*)$/;

/** Settings as typed, with the keys whose values the person's own adapter read from its environment. */
export interface TypedSettings {
  readonly settings: Record<string, string>;
  /** Keys given as `@env:VARIABLE` and read by the shell: not typed, so they may hold a secret. */
  readonly fromEnvironment: ReadonlySet<string>;
}

/**
 * Reads each `key=@env:VARIABLE` from the environment of the person's adapter. Only the terminal shell offers one
 * (`Actor.environment`); from Slack the form is refused, as is a variable that is not set.
 */
export function readEnvironmentValues(
  context: Pick<CommandContext, "actor">,
  typed: Config,
): TypedSettings | { readonly refusal: Reply } {
  const { environment, source } = context.actor;
  const settings: Record<string, string> = {};
  const read = new Set<string>();
  for (const [key, value] of Object.entries(typed)) {
    const variable = fromEnvironment.exec(value)?.[1];
    if (variable === undefined) {
      settings[key] = value;
      continue;
    }
    if (environment === undefined) {
      return {
        refusal: refusal(
          `The value of ${key}, @env:${variable}, reads an environment variable of the terminal shell; ${source} has no environment to read. Give a config-provider reference the workers resolve instead, such as ${key}=\${env:${variable}} or ${key}=\${file:/etc/kafka-connect/secrets.properties:${key}}. Nothing was sent or queued.`,
        ),
      };
    }
    const found = environment(variable);
    if (found === undefined) {
      return {
        refusal: refusal(
          `The value of ${key}, @env:${variable}, names a variable that is not set in this shell. Nothing was sent or queued.`,
        ),
      };
    }
    settings[key] = found;
    read.add(key);
  }
  return { settings, fromEnvironment: read };
}

/**
 * Refuses secret values typed into chat: a key the plugin declares PASSWORD, or one the name patterns call secret
 * (the rules of `config`, redact.ts), takes only a config-provider reference there. A secret read from the shell's
 * environment is kept with the request until it runs, so it needs a sealing key (SNAPSHOT_KEYS).
 */
export function secretRefusal(
  context: Pick<CommandContext, "sealsSecrets">,
  typed: TypedSettings,
  passwordKeys: ReadonlySet<string>,
): Reply | undefined {
  const secret = secretSettings(typed.settings, passwordKeys);
  const inChat = secret.filter((key) => !typed.fromEnvironment.has(key));
  if (inChat.length > 0) {
    const [first = ""] = inChat;
    const why = inChat
      .map(
        (key) =>
          `${key} (${passwordKeys.has(key) ? "its plugin declares it PASSWORD" : "its name says it is secret"})`,
      )
      .join(", ");
    return refusal(
      `A secret is never typed into chat, where it stays in the channel's history: ${why}. Put the value in a config provider the workers know and give its reference, such as ${first}=\${file:/etc/kafka-connect/secrets.properties:${first}}, \${vault:path:key} or \${env:VARIABLE}; from the terminal shell, the value @env:VARIABLE reads it from an environment variable. Nothing was sent or queued.`,
    );
  }
  const unsealed = settingsToSeal(typed.settings, passwordKeys).filter((key) =>
    typed.fromEnvironment.has(key),
  );
  if (unsealed.length > 0 && !context.sealsSecrets) {
    return refusal(
      `${unsealed.join(", ")} ${unsealed.length === 1 ? "is" : "are"} secret, and the request keeps ${unsealed.length === 1 ? "it" : "them"} until it runs: no SNAPSHOT_KEYS is set to seal ${unsealed.length === 1 ? "it" : "them"}. Set SNAPSHOT_KEYS, or give a config-provider reference. Nothing was sent or queued.`,
    );
  }
  return undefined;
}

/**
 * Refuses a `connector.class` the worker has no plugin for, naming the closest of its plugins (or all of them when
 * none is close). Connect accepts the full class name and its aliases (`FileStreamSink`).
 */
export async function findPlugin(
  context: CommandContext,
  pluginClass: string | undefined,
): Promise<{ readonly type: string } | { readonly refusal: Reply }> {
  if (pluginClass === undefined || pluginClass.trim() === "") {
    return {
      refusal: refusal(
        "The config has no connector.class: name the plugin, such as connector.class=FileStreamSink. Nothing was sent or queued.",
      ),
    };
  }
  const installed = await context.cluster.connect.connectorPlugins({ requestId: context.requestId });
  const plugins = installed.map((plugin) => plugin.class);
  const match = matchPlugin(pluginClass.trim(), plugins);
  if (match.kind === "found") {
    const found = installed.find((plugin) => plugin.class === match.className);
    if (found !== undefined) return { type: found.type };
  }
  const offer =
    match.kind === "ambiguous"
      ? `${pluginClass} names ${match.candidates.join(" and ")}: give the full class name.`
      : match.kind === "unknown" && match.closeMatches.length > 0
        ? `Did you mean ${match.closeMatches.join(" or ")}?`
        : `Its plugins are: ${plugins.length === 0 ? "none" : plugins.join(", ")}.`;
  return {
    refusal: refusal(
      match.kind === "ambiguous"
        ? `${offer} Nothing was sent or queued.`
        : `Cluster ${context.cluster.name} has no connector plugin ${pluginClass}. ${offer} Nothing was sent or queued.`,
    ),
  };
}

/** What Connect's validation said of a config it accepts. */
export interface Validated {
  /** The keys the plugin (with its transforms and converters) declares PASSWORD. */
  readonly passwordKeys: ReadonlySet<string>;
  /** One line for the plan: `Connect validated it: no errors in 25 settings.` */
  readonly words: string;
}

/**
 * Sends the whole config to `PUT /connector-plugins/{class}/config/validate`: every failing key is refused with
 * Connect's own message, and nothing is queued.
 */
export async function validate(
  context: CommandContext,
  name: string,
  config: Config,
): Promise<Validated | { readonly refusal: Reply }> {
  const pluginClass = config["connector.class"] ?? "";
  const { configs, error_count } = await context.cluster.connect.validateConfig(
    pluginClass,
    { ...config, name },
    { requestId: context.requestId },
  );
  if (error_count > 0) {
    const rows = configs.flatMap((c) => (c.value?.errors ?? []).map((error) => [c.definition.name, error]));
    const text = `Connect refuses this config of ${name}: ${error_count} error(s). Nothing was queued.`;
    return {
      refusal: errorReply("refused", text, [
        { kind: "text", text },
        { kind: "table", columns: ["key", "Connect says"], rows },
      ]),
    };
  }
  return {
    passwordKeys: new Set(
      configs.filter((c) => c.definition.type === "PASSWORD").map((c) => c.definition.name),
    ),
    words: `Connect validated the whole config: no errors in ${configs.length} setting(s) of ${pluginClass}.`,
  };
}

function refusal(text: string): Reply {
  return errorReply("refused", text);
}

/**
 * Asks for a change of some keys of a connector's config, after the checks every change passes: a change that
 * changes nothing is not queued; a new `connector.class` must be a plugin of the worker; Connect validates the
 * whole config as it would be. The plan shows the diff, values hidden by the rules of `config` (the keys Connect's
 * validation declares PASSWORD, then the name patterns), and the validation's result.
 */
export async function askForConfigChange(
  context: CommandContext,
  input: {
    readonly connector: string;
    readonly command: string;
    readonly reason: string;
    /** The config as it is now: the change runs only while the connector still has it. */
    readonly current: Config;
    readonly set: Config;
    readonly unset: readonly string[];
    /** Keys already known to be PASSWORD (the structural probe of `passwordKeys`). */
    readonly passwordKeys: ReadonlySet<string>;
    /** A line above the diff, e.g. which snapshot it restores. */
    readonly heading?: string;
    /** Answer with the plan only, asking nothing: what a form shows before its "Request". */
    readonly previewOnly?: true;
  },
  what: string,
): Promise<Reply> {
  const { connector, command, reason, current, set, unset } = input;
  const after = applySettings(current, set, unset);
  const unchanged = configDiff(current, after).length === 0;
  if (unchanged) {
    const text = `Nothing would change: ${connector}'s config already reads so, so no request was queued.`;
    return reply(text, [{ kind: "text", text }]);
  }
  if (after["connector.class"] !== current["connector.class"]) {
    const plugin = await findPlugin(context, after["connector.class"]);
    if ("refusal" in plugin) return plugin.refusal;
  }
  const validated = await validate(context, connector, after);
  if ("refusal" in validated) return validated.refusal;
  const passwordKeys = new Set([...input.passwordKeys, ...validated.passwordKeys]);
  const diff = configDiff(current, after, passwordKeys);
  const secretKeys = [
    ...new Set([...settingsToSeal(current, passwordKeys), ...settingsToSeal(set, passwordKeys)]),
  ];
  const patch = await context.cluster.connect.hasFeature("patchConfig", { requestId: context.requestId });
  const planSummary = [
    ...(input.heading === undefined ? [] : [input.heading]),
    `${connector} (${current["connector.class"] ?? "no class"}): ${diff.length} key(s) change.`,
    ...diffLines(diff),
    validated.words,
    `Applied with ${patch ? "PATCH …/config (only these keys, KIP-477)" : "PUT …/config (the whole config: this worker predates PATCH, Connect 3.8)"} only if the config is still as shown here; then read back, and the bot waits for ${connector} and its tasks to run again.`,
  ].join("\n");
  if (input.previewOnly) return planPreview(what, planSummary);
  return askForApproval(
    context,
    {
      connector,
      command,
      reason,
      operation: {
        kind: "config-change",
        set: { ...set },
        unset: [...unset],
        seen: { ...current },
        secretKeys,
        diff,
      },
      planSummary,
    },
    what,
  );
}
