/**
 * The layer rule, checked by `npm run lint`: `src/core` (the dispatcher, the command contract, the words for
 * failures) knows its neighbours only through the ports it declares. It imports nothing from the approval
 * domain, the alerts, the Slack adapter, the Kafka or Connect clients, the audit trail, nor any Kafka, Slack,
 * Redis or queue library; `import type` counts too, since a type names the module it comes from. Every import is
 * read with TypeScript's own pre-processor (static, re-exports and dynamic `import()`), so comments and strings
 * never pass for imports.
 *
 * Exits 1 with each offending import (`file: specifier`). The clients' own types reach the core's users by
 * declaration merging into `src/core/ports.ts`, never by an import here.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const core = join(root, "src", "core");

/** Folders of this repository that `src/core` must not reach. */
const forbiddenFolders = ["approvals", "src/alerts", "src/slack", "src/kafka", "src/connect", "src/audit"];
/** Libraries that `src/core` must not reach (a package, or every package of a scope ending in `/`). */
const forbiddenPackages = ["kafkajs", "@platformatic/kafka", "@slack/", "ioredis", "bullmq"];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

function isForbidden(file: string, specifier: string): boolean {
  if (specifier.startsWith(".")) {
    const target = relative(root, resolve(dirname(file), specifier))
      .split(sep)
      .join("/");
    return forbiddenFolders.some((folder) => target === folder || target.startsWith(`${folder}/`));
  }
  return forbiddenPackages.some((name) =>
    name.endsWith("/") ? specifier.startsWith(name) : specifier === name || specifier.startsWith(`${name}/`),
  );
}

const found: string[] = [];
for (const file of filesUnder(core)) {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  for (const { fileName } of importedFiles) {
    if (isForbidden(file, fileName)) found.push(`${relative(root, file).split(sep).join("/")}: ${fileName}`);
  }
}

for (const entry of found)
  console.error(`layer rule: src/core must reach this only through a port: ${entry}`);
if (found.length > 0) process.exit(1);
console.log(
  "layer rule: src/core imports no approvals, alerts, Slack, Kafka, Connect or audit module, nor their libraries",
);
