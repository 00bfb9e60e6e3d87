import { z } from "zod";
import { closest } from "../src/core/command-line.js";
import { defineCommand, usage } from "../src/core/command-spec.js";
import { errorReply, type ReplyPart, reply } from "../src/core/reply.js";

export const help = defineCommand({
  name: "help",
  summary: "What each command does, with examples.",
  examples: ["help", "help offsets get"],
  positionals: [{ name: "command", description: "a command to explain", optional: true, variadic: true }],
  flags: {},
  args: z.object({ command: z.string().optional() }),
  role: "anyone",
  anyCluster: true,
  risk: "read",
  async run({ commands }, { command: wanted }) {
    if (wanted === undefined) {
      return reply("connect-ops commands", [
        { kind: "heading", text: "/connect commands" },
        {
          kind: "table",
          columns: ["command", "role", "what it does"],
          rows: commands.map((command) => [usage(command), command.role, command.summary]),
        },
        { kind: "note", text: "Every command takes --cluster NAME (-c). `help <command>` shows examples." },
      ]);
    }
    const command =
      commands.find((c) => c.name === wanted.toLowerCase()) ??
      commands.find((c) => c.name.startsWith(`${wanted.toLowerCase()} `));
    if (command === undefined) {
      const suggestion = closest(
        wanted,
        commands.map((c) => c.name),
      );
      return errorReply(
        "refused",
        `There is no command \`${wanted}\`.${suggestion === undefined ? "" : ` Did you mean \`${suggestion}\`?`}`,
      );
    }
    const parts: ReplyPart[] = [
      { kind: "heading", text: command.name },
      { kind: "text", text: command.summary },
      { kind: "code", text: usage(command) },
      {
        kind: "fields",
        fields: [
          ["needs role", command.role],
          ["risk", command.risk],
          ...command.positionals.map((p) => [`<${p.name}>`, p.description] as const),
          ...Object.entries(command.flags).map(([name, flag]) => [`--${name}`, flag.description] as const),
        ],
      },
      { kind: "code", text: command.examples.map((example) => `/connect ${example}`).join("\n") },
    ];
    return reply(`help for ${command.name}`, parts);
  },
});
