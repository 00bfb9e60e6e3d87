import { z } from "zod";
import { ConnectError } from "../src/connect/connect-errors.js";
import { isTooOld, minimumConnectVersion } from "../src/connect/worker-version.js";
import { defineCommand } from "../src/core/command-spec.js";
import { reply } from "../src/core/reply.js";

export const clusters = defineCommand({
  name: "clusters",
  summary: "Configured clusters, versions, reachability.",
  details: "The configured clusters, their Connect version and whether they answer.",
  examples: ["clusters"],
  args: z.object({}),
  role: "viewer",
  risk: "read",
  async run({ clusters: all, requestId }) {
    const rows = await Promise.all(
      all.map(async (cluster) => {
        const reachability = await cluster.connect.workerInfo({ requestId }).then(
          (info) => [
            info.version,
            isTooOld(info.version)
              ? `answers, but needs Kafka Connect ${minimumConnectVersion} or newer`
              : "answers",
          ],
          (error: unknown) => [
            "?",
            error instanceof ConnectError ? `not answering: ${error.reason}` : String(error),
          ],
        );
        return [cluster.isDefault ? `${cluster.name} (default)` : cluster.name, ...reachability];
      }),
    );
    return reply(`${all.length} cluster(s)`, [
      { kind: "table", columns: ["cluster", "Connect", "reachable"], rows },
    ]);
  },
});
