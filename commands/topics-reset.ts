import { z } from "zod";
import { askForApproval } from "../approvals/ask-for-approval.js";
import { defineCommand, flag } from "../src/core/command-spec.js";
import { connectorArg, Reason } from "../src/core/connector-args.js";
import { reply } from "../src/core/reply.js";

/**
 * Risk "safe", not "destructive": the reset clears only Connect's record of which topics a connector used
 * (KIP-558); no record, offset, config or task is touched, and the list fills again as the tasks use topics. What
 * is lost is that history, so the answer (in the channel, and the audit's args hold the reason) names the topics
 * that were on it.
 */
export const topicsReset = defineCommand({
  name: "topics reset",
  summary: "Clear the list of topics a connector has used.",
  details:
    "Empties Connect's record of the topics the connector has used (KIP-558); it fills again as the tasks use topics. No data or offsets change. The answer names the topics that were on the list. Refused by workers that run with topic.tracking.allow.reset=false.",
  examples: ['topics reset orders-sink --reason "orders-v1 was migrated away"'],
  args: z.object({
    connector: connectorArg,
    // No approver sees a person's reset: the reason goes to the channel with it, and to the audit (and to the
    // approver, when an agent proposes it).
    reason: flag(Reason, "why (shown in the channel and kept in the audit)", {
      valueName: '"WHY"',
      why: "it is shown in the channel and kept in the audit",
    }),
  }),
  connectorOf: (args) => args.connector,
  role: "operator",
  risk: "safe",
  async asProposal(context, { connector, reason }) {
    const { cluster, requestId } = context;
    const [, now] = await Promise.all([
      cluster.connect.status(connector, { requestId }),
      cluster.connect.connectorTopics(connector, { requestId }),
    ]);
    const holds = now.length === 0 ? "it holds no topic now" : `it holds ${[...now].sort().join(", ")} now`;
    return askForApproval(
      context,
      {
        connector,
        command: "topics reset",
        reason,
        operation: { kind: "topics-reset" },
        planSummary: `Clear the list of topics ${connector} on ${cluster.name} has used (${holds}); Connect records them again as its tasks use them. No data or offsets change.`,
      },
      `reset the list of topics ${connector} has used`,
    );
  },
  async run({ cluster, requestId, actor }, { connector, reason }) {
    // Its status first: Connect would accept a reset of a name it does not know.
    const [, before] = await Promise.all([
      cluster.connect.status(connector, { requestId }),
      cluster.connect.connectorTopics(connector, { requestId }),
    ]);
    await cluster.connect.resetConnectorTopics(connector, { requestId });
    const was = before.length === 0 ? "it held no topic" : `it held ${[...before].sort().join(", ")}`;
    const text = `${actor.name} reset the list of topics ${connector} on ${cluster.name} has used (${was}). Connect records them again as its tasks use them. Reason: "${reason}"`;
    return reply(`topics of ${connector} on ${cluster.name} reset`, [{ kind: "text", text }], "in_channel");
  },
});
