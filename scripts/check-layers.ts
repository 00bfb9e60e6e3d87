/**
 * The layer rule, checked by `npm run lint`: `src/core` (the dispatcher, the command contract, the words for
 * failures) knows its neighbours only through the ports it declares. It imports nothing from the approval
 * domain, the alerts, the Slack adapter, the Kafka or Connect clients, nor any Kafka, Slack, Redis or queue
 * library; `import type` counts too, since a type names the module it comes from. Every import is read with
 * TypeScript's own pre-processor (static, re-exports and dynamic `import()`), so comments and strings never
 * pass for imports.
 *
 * Exits 1 with each offending import (`file: specifier`), or when an entry of {@link notYet} no longer occurs
 * (the list only shrinks).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const core = join(root, "src", "core");

/** Folders of this repository that `src/core` must not reach. */
const forbiddenFolders = ["approvals", "src/alerts", "src/slack", "src/kafka", "src/connect"];
/** Libraries that `src/core` must not reach (a package, or every package of a scope ending in `/`). */
const forbiddenPackages = ["kafkajs", "@platformatic/kafka", "@slack/", "ioredis", "bullmq"];

/**
 * Imports that break the rule today and are still to be replaced by ports (issue 13), as `file: specifier`.
 * A new violation fails; so does an entry here that no longer occurs, so that the list can only shrink.
 */
const notYet = new Set([
  "src/core/cluster-handle.ts: ../connect/connect-client.js",
  "src/core/cluster-handle.ts: ../kafka/sink-lag-reader.js",
  "src/core/command-spec.ts: ../../approvals/approvals.js",
  "src/core/command-spec.ts: ../alerts/alerts.js",
  "src/core/dispatcher.ts: ../../approvals/approvals.js",
  "src/core/dispatcher.ts: ../alerts/alerts.js",
]);

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

const offending = found.filter((entry) => !notYet.has(entry));
const gone = [...notYet].filter((entry) => !found.includes(entry));
for (const entry of offending)
  console.error(`layer rule: src/core must reach this only through a port: ${entry}`);
for (const entry of gone) console.error(`layer rule: no longer imported, remove it from notYet: ${entry}`);
if (offending.length > 0 || gone.length > 0) process.exit(1);
console.log(`layer rule: src/core keeps to its ports (${notYet.size} known imports still to replace)`);
