import { z } from "zod";
import { defineCommand } from "../src/core/command-spec.js";
import { type ReplyPart, reply, time, timed } from "../src/core/reply.js";
import { whereHeld } from "../src/core/roles.js";

export const whoami = defineCommand({
  name: "whoami",
  summary: "Your roles on each cluster, and where they hold.",
  details:
    "Your roles on each cluster, each with where it holds: every connector, or those matching its patterns (payments-*). A user group the bot could not read is named with Slack's answer: the roles it grants count nobody until it can be read again.",
  examples: ["whoami"],
  args: z.object({}),
  role: "anyone",
  anyCluster: true,
  risk: "read",
  async run({ actor, clusters, scopeOn, unreadableGroups }) {
    const rows = (
      await Promise.all(
        clusters.map(async (cluster) => {
          const held = (await scopeOn(cluster.name)).shown();
          return held.length === 0
            ? [[cluster.name, "none", ""]]
            : held.map((grant) => [cluster.name, grant.role, whereHeld(grant)]);
        }),
      )
    ).flat();
    const unread = new Map(
      clusters.flatMap((cluster) => unreadableGroups(cluster.name)).map((group) => [group.id, group]),
    );
    const notes: ReplyPart[] = [...unread.values()].map(
      (group) =>
        timed(
          "note",
        )`User group ${group.id} could not be read (${group.reason}, since ${time(group.since)}): the roles it grants count nobody until it can be read again; the bot keeps asking.`,
    );
    return reply(`roles of ${actor.name}`, [
      { kind: "heading", text: `${actor.name} (${actor.id})` },
      { kind: "table", columns: ["cluster", "role", "where"], rows },
      ...notes,
    ]);
  },
});
