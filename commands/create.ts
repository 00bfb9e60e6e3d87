import { z } from "zod";
import { askForApproval, planPreview } from "../approvals/ask-for-approval.js";
import { configDiff, diffLines } from "../approvals/config-diff.js";
import { findPlugin, readEnvironmentValues, secretRefusal, validate } from "../approvals/config-plan.js";
import { type CommandContext, defineCommand, flag, positional } from "../src/core/command-spec.js";
import { SettingsJson, SettingWords } from "../src/core/config-settings.js";
import { ConnectorName, reasonArg } from "../src/core/connector-args.js";
import { hasCode } from "../src/core/has-code.js";
import { settingsToSeal } from "../src/core/redact.js";
import { errorReply } from "../src/core/reply.js";

const Args = z
  .object({
    name: positional(ConnectorName, "the new connector's name"),
    settings: positional(SettingWords.optional(), "key=value, one per setting", { variadic: true }),
    config: flag(SettingsJson.optional(), "the whole config as one JSON object", { valueName: "'<json>'" }),
    stopped: flag(
      z.literal(true).optional(),
      "create it STOPPED: it reads nothing until resumed (Connect 3.7+)",
    ),
    paused: flag(z.literal(true).optional(), "create it PAUSED (Connect 3.7+)"),
    reason: reasonArg,
    preview: flag(z.literal(true).optional(), "show the plan only: nothing is asked or created"),
  })
  .refine((args) => (args.settings === undefined) !== (args.config === undefined), {
    message: "give the config either as key=value words or as --config '<json>', not both",
  })
  .refine((args) => !(args.stopped === true && args.paused === true), {
    message: "--stopped and --paused exclude each other",
  });

export const create = defineCommand({
  name: "create",
  summary: "Ask to create a connector (validated, approved).",
  details:
    "Ask to create a connector: the plugin must be one the worker has (close matches are offered), Connect validates the config, and a sink created RUNNING says how many records it will read and from where. --stopped or --paused create it in that state (initial_state, KIP-980, Connect 3.7+). Secrets take a config-provider reference.",
  examples: [
    'create orders-sink connector.class=FileStreamSink topics=orders file=/data/orders.txt --stopped --reason "new export"',
    `create orders-sink --config '{"connector.class":"FileStreamSink","topics":"orders","file":"/data/orders.txt"}' --reason "new export"`,
  ],
  args: Args,
  role: "operator",
  risk: "destructive",
  proposes: true,
  connectorOf: (args) => args.name,
  async run(context, args) {
    const { name } = args;
    const call = { requestId: context.requestId };
    const state = args.stopped === true ? "STOPPED" : args.paused === true ? "PAUSED" : "RUNNING";
    const read = readEnvironmentValues(context, args.settings ?? args.config ?? {});
    if ("refusal" in read) return read.refusal;
    const { name: named, ...config } = read.settings;
    if (named !== undefined && named !== name) {
      return errorReply(
        "refused",
        `The config names the connector ${named}, the command ${name}: they must agree (or leave name out of the config).`,
      );
    }
    const exists = await existing(context, name);
    if (exists !== undefined) return exists;
    if (state !== "RUNNING")
      await context.cluster.connect.requireFeature("initialState", `create --${state.toLowerCase()}`, call);
    const plugin = await findPlugin(context, config["connector.class"]);
    if ("refusal" in plugin) return plugin.refusal;
    const probed = (await context.cluster.connect.passwordKeys(config, call)) ?? new Set<string>();
    const secret = secretRefusal(
      context,
      { settings: config, fromEnvironment: read.fromEnvironment },
      probed,
    );
    if (secret !== undefined) return secret;
    const validated = await validate(context, name, config);
    if ("refusal" in validated) return validated.refusal;
    const passwordKeys = new Set([...probed, ...validated.passwordKeys]);
    const secretKeys = settingsToSeal(config, passwordKeys);
    const planSummary = [
      `${name} is created ${state} (${config["connector.class"]}, ${Object.keys(config).length} settings${secretKeys.length > 0 ? `, ${secretKeys.length} secret and sealed while it waits` : ""}).`,
      // Every setting, as a diff from nothing, values hidden by the rules of `config`.
      ...diffLines(configDiff({}, config, passwordKeys)),
      validated.words,
      ...(plugin.type === "sink" ? [await replayWords(context, name, config, state)] : []),
    ].join("\n");
    if (args.preview) return planPreview(`create ${name}`, planSummary);
    return askForApproval(
      context,
      {
        connector: name,
        command: "create",
        reason: args.reason,
        operation: { kind: "recreate", config, offsets: [], priorState: state, secretKeys },
        planSummary,
      },
      `create ${name}`,
    );
  },
});

/**
 * A refusal when the name is taken or no REST path could reach it (Connect would create it, and the bot and every
 * other client could never address it again); undefined when it is free.
 */
async function existing(context: CommandContext, name: string) {
  try {
    await context.cluster.connect.info(name, { requestId: context.requestId });
  } catch (error) {
    if (hasCode(error, "CONNECT_NOT_FOUND")) return undefined;
    if (hasCode(error, "CONNECT_UNADDRESSABLE_NAME")) {
      return errorReply(
        "refused",
        `${error.reason}: Connect would create ${name}, but no REST call could reach it afterwards. Choose a name without them. Nothing was sent.`,
      );
    }
    throw error;
  }
  return errorReply(
    "refused",
    `A connector named ${name} exists on ${context.cluster.name}: \`config set ${name}\` changes its config.`,
  );
}

/**
 * A sink created RUNNING reads its topics at once: from its group's committed offsets where a connector of that
 * name left some, else from where `auto.offset.reset` sends a new group (`sinkPosition`, the lag rules). Said in
 * records, per the lag reader, so the approver sees a replay before it happens.
 */
async function replayWords(
  context: CommandContext,
  name: string,
  config: Readonly<Record<string, string>>,
  state: "RUNNING" | "PAUSED" | "STOPPED",
): Promise<string> {
  let lag: Awaited<ReturnType<CommandContext["cluster"]["lag"]["lag"]>>;
  try {
    lag = await context.cluster.lag.lag(name, config);
  } catch (error) {
    return `How much it would read could not be told: ${(error as Error).message}.`;
  }
  const { groupId, settings, partitions, total } = lag;
  const topics = [...new Set(partitions.map((p) => p.topic))];
  const committed = partitions.filter((p) => p.committed !== null).length;
  const from =
    committed > 0
      ? `its consumer group ${groupId} already has committed offsets on ${committed} of ${partitions.length} partition(s) (a connector of this name ran before), and the rest start at auto.offset.reset=${settings.autoOffsetReset}`
      : `its new consumer group ${groupId} starts where auto.offset.reset=${settings.autoOffsetReset} (${settings.autoOffsetResetFrom}) sends it, the ${settings.autoOffsetReset === "latest" ? "log end" : "log start"}`;
  const gone = lag.unread.map((u) => u.topic);
  const reads =
    topics.length === 0
      ? `nothing: none of its topics has a partition yet${gone.length === 0 ? "" : ` (${gone.join(", ")}: ${lag.unread[0]?.reason ?? "absent"})`}`
      : `${total.toLocaleString("en-US")} record(s) already in ${topics.join(", ")} (${partitions.length} partition(s))`;
  if (state === "RUNNING") {
    return `A sink created RUNNING reads at once: ${from}, so it will read ${reads}${total > 0 ? ", a replay" : ""}. To choose where it starts, create it --stopped, set its offsets with \`offsets set\`, then resume it.`;
  }
  return `Created ${state}, it reads nothing until resumed; then ${from}: ${reads} as of now.`;
}
