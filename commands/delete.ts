import { askForApproval } from "../src/core/ask-for-approval.js";
import { defineCommand } from "../src/core/command-spec.js";
import { oneConnectorWithReason } from "../src/core/connector-args.js";

export const deleteConnector = defineCommand({
  name: "delete",
  summary: "Ask to delete a connector (needs approval).",
  details:
    "Ask to delete a connector (approved by a second person; its config and offsets are kept with the request).",
  examples: ['delete old-orders-sink --reason "replaced by orders-sink-v2"'],
  ...oneConnectorWithReason,
  role: "operator",
  risk: "destructive",
  async run(context, { connector, reason }) {
    const call = { requestId: context.requestId };
    const [status, { offsets }] = await Promise.all([
      context.cluster.connect.status(connector, call),
      context.cluster.connect.offsets(connector, call),
    ]);
    const summary = `${connector} (${status.type ?? "connector"}, ${status.connector.state}, ${status.tasks.length} task(s), ${offsets.length} committed offset(s)) is deleted. Its config and offsets are saved with the request.`;
    return askForApproval(
      context,
      { connector, command: "delete", reason, operation: { kind: "delete" }, planSummary: summary },
      `delete ${connector}`,
    );
  },
});
