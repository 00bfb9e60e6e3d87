import { z } from "zod";
import { defineCommand, flag, positional } from "../src/core/command-spec.js";
import { globMatches } from "../src/core/glob.js";
import { reply } from "../src/core/reply.js";
import { outOfScopeNote } from "../src/core/roles.js";

const shownRows = 40;
const states = ["running", "paused", "stopped", "failed", "unassigned", "restarting"] as const;

export const list = defineCommand({
  name: "list",
  summary: "Connectors with type, state and tasks.",
  details: "One row per connector: type, state, tasks running and failed, worker.",
  examples: ["list", "list --state failed", "list orders-*"],
  args: z.object({
    pattern: positional(
      z.string().max(200).optional(),
      "a name, or a glob: * any characters, ? one (orders-*)",
    ),
    state: flag(
      z.enum(states).optional(),
      `only connectors in this state, or with a task in it (${states.join(", ")})`,
      { valueName: "STATE" },
    ),
    after: flag(
      z.string().max(249).optional(),
      "the next page: only connectors named after this one (the last name of the page before)",
      { valueName: "NAME" },
    ),
  }),
  role: "viewer",
  risk: "read",
  async run({ cluster, requestId, scopeOn }, { pattern, state, after }) {
    const wanted = state?.toUpperCase();
    const scope = await scopeOn(cluster.name);
    const all = await cluster.connect.listConnectors({ requestId });
    const seen = all.filter((c) => scope.sees(c.name));
    const hidden = outOfScopeNote(all.length - seen.length);
    const connectors = seen
      .filter(
        (c) =>
          (pattern === undefined || globMatches(pattern, c.name)) &&
          (wanted === undefined || c.state === wanted || c.tasks.some((t) => t.state === wanted)),
      )
      // By name, so that a page ends at a name and the next starts after it, however many there are.
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const page = after === undefined ? connectors : connectors.filter((c) => c.name > after);
    const rows = page.map((c) => [
      c.name,
      c.type,
      c.state,
      `${c.tasks.filter((t) => t.state === "RUNNING").length}/${c.tasks.length}`,
      String(c.tasks.filter((t) => t.state === "FAILED").length),
      c.workerId,
    ]);
    const filters = [
      pattern === undefined ? "" : ` matching ${pattern}`,
      state === undefined ? "" : ` (${state})`,
      after === undefined ? "" : ` after ${after}`,
    ].join("");
    const summary = `${page.length} connector(s) on ${cluster.name}${filters}`;
    const last = rows[shownRows - 1]?.[0];
    if (rows.length === 0)
      return reply(summary, [
        { kind: "text", text: `No connectors on ${cluster.name}${filters}.` },
        ...hidden,
      ]);
    return reply(summary, [
      { kind: "heading", text: summary },
      {
        kind: "table",
        columns: ["connector", "type", "state", "tasks", "failed", "worker"],
        rows: rows.slice(0, shownRows),
        ...(rows.length > shownRows
          ? {
              omitted: {
                count: rows.length - shownRows,
                hint: `the next page: list --after ${last}; or narrow with a pattern (list orders-*) or --state`,
                ...(last === undefined ? {} : { cursor: last }),
              },
            }
          : {}),
      },
      ...hidden,
    ]);
  },
});
