import { announceStateChange } from "../src/core/announce-state-change.js";
import { defineCommand } from "../src/core/command-spec.js";
import { oneConnector } from "../src/core/connector-args.js";

export const pause = defineCommand({
  name: "pause",
  summary: "Pause a connector and its tasks.",
  details: "Pause a connector and its tasks (they stay assigned; resume picks up where they were).",
  examples: ["pause orders-sink"],
  ...oneConnector,
  role: "operator",
  risk: "safe",
  async run(context, { connector }) {
    await context.cluster.connect.pause(connector, { requestId: context.requestId });
    return announceStateChange(context, connector, { verb: "pause", wanted: "PAUSED" });
  },
});
