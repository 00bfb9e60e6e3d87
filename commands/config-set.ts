import { z } from "zod";
import { applySettings } from "../approvals/config-diff.js";
import { askForConfigChange, readEnvironmentValues, secretRefusal } from "../approvals/config-plan.js";
import { defineCommand, flag, positional } from "../src/core/command-spec.js";
import { KeyList, SettingWords } from "../src/core/config-settings.js";
import { connectorArg, reasonArg } from "../src/core/connector-args.js";
import { errorReply } from "../src/core/reply.js";

const Args = z
  .object({
    connector: connectorArg,
    settings: positional(SettingWords.optional(), "key=value, one per key to add or change", {
      variadic: true,
    }),
    unset: flag(KeyList.optional(), "keys to remove, separated by commas", { valueName: "KEY[,KEY…]" }),
    reason: reasonArg,
    preview: flag(z.literal(true).optional(), "show the plan only: nothing is asked or changed"),
  })
  .refine((args) => args.settings !== undefined || args.unset !== undefined, {
    message: "name what changes: key=value words, --unset KEY, or both",
  })
  .refine((args) => !(args.unset ?? []).some((key) => args.settings?.[key] !== undefined), {
    message: "a key cannot be both set and removed (--unset) in one change",
  });

export const configSet = defineCommand({
  name: "config set",
  summary: "Ask to change some keys of a connector's config.",
  details:
    "Ask to change some keys of a connector's config: Connect validates the whole config first, the plan shows the diff (secrets hidden), a second person approves, and it is applied only on the config they saw, then read back. Secrets take a config-provider reference (file, vault or env provider); the terminal shell also takes key=@env:VARIABLE. Undo with `config restore`.",
  examples: [
    'config set orders-sink tasks.max=4 errors.tolerance=all --reason "drain the backlog"',
    'config set orders-sink --unset transforms.mask.fields --reason "the field is gone"',
    'config set orders-sink tasks.max=4 --preview --reason "what would change?"',
  ],
  args: Args,
  role: "operator",
  risk: "destructive",
  proposes: true,
  connectorOf: (args) => args.connector,
  async run(context, args) {
    const { connector } = args;
    const call = { requestId: context.requestId };
    const read = readEnvironmentValues(context, args.settings ?? {});
    if ("refusal" in read) return read.refusal;
    const current = await context.cluster.connect.config(connector, call);
    const unset = args.unset ?? [];
    const absent = unset.filter((key) => current[key] === undefined);
    if (absent.length > 0) {
      return errorReply(
        "refused",
        `${absent.join(", ")} ${absent.length === 1 ? "is" : "are"} not in the config of ${connector}: nothing to remove. \`config ${connector}\` shows its keys. Nothing was queued.`,
      );
    }
    // Which keys are PASSWORD depends on the plugin and its transforms as they will be: asked with the structure
    // only, so no value typed here reaches Connect before the secret rule has looked at it.
    const passwordKeys =
      (await context.cluster.connect.passwordKeys(applySettings(current, read.settings, unset), call)) ??
      new Set();
    const secret = secretRefusal(context, read, passwordKeys);
    if (secret !== undefined) return secret;
    return askForConfigChange(
      context,
      {
        connector,
        command: "config set",
        reason: args.reason,
        current,
        set: read.settings,
        unset,
        passwordKeys,
        ...(args.preview ? { previewOnly: true } : {}),
      },
      `change the config of ${connector}`,
    );
  },
});
