import type { NewRequest } from "../../approvals/approvals.js";
import type { CommandContext } from "./command-spec.js";
import { type Reply, reply } from "./reply.js";

/**
 * Queues a destructive command as an approval request and says what happens next: who must approve and until
 * when, or, where the cluster's policy needs nobody, that it runs now.
 */
export async function askForApproval(
  context: CommandContext,
  input: Pick<NewRequest, "connector" | "command" | "reason" | "operation" | "planSummary">,
  /** What is asked, as a verb phrase: `stop orders-sink`. */
  what: string,
): Promise<Reply> {
  const { actor, cluster, approvals, requestId } = context;
  const request = await approvals.request({
    ...input,
    cluster: cluster.name,
    requester: { id: actor.id, name: actor.name },
    requestId,
    ...(context.channelId === undefined ? {} : { channelId: context.channelId }),
  });
  const text =
    request.state === "approved"
      ? `${actor.name} asked to ${what} on ${cluster.name}: no approval is needed there, so request ${request.id} runs now.`
      : `${actor.name} asks to ${what} on ${cluster.name}: request ${request.id}, waiting for ${request.approversNeeded === 1 ? "an approver" : `${request.approversNeeded} approvers`} until ${request.expiresAt.slice(11, 16)} UTC.`;
  return reply(
    text,
    [
      { kind: "text", text },
      {
        kind: "fields",
        fields: [
          ["reason", input.reason],
          request.state === "approved"
            ? ["follow with", "approvals"]
            : ["approve with", `approve ${request.id}`],
        ],
      },
      { kind: "code", text: input.planSummary },
    ],
    "in_channel",
  );
}
