import { askForApproval } from "../approvals/ask-for-approval.js";
import { defineCommand } from "../src/core/command-spec.js";
import { oneConnectorWithReason } from "../src/core/connector-args.js";

export const stop = defineCommand({
  name: "stop",
  summary: "Ask to stop a connector (needs approval).",
  details:
    "Ask to stop a connector: its tasks shut down and release their partitions (approved by a second person).",
  examples: ['stop orders-sink --reason "downstream database maintenance"'],
  ...oneConnectorWithReason,
  role: "operator",
  risk: "destructive",
  proposes: true,
  async run(context, { connector, reason }) {
    const status = await context.cluster.connect.status(connector, { requestId: context.requestId });
    const running = status.tasks.filter((task) => task.state === "RUNNING").length;
    const summary = `${connector} is ${status.connector.state} with ${status.tasks.length} task(s), ${running} running. Stopping shuts its tasks down until \`resume\`.`;
    return askForApproval(
      context,
      { connector, command: "stop", reason, operation: { kind: "stop" }, planSummary: summary },
      `stop ${connector}`,
    );
  },
});
