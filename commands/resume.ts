import { announceStateChange } from "../src/core/announce-state-change.js";
import { defineCommand } from "../src/core/command-spec.js";
import { oneConnector } from "../src/core/connector-args.js";

export const resume = defineCommand({
  name: "resume",
  summary: "Resume a paused or stopped connector.",
  details: "Resume a paused or stopped connector.",
  examples: ["resume orders-sink"],
  ...oneConnector,
  role: "operator",
  risk: "safe",
  async run(context, { connector }) {
    await context.cluster.connect.resume(connector, { requestId: context.requestId });
    return announceStateChange(context, connector, { verb: "resume", wanted: "RUNNING" });
  },
});
