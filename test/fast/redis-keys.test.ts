// needs: pure
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { RedisKeys } from "../../src/redis-keys.js";

const root = join(import.meta.dirname, "..", "..");

test("key names stay as stored data knows them: a rename would lose every request, alert and audit entry", () => {
  const keys = new RedisKeys("connect-ops:");
  assert.equal(keys.bullPrefix, "connect-ops:bull");
  assert.equal(keys.auditStream, "connect-ops:audit");
  assert.equal(keys.auditHead, "connect-ops:audit:head");
  assert.equal(keys.approvalCounter, "connect-ops:approval:counter");
  assert.equal(keys.approvalIndex, "connect-ops:approval:index");
  assert.equal(keys.approvalRequest("prod-17-k3mx"), "connect-ops:approval:prod-17-k3mx");
  assert.equal(keys.approvalRequest("prod-1-abcd").startsWith(keys.approvalRequestPrefix), true);
  assert.equal(keys.approvalOpen("prod", "orders:v2"), 'connect-ops:approval:open:["prod","orders:v2"]');
  assert.equal(keys.approvalLock("prod", "orders"), 'connect-ops:approval:lock:["prod","orders"]');
  assert.equal(keys.alertHistory("prod", "orders"), "connect-ops:alerts:history:prod:orders");
  assert.equal(keys.alertHistoryWriter("prod"), "connect-ops:alerts:history-writer:prod");
  assert.equal(keys.alertFiring("prod"), "connect-ops:alerts:firing:prod");
  assert.equal(keys.alertMessage("C1:1.2"), "connect-ops:alerts:message:C1:1.2");
  assert.equal(keys.alertSnooze("prod", "orders"), "connect-ops:alerts:snooze:prod:orders");
  assert.equal(keys.alertSilences, "connect-ops:alerts:silences");
  assert.equal(keys.alertSilenceCounter, "connect-ops:alerts:silence-counter");
  assert.equal(keys.alertPollLock("prod"), "connect-ops:alerts:poll-lock:prod");
  assert.equal(keys.alertReceiverSent("oncall"), "connect-ops:alerts:receiver-sent:oncall");
  assert.equal(keys.alertUnreachable("prod"), "connect-ops:alerts:unreachable:prod");
  assert.equal(keys.alertLastPoll, "connect-ops:alerts:last-poll");
  assert.equal(keys.alertStateEpoch, "connect-ops:alerts:state-epoch");
  assert.equal(keys.alertStoppedNotice, "connect-ops:alerts:stopped-notice");
  assert.equal(keys.adapterStore("slack", "command:T1"), "connect-ops:slack:command:T1");
  assert.equal(keys.slackHomeViewers, "connect-ops:slack:home-viewers");
  assert.equal(keys.slackApprovalMessage("prod-1-abcd"), "connect-ops:slack:approval-message:prod-1-abcd");
  assert.equal(keys.mcpCalls("claude-ops", 29_000_000), "connect-ops:mcp:calls:claude-ops:29000000");
  assert.equal(keys.mcpProposals("claude-ops"), "connect-ops:mcp:proposals:claude-ops");
  assert.equal(keys.autoRestart("prod", "orders"), 'connect-ops:automation:restart:["prod","orders"]');
  assert.equal(keys.logLevelChange("log-3"), "connect-ops:automation:logger:log-3");
  assert.equal(keys.logLevelOpen, "connect-ops:automation:logger-open");
  assert.equal(keys.maintenanceWindow("window-4"), "connect-ops:automation:window:window-4");
  assert.equal(keys.bulkPreview("0123456789ab"), "connect-ops:automation:bulk-preview:0123456789ab");
  assert.equal(keys.maintenanceWindowIndex, "connect-ops:automation:windows");
  assert.equal(keys.automationCounter, "connect-ops:automation:counter");
  assert.equal(keys.automationStory("window-4"), "connect-ops:automation:story:window-4");
  assert.equal(keys.slackOutbox("C1"), "connect-ops:slack:outbox:C1");
  assert.equal(keys.slackOutboxChannels, "connect-ops:slack:outbox-channels");
  assert.equal(keys.slackOutboxSender("C1"), "connect-ops:slack:outbox-sender:C1");
});

/** Joining the key prefix to a name, in a template (`${keyPrefix}…`, `${this.#prefix}…`) or with `+`. */
const buildsAKey = [
  /\$\{[\w.#]*keyPrefix\}/,
  /\$\{this\.#prefix\}/,
  /keyPrefix\s*\+/,
  /\+\s*[\w.#]*keyPrefix\b/,
];
/** BullMQ's prefix written out instead of taken from RedisKeys.bullPrefix. */
const writesABullPrefix = /\}bull\b|["'`]bull["'`:]/;

async function sourceFiles(dir: string): Promise<string[]> {
  const names = await readdir(join(root, dir), { recursive: true });
  return names.filter((name) => name.endsWith(".ts")).map((name) => join(dir, name));
}

test("no file but src/redis-keys.ts builds a Redis key from the prefix", async () => {
  const files = (await Promise.all(["src", "commands", "approvals"].map(sourceFiles))).flat();
  assert.ok(files.length > 50, `only ${files.length} source files found`);
  const offenders: string[] = [];
  for (const file of files) {
    if (file === join("src", "redis-keys.ts")) continue;
    const lines = (await readFile(join(root, file), "utf8")).split("\n");
    lines.forEach((line, i) => {
      if (buildsAKey.some((pattern) => pattern.test(line)) || writesABullPrefix.test(line))
        offenders.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offenders, [], "ask RedisKeys for the key instead");
});
