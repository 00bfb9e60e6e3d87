import type { OperationKind } from "./operation-kind.js";

/**
 * `window`: a maintenance window approved up front. Running it changes nothing: it checks that every connector of
 * the window still exists, and the window (src/automation/maintenance-windows.ts) opens at its start only when this
 * request has succeeded.
 */
export const windowKind: OperationKind<"window"> = {
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
          ["from", `${operation.from.slice(0, 16).replace("T", " ")} UTC`],
          ["until", `${operation.until.slice(0, 16).replace("T", " ")} UTC`],
        ],
      },
    ];
  },
};
