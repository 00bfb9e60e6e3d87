import { z } from "zod";
import { defineCommand, flag, positional } from "../src/core/command-spec.js";
import { matchPlugin } from "../src/core/plugin-match.js";
import { errorReply, reply } from "../src/core/reply.js";

/** A documentation line is cut here: the table must stay readable in a Slack message. */
const docWidth = 100;

export const plugins = defineCommand({
  name: "plugins",
  summary: "Installed connector plugins, or one's config keys.",
  details:
    "Without a class: the connector plugins the workers have installed, with every version they offer (several per plugin from Connect 4.1, KIP-891). With a class (full name, or short as FileStreamSink): its config definition, each key's type, default, importance and the first line of its documentation: the keys a config may set. --version picks one of its versions (Connect 4.1+).",
  examples: [
    "plugins",
    "plugins --type sink",
    "plugins FileStreamSink",
    "plugins FileStreamSink --version 4.1.0",
  ],
  args: z
    .object({
      plugin: positional(
        z.string().min(1).max(300).optional(),
        "a plugin class, full or short (FileStreamSink); none lists them all",
      ),
      type: flag(z.enum(["sink", "source"]).optional(), "only sink or only source plugins", {
        valueName: "sink|source",
      }),
      version: flag(
        z.string().min(1).max(100).optional(),
        "the plugin version whose keys to show (Connect 4.1+)",
        { valueName: "VERSION" },
      ),
    })
    .refine((args) => args.version === undefined || args.plugin !== undefined, {
      message: "--version picks a version of one plugin: name the plugin too",
    })
    .refine((args) => args.type === undefined || args.plugin === undefined, {
      message: "--type narrows the list of plugins: leave it out when you name one",
    }),
  role: "viewer",
  risk: "read",
  async run({ cluster, requestId }, { plugin, type, version }) {
    const installed = await cluster.connect.connectorPlugins({ requestId });
    if (plugin === undefined) {
      const versions = new Map<string, { type: string; versions: string[] }>();
      for (const entry of installed.filter((p) => type === undefined || p.type === type)) {
        const known = versions.get(entry.class) ?? { type: entry.type, versions: [] };
        if (entry.version !== undefined) known.versions.push(entry.version);
        versions.set(entry.class, known);
      }
      const summary = `${versions.size} ${type ?? "connector"} plugin(s) on ${cluster.name}`;
      const rows = [...versions]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([className, found]) => [className, found.type, found.versions.join(", ") || "unknown"]);
      return reply(summary, [
        { kind: "heading", text: summary },
        { kind: "table", columns: ["class", "type", "versions"], rows },
        { kind: "note", text: "`plugins <class>` shows a plugin's config keys." },
      ]);
    }

    const match = matchPlugin(
      plugin,
      installed.map((p) => p.class),
    );
    if (match.kind === "ambiguous") {
      return errorReply(
        "refused",
        `${plugin} names ${match.candidates.length} plugins on ${cluster.name}: ${match.candidates.join(", ")}. Give the full class name.`,
      );
    }
    if (match.kind === "unknown") {
      const near =
        match.closeMatches.length === 0
          ? "`plugins` lists the installed ones."
          : `Close matches: ${match.closeMatches.join(", ")}.`;
      return errorReply("refused", `No connector plugin ${plugin} is installed on ${cluster.name}. ${near}`);
    }
    const { className } = match;
    const offered = installed.filter((p) => p.class === className).flatMap((p) => p.version ?? []);
    if (version !== undefined && offered.length > 0 && !offered.includes(version)) {
      return errorReply(
        "refused",
        `${className} on ${cluster.name} has no version ${version}; it offers ${offered.join(", ")}.`,
      );
    }
    const keys = await cluster.connect.pluginConfig(className, version, { requestId });
    const shownVersion = version ?? (offered.length === 1 ? offered[0] : undefined);
    const summary = `${className}${shownVersion === undefined ? "" : ` ${shownVersion}`} on ${cluster.name}: ${keys.length} config key(s)`;
    return reply(summary, [
      { kind: "heading", text: summary },
      {
        kind: "table",
        columns: ["key", "type", "default", "importance", "documentation"],
        rows: keys.map((key) => [
          key.required ? `${key.name} (required)` : key.name,
          key.type,
          key.default_value ?? "",
          key.importance,
          firstLine(key.documentation ?? ""),
        ]),
      },
      ...(offered.length > 1 && version === undefined
        ? [
            {
              kind: "note" as const,
              text: `The worker offers versions ${offered.join(", ")}; these keys are of the one it picks by default. --version picks another.`,
            },
          ]
        : []),
    ]);
  },
});

/** The documentation's first line (or sentence, when the line runs long), cut to fit a table cell. */
function firstLine(documentation: string): string {
  const line = documentation.trim().split("\n")[0] ?? "";
  const sentence = line.length > docWidth ? (/^.*?\.(?=\s)/.exec(line)?.[0] ?? line) : line;
  return sentence.length > docWidth ? `${sentence.slice(0, docWidth - 1)}…` : sentence;
}
