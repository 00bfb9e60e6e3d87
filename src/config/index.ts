import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { z } from "zod";
import type { ApprovalPolicy } from "../../approvals/approval-policy.js";
import { approvalPolicyOf, approvalTimingsOf } from "../../approvals/approvals-section.js";
import { type AlertsConfig, alertsConfig } from "../alerts/alerts-config.js";
import type { AutomationConfig } from "../automation/automation-config.js";
import { type ConnectAccess, connectAccess } from "../connect/connect-config.js";
import { ConfigError, type ReadText, type SectionContext, type SettingName } from "../core/config-schema.js";
import type { SealingKey } from "../core/config-sealer.js";
import type { RoleGrants } from "../core/roles.js";
import { type KafkaAccess, kafkaAccess } from "../kafka/kafka-config.js";
import { type AgentConfig, agentsConfig } from "../mcp/mcp-config.js";
import type { MetricsConfig } from "../ops/metrics-config.js";
import { type RedisConfig, redisConfig } from "../redis-config.js";
import { type SlackConfig, slackConfig } from "../slack/slack-config.js";
import { ClusterSection, ConfigDocument } from "./config-document.js";
import {
  boundSettings,
  fillIn,
  inVariableWords,
  type SetByVariable,
  settingsFromEnvironment,
} from "./environment.js";
import { fieldPaths } from "./field-paths.js";
import { ProcessVariables } from "./process-variables.js";

/**
 * YAML's parser, loaded only for a CONFIG_FILE: a start from the environment alone does not load its 70 modules
 * (issue 28). `loadConfig` is synchronous, so it is required (the package is CommonJS), not imported.
 */
function parseYaml(text: string): unknown {
  const yaml: typeof import("yaml") = createRequire(import.meta.url)("yaml");
  return yaml.parse(text);
}

export { ConfigError } from "../core/config-schema.js";

/** One cluster, resolved: secrets read from their variables, PEM files read, its policy built. */
export interface ClusterConfig {
  readonly name: string;
  readonly isDefault: boolean;
  readonly connect: ConnectAccess;
  readonly kafka: KafkaAccess;
  readonly roles: RoleGrants;
  readonly approvals: ApprovalPolicy;
}

/** Everything the bot is configured with, read once at start by {@link loadConfig}. */
export interface Config {
  readonly clusters: readonly ClusterConfig[];
  /** AI agents allowed in over MCP's HTTP transport; empty: /mcp answers 401 to everyone. */
  readonly agents: readonly AgentConfig[];
  /** Channel id → the cluster commands in that channel use when none is named. */
  readonly channelClusters: Readonly<Record<string, string>>;
  readonly unknownUsersAreViewers: boolean;
  readonly auditChannel?: string;
  /** Where approval requests are posted; without it, in the channel where they were asked. */
  readonly approvalsChannel?: string;
  readonly approvalExpiryMs: number;
  /** An approved request that no bot process starts within this fails as stale; it never runs late. */
  readonly approvalStartWithinMs: number;
  /** How long each Connect call of an approved change waits out a 409 (a rebalance). @defaultValue 5 minutes */
  readonly approvalRebalanceWaitMs: number;
  readonly alerts: AlertsConfig;
  readonly automation: AutomationConfig;
  readonly metrics: MetricsConfig;
  readonly redis: RedisConfig;
  readonly logLevel: z.output<typeof ProcessVariables>["LOG_LEVEL"];
  readonly port: number;
  readonly slack: SlackConfig;
  /** Keys that seal the secret settings of saved configs; the first seals, all open. Empty: none kept. */
  readonly snapshotKeys: readonly SealingKey[];
}

/** The settings the one-cluster shortcut sets in its cluster, and those it sets for the whole document. */
const clusterSettings = boundSettings(ClusterSection);
const documentSettings = boundSettings(ConfigDocument);

/** Every environment variable the bot reads. `.env.example` lists exactly these (a test keeps them in step). */
export const environmentVariables: readonly string[] = [
  ...Object.keys(ProcessVariables.shape),
  ...[...documentSettings, ...clusterSettings].map((setting) => setting.binding.name),
];

/**
 * Every field path the config file accepts (`clusters.kafka.sasl.tokenFile`; arrays add no segment, a record of
 * settings adds `*`, one of plain values ends the path): config.example.yaml must show each, and a test keeps them
 * in step.
 */
export const configFileFields: readonly string[] = fieldPaths(ConfigDocument, "");

const readText: ReadText = (path) => readFileSync(path, "utf8");

/**
 * Reads the environment (and `CONFIG_FILE` when set) once, at start. Without a file, the environment's shortcut
 * is translated into the file's document (one cluster, `default`), so both are checked by the same schema.
 * @throws ConfigError naming what to fix: the variable or the file's field path, and what was expected.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, read: ReadText = readText): Config {
  const given = withoutEmptyValues(env);
  const parsed = ProcessVariables.safeParse(given);
  if (!parsed.success) throw invalidEnvironment([z.prettifyError(parsed.error)]);
  const vars = parsed.data;
  const { document, fromEnvironment, file } = documentOf(vars.CONFIG_FILE, given, read);
  const checked = ConfigDocument.safeParse(document);
  if (!checked.success) throw refusal(checked.error, fromEnvironment, file);
  const config = checked.data;
  const names = new Set(config.clusters.map((cluster) => cluster.name));
  for (const [channel, cluster] of Object.entries(config.channels)) {
    if (!names.has(cluster))
      throw new ConfigError(
        `Invalid CONFIG_FILE ${file}: channels.${channel} names an unknown cluster "${cluster}".`,
      );
  }
  const environmentName = (path: string) =>
    clusterSettings.find((setting) => setting.path.join(".") === path)?.binding.name ?? path;
  const defaultName =
    config.clusters.find((cluster) => cluster.default)?.name ??
    (config.clusters.length === 1 ? config.clusters[0]?.name : undefined);
  const context = (name: SettingName): SectionContext => ({ env: given, read, name });
  return {
    clusters: config.clusters.map((cluster) => {
      const section = context(
        file === undefined ? environmentName : (path) => `Cluster "${cluster.name}": ${path}`,
      );
      return {
        name: cluster.name,
        isDefault: cluster.name === defaultName,
        connect: connectAccess(cluster.connect, section),
        kafka: kafkaAccess(cluster.kafka, section),
        roles: cluster.roles,
        approvals: approvalPolicyOf(cluster.approvals),
      };
    }),
    agents: agentsConfig(config.agents, names, given),
    ...(config.approvalsChannel === undefined ? {} : { approvalsChannel: config.approvalsChannel }),
    ...approvalTimingsOf(config),
    alerts: alertsConfig(
      config.alerts,
      context((path) => path),
    ),
    automation: config.automation,
    metrics: config.metrics,
    channelClusters: config.channels,
    unknownUsersAreViewers: config.unknownUsersAreViewers,
    ...(config.auditChannel === undefined ? {} : { auditChannel: config.auditChannel }),
    redis: redisConfig(vars, read),
    logLevel: vars.LOG_LEVEL,
    port: vars.PORT,
    snapshotKeys: vars.SNAPSHOT_KEYS ?? [],
    slack: slackConfig(vars),
  };
}

/**
 * The document to check: the file, with the environment's document-wide settings where the file has none; or,
 * without a file, the environment's shortcut. @throws ConfigError when the file cannot be read, or when the
 * shortcut's cluster variables are set beside a file (they would be ignored).
 */
function documentOf(
  path: string | undefined,
  env: Readonly<Record<string, string>>,
  read: ReadText,
): { document: Record<string, unknown>; fromEnvironment: SetByVariable[]; file: string | undefined } {
  const documentWide = settingsFromEnvironment(documentSettings, env, { whenUnset: false });
  if (path === undefined) {
    const document: Record<string, unknown> = { clusters: [{ name: "default", default: true }] };
    const cluster = settingsFromEnvironment(clusterSettings, env, { whenUnset: true });
    // A setting the schema requires that no variable set (KAFKA_SASL_MECHANISM beside KAFKA_SASL_USERNAME) is
    // refused in its variable's words too.
    const unset = clusterSettings.map((setting) => ({
      ...setting,
      path: ["clusters", 0, ...setting.path],
      text: undefined,
      value: undefined,
    }));
    return {
      document,
      fromEnvironment: [
        ...fillIn(document, [], documentWide),
        ...fillIn(document, ["clusters", 0], cluster),
        ...unset,
      ],
      file: undefined,
    };
  }
  const replaced = clusterSettings
    .map((setting) => setting.binding.name)
    .filter((name) => env[name] !== undefined);
  if (replaced.length > 0) {
    const them = replaced.length === 1 ? "it" : "them";
    throw new ConfigError(
      `CONFIG_FILE is set, so ${replaced.join(", ")} would be ignored: the file sets clusters, their roles and approval policies. Move ${them} into the file, or unset ${them}.`,
    );
  }
  let document: unknown;
  try {
    document = parseYaml(read(path));
  } catch (error) {
    throw new ConfigError(`Cannot read CONFIG_FILE ${path}: ${(error as Error).message}`);
  }
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    // Not a mapping: the schema says so, with nothing of the environment mixed in.
    return { document: document as Record<string, unknown>, fromEnvironment: [], file: path };
  }
  const fromFile = document as Record<string, unknown>;
  return { document: fromFile, fromEnvironment: fillIn(fromFile, [], documentWide), file: path };
}

/** The schema's refusal, in the words of where each refused value came from: a variable, or the file's field. */
function refusal(
  error: z.ZodError,
  fromEnvironment: readonly SetByVariable[],
  file: string | undefined,
): ConfigError {
  const byVariable = error.issues.map((issue) => inVariableWords(issue, fromEnvironment));
  if (byVariable.some((words) => words !== undefined)) {
    const rest = error.issues.filter((_, i) => byVariable[i] === undefined);
    return invalidEnvironment([
      ...byVariable.filter((words) => words !== undefined),
      ...(rest.length === 0 ? [] : [z.prettifyError(new z.ZodError(rest))]),
    ]);
  }
  if (file === undefined) return invalidEnvironment([z.prettifyError(error)]);
  return new ConfigError(
    `Invalid CONFIG_FILE ${file}:\n${z.prettifyError(error)}\n` +
      "Passwords never go in this file: set connect.passwordEnv to the name of a variable that holds one.",
  );
}

function invalidEnvironment(lines: readonly string[]): ConfigError {
  return new ConfigError(
    `Invalid environment:\n${lines.join("\n")}\nSee .env.example for every variable and its format.`,
  );
}

/** An empty variable (`FOO=` in a .env file) means "not set", as it does for most tools. */
function withoutEmptyValues(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== "",
    ),
  );
}

export type { AlertRoute, AlertsConfig, ReceiverConfig } from "../alerts/alerts-config.js";
export type { AutomationConfig } from "../automation/automation-config.js";
export type { AgentConfig } from "../mcp/mcp-config.js";
export type { MetricsConfig } from "../ops/metrics-config.js";
export type { RedisConfig } from "../redis-config.js";
export type { SlackConfig } from "../slack/slack-config.js";
