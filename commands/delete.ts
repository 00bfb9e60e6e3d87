import { askForApproval } from "../approvals/ask-for-approval.js";
import { defineCommand } from "../src/core/command-spec.js";
import { oneConnectorWithReason } from "../src/core/connector-args.js";
import { settingsToSeal } from "../src/core/redact.js";

export const deleteConnector = defineCommand({
  name: "delete",
  summary: "Ask to delete a connector (needs approval).",
  details:
    "Ask to delete a connector (approved by a second person; its config and offsets are kept with the request).",
  examples: ['delete old-orders-sink --reason "replaced by orders-sink-v2"'],
  ...oneConnectorWithReason,
  role: "operator",
  risk: "destructive",
  proposes: true,
  async run(context, { connector, reason }) {
    const call = { requestId: context.requestId };
    const [status, { offsets }, config] = await Promise.all([
      context.cluster.connect.status(connector, call),
      context.cluster.connect.offsets(connector, call),
      context.cluster.connect.config(connector, call),
    ]);
    const secret = settingsToSeal(config, await context.cluster.connect.passwordKeys(config, call));
    const kept =
      secret.length === 0
        ? "Its config and offsets are saved with the request."
        : context.sealsSecrets
          ? `Its config and offsets are saved with the request, its ${secret.length} secret setting(s) sealed (AES-256-GCM).`
          : `Its offsets are saved with the request, and only the non-secret settings of its config: no SNAPSHOT_KEYS is set, so ${secret.join(", ")} ${secret.length === 1 ? "is" : "are"} not kept, and \`offsets restore\` cannot create it again without ${secret.length === 1 ? "it" : "them"}.`;
    const summary = `${connector} (${status.type ?? "connector"}, ${status.connector.state}, ${status.tasks.length} task(s), ${offsets.length} committed offset(s)) is deleted. ${kept}`;
    return askForApproval(
      context,
      { connector, command: "delete", reason, operation: { kind: "delete" }, planSummary: summary },
      `delete ${connector}`,
    );
  },
});
