import { z } from "zod";
import { defineCommand } from "../src/core/command-spec.js";
import { hasCode } from "../src/core/has-code.js";
import { connectErrorCodes } from "../src/core/ports.js";
import { reply } from "../src/core/reply.js";
import { healthWords, workerHealth } from "../src/core/worker-health.js";
import { isTooOld, minimumConnectVersion } from "../src/core/worker-version.js";

export const clusters = defineCommand({
  name: "clusters",
  summary: "Clusters: version, reachability, worker health.",
  details:
    "The configured clusters, their Connect version, whether they answer, and each worker's own health verdict (GET /health, KIP-1017, Connect 3.9+): healthy, starting or unhealthy with Connect's message.",
  examples: ["clusters"],
  args: z.object({}),
  role: "viewer",
  risk: "read",
  async run({ clusters: all, requestId }) {
    const rows = await Promise.all(
      all.map(async (cluster) => {
        const [reachability, health] = await Promise.all([
          cluster.connect.workerInfo({ requestId }).then(
            (info) => [
              info.version,
              isTooOld(info.version)
                ? `answers, but needs Kafka Connect ${minimumConnectVersion} or newer`
                : "answers",
            ],
            (error: unknown) => [
              "?",
              hasCode(error, ...connectErrorCodes) ? `not answering: ${error.reason}` : String(error),
            ],
          ),
          workerHealth(cluster.connect, { requestId }),
        ]);
        const answers = reachability[0] !== "?";
        return [
          cluster.isDefault ? `${cluster.name} (default)` : cluster.name,
          ...reachability,
          answers ? healthWords(health) : "",
        ];
      }),
    );
    return reply(`${all.length} cluster(s)`, [
      { kind: "table", columns: ["cluster", "Connect", "reachable", "health"], rows },
    ]);
  },
});
