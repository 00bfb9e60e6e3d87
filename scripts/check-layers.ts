/**
 * The layer rules, checked by `npm run lint`:
 * - `src/core` (the dispatcher, the command contract, the words for failures) knows its neighbours only through
 *   the ports it declares. It imports nothing from the approval domain, the alerts, the Slack adapter, the Kafka
 *   or Connect clients, the audit trail, nor any Kafka, Slack, Redis or queue library.
 * - `approvals/` keeps its requests, runs its jobs and audits through interfaces (approval-store.ts,
 *   approval-queue.ts, src/core/audit-log.ts): it imports no Redis or queue library, no Redis key, no audit trail,
 *   nor their implementations (src/redis/, src/queue/).
 * - `approvals/` and `commands/` speak in domain terms: they import no Slack or Kafka library and nothing of the
 *   Slack adapter, so any adapter can carry them (their wording is neutral `Reply`s, rendered by the adapter).
 * - `commands/` and `src/alerts/` reach the infrastructure only through the core's ports (`src/core/ports.ts`):
 *   they import the core and each other's public modules, never the Connect or Kafka clients, the audit trail,
 *   the Redis keys, nor a Redis or queue library. Two files of `src/alerts/` still hold the alert store's Redis
 *   code and the polls' BullMQ scheduler: their imports are listed in `pending` until those sit behind
 *   interfaces (issue 21 §2); any other import there still fails.
 *
 * `import type` counts too, since a type names the module it comes from. Every import is read with TypeScript's
 * own pre-processor (static, re-exports and dynamic `import()`), so comments and strings never pass for imports.
 * Exits 1 with each offending import (`file: specifier`).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

interface LayerRule {
  /** The folders the rule holds for (every file under them). */
  readonly folders: readonly string[];
  /** Folders of this repository they must not reach. */
  readonly forbiddenFolders: readonly string[];
  /** Libraries they must not reach (a package, or every package of a scope ending in `/`). */
  readonly forbiddenPackages: readonly string[];
  readonly why: string;
  /** Imports still waiting for their port, by file (as `rel/path.ts`): each named one, and only it, passes. */
  readonly pending?: Readonly<Record<string, readonly string[]>>;
}

const rules: readonly LayerRule[] = [
  {
    folders: ["src/core"],
    forbiddenFolders: [
      "approvals",
      "src/alerts",
      "src/slack",
      "src/mcp",
      "src/kafka",
      "src/connect",
      "src/audit",
    ],
    forbiddenPackages: [
      "kafkajs",
      "@platformatic/kafka",
      "@slack/",
      "@modelcontextprotocol/",
      "ioredis",
      "bullmq",
    ],
    why: "src/core must reach this only through a port",
  },
  {
    folders: ["approvals"],
    forbiddenFolders: ["src/audit", "src/redis-keys.js", "src/redis", "src/queue"],
    forbiddenPackages: ["ioredis", "bullmq"],
    why: "the approval domain reaches its store, queue and audit only through their interfaces",
  },
  {
    folders: ["approvals", "commands"],
    forbiddenFolders: ["src/slack", "src/mcp"],
    forbiddenPackages: ["kafkajs", "@platformatic/kafka", "@slack/", "@modelcontextprotocol/"],
    why: "the domain must reach this only through a port or a neutral Reply",
  },
  {
    folders: ["commands", "approvals", "src/alerts"],
    forbiddenFolders: ["src/connect", "src/kafka", "src/audit", "src/redis-keys.ts"],
    forbiddenPackages: ["ioredis", "bullmq"],
    why: "commands, approvals and alerts must reach the infrastructure only through src/core/ports.ts",
    pending: {
      "src/alerts/alert-store.ts": ["ioredis", "../redis-keys.js"],
      "src/alerts/alerts.ts": ["bullmq", "ioredis", "../redis-keys.js"],
    },
  },
];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

function isForbidden(rule: LayerRule, file: string, specifier: string): boolean {
  if (specifier.startsWith(".")) {
    const target = relative(root, resolve(dirname(file), specifier))
      .split(sep)
      .join("/");
    return rule.forbiddenFolders.some(
      (folder) =>
        target === folder || target === folder.replace(/\.ts$/, ".js") || target.startsWith(`${folder}/`),
    );
  }
  return rule.forbiddenPackages.some((name) =>
    name.endsWith("/") ? specifier.startsWith(name) : specifier === name || specifier.startsWith(`${name}/`),
  );
}

let found = 0;
for (const rule of rules) {
  for (const file of rule.folders.flatMap((folder) => filesUnder(join(root, folder)))) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const path = relative(root, file).split(sep).join("/");
    for (const { fileName } of importedFiles) {
      if (!isForbidden(rule, file, fileName) || rule.pending?.[path]?.includes(fileName)) continue;
      console.error(`layer rule: ${rule.why}: ${path}: ${fileName}`);
      found++;
    }
  }
}
if (found > 0) process.exit(1);
console.log(
  "layer rule: src/core imports no approvals, alerts, Slack, MCP, Kafka, Connect or audit module, nor their libraries; approvals/ and commands/ import no Slack, MCP or Kafka library, nor the Slack or MCP adapter; commands/, approvals/ and src/alerts/ import no Connect, Kafka, audit or Redis-keys module, nor Redis or BullMQ (but the two alert files pending their interfaces); approvals/ imports no Redis, queue or audit implementation",
);
