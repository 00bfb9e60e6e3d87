import { z } from "zod";
import { defineCommand } from "../src/core/command-spec.js";
import { reply } from "../src/core/reply.js";

export const whoami = defineCommand({
  name: "whoami",
  summary: "Your role on each cluster.",
  details: "Your role on each cluster.",
  examples: ["whoami"],
  args: z.object({}),
  role: "anyone",
  anyCluster: true,
  risk: "read",
  async run({ actor, clusters, roleOn }) {
    const rows = await Promise.all(
      clusters.map(async (cluster) => [cluster.name, (await roleOn(cluster.name)) ?? "none"]),
    );
    return reply(`roles of ${actor.name}`, [
      { kind: "heading", text: `${actor.name} (${actor.id})` },
      { kind: "table", columns: ["cluster", "role"], rows },
    ]);
  },
});
