import { z } from "zod";
import type { OperationKind } from "./operation-kind.js";

/** `topics reset`: the request's connector is all it names. */
export const TopicsResetOperation = z.object({ kind: z.literal("topics-reset") });

/**
 * `topics reset` proposed by an agent: Connect's record of the topics the connector has used (KIP-558) is cleared,
 * as the typed command clears it. No record, offset, config or task is touched, so a failure leaves nothing to undo.
 */
export const topicsReset: OperationKind<z.output<typeof TopicsResetOperation>> = {
  schema: TopicsResetOperation,
  steps: {
    changed: {
      doing: "resetting the list of topics the connector has used",
      async run({ connect, request, call, sendingChange }) {
        const { connector } = request;
        // Its status first: Connect would accept a reset of a name it does not know.
        const [, before] = await Promise.all([
          connect.status(connector, call),
          connect.connectorTopics(connector, call),
        ]);
        await sendingChange();
        await connect.resetConnectorTopics(connector, call);
        const was = before.length === 0 ? "it held no topic" : `it held ${[...before].sort().join(", ")}`;
        return {
          outcome: `The list of topics ${connector} has used was reset (${was}); Connect records them again as its tasks use them.`,
        };
      },
    },
  },
  async leaveSafely({ request }) {
    return `No data, offset or config was touched; \`topics ${request.connector}\` shows whether the list was cleared.`;
  },
  outcomeParts() {
    return [];
  },
};
