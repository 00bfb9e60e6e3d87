import { z } from "zod";
import { closest } from "../src/core/command-line.js";
import { type Command, defineCommand, positional, usageLines } from "../src/core/command-spec.js";
import { errorReply, type ReplyPart, reply } from "../src/core/reply.js";
import { hasRole } from "../src/core/roles.js";

export const help = defineCommand({
  name: "help",
  summary: "What each command you may run does.",
  details:
    "The commands you may run somewhere (your roles, on every connector or some), or one command in full, with examples.",
  examples: ["help", "help offsets get"],
  args: z.object({
    command: positional(z.string().optional(), "a command to explain", { variadic: true }),
  }),
  role: "anyone",
  anyCluster: true,
  risk: "read",
  async run({ commands, clusters, scopeOn }, { command: wanted }) {
    if (wanted === undefined) {
      // Only what the person may run somewhere (on some connectors at least); the rest is one line.
      const held = await Promise.all(
        clusters.map(async (cluster) => (await scopeOn(cluster.name)).anywhere()),
      );
      const runnable = commands.filter(({ role: needed }) =>
        needed === "anyone" ? true : held.some((role) => hasRole(role, needed)),
      );
      const hidden = commands.length - runnable.length;
      return reply("connect-ops commands", [
        { kind: "heading", text: "/connect commands" },
        {
          kind: "table",
          columns: ["command", "role", "what it does"],
          rows: runnable.map((command) => [command.name, command.role, command.summary]),
        },
        { kind: "note", text: "`help <command>` shows its usage and examples; `-c NAME` picks a cluster." },
        ...(hidden === 0
          ? []
          : [
              {
                kind: "note" as const,
                text: `${hidden} more command(s) need a role you do not hold (\`whoami\` shows yours); \`help <command>\` explains any of them.`,
              },
            ]),
      ]);
    }
    const asked = wanted.toLowerCase();
    const command = commands.find((c) => c.name === asked);
    // `help offsets` is about the whole family: every `offsets …` command, each with its usage.
    const family = commands.filter((c) => c.name.startsWith(`${asked} `));
    if (command === undefined && family.length === 0) {
      const suggestion = closest(
        wanted,
        commands.map((c) => c.name),
      );
      return errorReply(
        "refused",
        `There is no command \`${wanted}\`.${suggestion === undefined ? "" : ` Did you mean \`${suggestion}\`?`}`,
      );
    }
    const parts: ReplyPart[] = command === undefined ? [] : explain(command);
    if (family.length > 0) {
      parts.push(
        { kind: "heading", text: `${asked} …` },
        ...family.flatMap((c): ReplyPart[] => [
          { kind: "text", text: `${c.name}: ${c.summary}` },
          { kind: "code", text: usageLines(c).join("\n") },
        ]),
        { kind: "note", text: `\`help ${family[0]?.name}\` shows one in full.` },
      );
    }
    return reply(`help for ${command?.name ?? `${asked} …`}`, parts);
  },
});

function explain(command: Command): ReplyPart[] {
  return [
    { kind: "heading", text: command.name },
    { kind: "text", text: command.details ?? command.summary },
    { kind: "code", text: usageLines(command).join("\n") },
    {
      kind: "fields",
      fields: [
        ["needs role", command.role],
        ["risk", command.risk],
        ...command.positionals.map((p) => [`<${p.name}>`, p.description] as const),
        ...Object.entries(command.flags).map(
          ([name, flag]) =>
            [`--${name}`, `${flag.description}${flag.required ? " (required)" : ""}`] as const,
        ),
      ],
    },
    { kind: "code", text: command.examples.map((example) => `/connect ${example}`).join("\n") },
  ];
}
