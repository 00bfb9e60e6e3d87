import { z } from "zod";
import { askForConfigChange } from "../approvals/config-plan.js";
import { earlierRequest } from "../approvals/earlier-request.js";
import { defineCommand, positional } from "../src/core/command-spec.js";
import { RequestId, reasonArg } from "../src/core/connector-args.js";
import { errorReply } from "../src/core/reply.js";

export const configRestore = defineCommand({
  name: "config restore",
  summary: "Ask to undo a config change from its snapshot.",
  details:
    "Ask to put a connector's config back as it was before an earlier `config set` (or `config restore`), from the snapshot that request took: the same checks, diff and approval as a change.",
  examples: ['config restore prod-17-k3mx --reason "tasks.max=4 overloaded the database"'],
  args: z.object({
    request: positional(RequestId, "the id of the config change to undo"),
    reason: reasonArg,
  }),
  role: "operator",
  risk: "destructive",
  proposes: true,
  async run(context, args) {
    const { cluster, requestId } = context;
    const earlier = await earlierRequest(context, args.request);
    if ("refusal" in earlier) return earlier.refusal;
    if (earlier.operation.kind !== "config-change") {
      return errorReply(
        "refused",
        `${earlier.id} was a \`${earlier.command}\`, which changed no config: \`config restore\` undoes \`config set\`.${earlier.operation.kind === "delete" ? ` A deleted connector comes back with \`offsets restore ${earlier.id}\`.` : ""}`,
      );
    }
    const { snapshotConfig } = earlier;
    if (snapshotConfig === undefined || earlier.changeSent !== true) {
      return errorReply(
        "refused",
        `${earlier.id} is ${earlier.state} and never sent its change: the config of ${earlier.connector} was not changed by it.`,
      );
    }
    const missing = (earlier.snapshotSecretKeys ?? []).filter((key) => snapshotConfig[key] === undefined);
    if (missing.length > 0) {
      return errorReply(
        "refused",
        `${earlier.id} saved the config of ${earlier.connector} without its secret settings (no SNAPSHOT_KEYS was set when it ran, or its key is no longer configured): ${missing.join(", ")}. Undo the change with \`config set\`, giving their values as config-provider references.`,
      );
    }
    const connector = earlier.connector;
    const call = { requestId };
    const current = await cluster.connect.config(connector, call);
    const set = Object.fromEntries(
      Object.entries(snapshotConfig).filter(([key, value]) => current[key] !== value),
    );
    const unset = Object.keys(current).filter((key) => snapshotConfig[key] === undefined);
    const passwordKeys = (await cluster.connect.passwordKeys(snapshotConfig, call)) ?? new Set();
    return askForConfigChange(
      context,
      {
        connector,
        command: "config restore",
        reason: args.reason,
        current,
        set,
        unset,
        passwordKeys,
        heading: `Back to the config saved by ${earlier.id} before its change:`,
      },
      `restore the config of ${connector} from ${earlier.id}`,
    );
  },
});
