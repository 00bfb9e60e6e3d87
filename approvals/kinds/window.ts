import { z } from "zod";
import { time } from "../../src/core/reply.js";
import type { OperationKind } from "./operation-kind.js";

/**
 * A maintenance window that needs approval up front (a `stop` window, or a window over more connectors than
 * `automation.bulk.approvalAbove`): approving it changes nothing now; the window opens at `from` only if this
 * request succeeded.
 */
export const WindowOperation = z.object({
  kind: z.literal("window"),
  window: z.string(),
  action: z.enum(["pause", "stop"]),
  connectors: z.array(z.string()).min(1),
  from: z.iso.datetime(),
  until: z.iso.datetime(),
});

/**
 * `window`: a maintenance window approved up front. Running it changes nothing: it checks that every connector of
 * the window still exists, and the window (src/automation/maintenance-windows.ts) opens at its start only when this
 * request has succeeded.
 */
export const windowKind: OperationKind<z.output<typeof WindowOperation>> = {
  schema: WindowOperation,
  steps: {
    verified: {
      doing: "checking the window's connectors exist",
      async run({ connect, operation, call }) {
        for (const connector of operation.connectors) await connect.status(connector, call);
        return {
          outcome: `Window ${operation.window} is approved: it opens at ${operation.from.slice(11, 16)} UTC.`,
        };
      },
    },
  },
  async leaveSafely() {
    return "Nothing was changed; the window will not open.";
  },
  outcomeParts(_request, operation) {
    return [
      {
        kind: "fields",
        fields: [
          ["window", operation.window],
          ["does", `${operation.action} ${operation.connectors.join(", ")}`],
          ["from", time(Date.parse(operation.from), "date")],
          ["until", time(Date.parse(operation.until), "date")],
        ],
      },
    ];
  },
};
