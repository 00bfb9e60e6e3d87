// needs: redis
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { AuditError } from "../src/audit/audit-error.js";
import {
  type AuditEntry,
  type AuditRecord,
  AuditTrail,
  type AuditTrailOptions,
  auditGenesisHash,
} from "../src/audit/audit-trail.js";
import { testRedis } from "./support/redis-prefix.js";

const record = (overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  actorId: "U1",
  actorName: "alice",
  source: "slack",
  cluster: "prod",
  connector: "orders-sink",
  command: "pause",
  args: "pause orders-sink",
  outcome: "succeeded",
  durationMs: 12,
  requestId: "r1",
  ...overrides,
});

/** The documented hash, computed independently: a stored trail stays verifiable only while this holds. */
function expectedHash(prevHash: string, fields: Readonly<Record<string, string>>): string {
  const order = ["time", "actorId", "actorName", "source", "cluster", "connector", "command", "args"];
  const rest = ["outcome", "errorCode", "detail", "durationMs", "requestId"];
  const canonical = JSON.stringify(
    Object.fromEntries([
      ["prevHash", prevHash],
      ...[...order, ...rest].map((name) => [name, fields[name] ?? null]),
    ]),
  );
  return createHash("sha256").update(canonical).digest("hex");
}

function fieldsOf(values: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < values.length; i += 2) fields[values[i] ?? ""] = values[i + 1] ?? "";
  return fields;
}

describe("audit trail", () => {
  const { redis, prefix, cleanup } = testRedis("audit");
  after(cleanup);
  let fresh = 0;

  /** A trail under keys no other test uses, with a clock that moves a minute per entry. */
  function freshTrail(options: Partial<AuditTrailOptions> = {}) {
    const keyPrefix = `${prefix}${fresh++}:`;
    let now = Date.parse("2026-11-24T10:00:00Z");
    const audit = new AuditTrail({
      redis,
      keyPrefix,
      now: () => {
        now += 60_000;
        return now;
      },
      ...options,
    });
    return { audit, keyPrefix, stream: `${keyPrefix}audit` };
  }

  async function threeEntries() {
    const trail = freshTrail();
    const entries = [
      await trail.audit.append(record({ requestId: "a" })),
      await trail.audit.append(record({ requestId: "b", outcome: "refused", detail: "needs operator" })),
      await trail.audit.append(record({ requestId: "c" })),
    ] as const;
    return { ...trail, entries };
  }

  /** Streams cannot be edited in place, and XADD refuses an id below the newest: a forger rewrites the stream. */
  async function rewrite(stream: string, change: (id: string, fields: Record<string, string>) => void) {
    const original = await redis.xrange(stream, "-", "+");
    await redis.del(stream);
    for (const [id, values] of original) {
      const fields = fieldsOf(values);
      change(id, fields);
      await redis.xadd(stream, id, ...Object.entries(fields).flat());
    }
  }

  test("entries come back newest first, filtered by connector, actor and time", async () => {
    const { audit } = freshTrail();
    const a = await audit.append(record({ requestId: "a" }));
    // Stream ids carry Redis's clock in ms: the next entry must land in a later millisecond than the cut-off.
    await sleep(3);
    const b = await audit.append(
      record({
        requestId: "b",
        actorId: "U2",
        actorName: "bob",
        connector: "payments-sink",
        outcome: "refused",
        errorCode: "FORBIDDEN",
        detail: "needs operator",
      }),
    );
    const c = await audit.append(record({ requestId: "c", source: "shell" }));

    assert.deepEqual(await audit.query(), [c, b, a], "what append returns is what query reads back");
    assert.deepEqual(
      [a.time, b.time, c.time],
      ["2026-11-24T10:01:00.000Z", "2026-11-24T10:02:00.000Z", "2026-11-24T10:03:00.000Z"],
    );
    assert.deepEqual(
      (await audit.query({ connector: "orders-sink" })).map((e) => e.requestId),
      ["c", "a"],
    );
    const [refused, ...none] = await audit.query({ actorId: "U2" });
    assert.deepEqual(none, []);
    assert.equal(refused?.outcome, "refused");
    assert.equal(refused?.errorCode, "FORBIDDEN");
    assert.equal(refused?.detail, "needs operator");
    assert.equal(refused?.durationMs, 12);
    const cutOff = new Date(Number(a.id.split("-")[0]) + 1);
    assert.deepEqual(
      (await audit.query({ since: cutOff })).map((e) => e.requestId),
      ["c", "b"],
    );
    assert.deepEqual(
      (await audit.query({ limit: 1 })).map((e) => e.requestId),
      ["c"],
    );
    assert.equal(a.prevHash, auditGenesisHash);
    assert.equal(b.prevHash, a.hash);
    assert.equal(c.prevHash, b.hash);
    assert.deepEqual(await audit.verify(), { ok: true, entries: 3 });
  });

  test("each hash is SHA-256 over the canonical JSON of prevHash and the stored fields", async () => {
    const { stream, entries } = await threeEntries();
    for (const [id, values] of await redis.xrange(stream, "-", "+")) {
      const fields = fieldsOf(values);
      assert.equal(fields.hash, expectedHash(fields.prevHash ?? "", fields));
      assert.equal(fields.hash, entries.find((e) => e.id === id)?.hash);
    }
  });

  test("an empty trail verifies, and a trail whose head record was deleted does not", async () => {
    const empty = freshTrail();
    assert.deepEqual(await empty.audit.verify(), { ok: true, entries: 0 });
    const { audit, keyPrefix } = await threeEntries();
    await redis.del(`${keyPrefix}audit:head`);
    const result = await audit.verify();
    assert.equal(result.ok, false);
    assert.match(result.ok ? "" : result.problem, /head record .*audit:head was deleted/);
  });

  test("a forged copy of a middle entry, with a changed outcome, is named", async () => {
    const { audit, stream, entries } = await threeEntries();
    const middle = entries[1].id;
    await rewrite(stream, (id, fields) => {
      if (id === middle) fields.outcome = "succeeded";
    });
    assert.deepEqual(await audit.verify(), {
      ok: false,
      entries: 1,
      problem: `entry ${middle} was changed (its hash does not match its contents)`,
      entryId: middle,
    });
  });

  test("a forger who also recomputes the changed entry's hash is caught by the entry after it", async () => {
    const { audit, stream, entries } = await threeEntries();
    const [, middle, last] = entries;
    await rewrite(stream, (id, fields) => {
      if (id !== middle.id) return;
      fields.outcome = "succeeded";
      fields.hash = expectedHash(fields.prevHash ?? "", fields);
    });
    assert.deepEqual(await audit.verify(), {
      ok: false,
      entries: 2,
      problem: `an entry before ${last.id} was deleted or rewritten (its prevHash does not match the hash of ${middle.id})`,
      entryId: last.id,
    });
  });

  test("a deleted middle entry is found at the entry after it", async () => {
    const { audit, stream, entries } = await threeEntries();
    await redis.xdel(stream, entries[1].id);
    const result = await audit.verify();
    assert.equal(result.ok ? undefined : result.entryId, entries[2].id);
    assert.match(
      result.ok ? "" : result.problem,
      new RegExp(`^an entry before ${entries[2].id} was deleted`),
    );
  });

  test("a deleted newest entry is found through the head record", async () => {
    const { audit, stream, entries } = await threeEntries();
    await redis.xdel(stream, entries[2].id);
    assert.deepEqual(await audit.verify(), {
      ok: false,
      entries: 2,
      problem: `the newest entries were deleted: the head names ${entries[2].id} but the stream ends at ${entries[1].id}`,
      entryId: entries[2].id,
    });
    await redis.xtrim(stream, "MAXLEN", 0);
    const emptied = await audit.verify();
    assert.match(
      emptied.ok ? "" : emptied.problem,
      /the newest entries were deleted: .* but the stream is empty/,
    );
  });

  test("trimming the oldest entries (XTRIM) is found at the new first entry", async () => {
    const { audit, stream, entries } = await threeEntries();
    await redis.xtrim(stream, "MAXLEN", 2);
    const result = await audit.verify();
    assert.equal(result.ok ? undefined : result.entryId, entries[1].id);
    assert.match(result.ok ? "" : result.problem, /^the oldest entries were deleted/);
  });

  test("an entry added behind the trail's back, even with a valid hash, is found", async () => {
    const { audit, stream, entries } = await threeEntries();
    const fields: Record<string, string> = {
      ...fieldsOf((await redis.xrange(stream, "-", "+"))[2]?.[1] ?? []),
      prevHash: entries[2].hash,
    };
    fields.hash = expectedHash(entries[2].hash, fields);
    const added = await redis.xadd(stream, "*", ...Object.entries(fields).flat());
    const result = await audit.verify();
    assert.equal(result.ok ? undefined : result.entryId, added);
    assert.match(result.ok ? "" : result.problem, /^entries were added without the audit trail/);
  });

  test("an entry that does not parse is a problem in itself", async () => {
    const { audit, stream, entries } = await threeEntries();
    const [[, values] = ["", []]] = await redis.xrange(stream, entries[2].id, entries[2].id);
    const bogus = await redis.xadd(
      stream,
      "*",
      ...Object.entries({ ...fieldsOf(values), outcome: "bogus" }).flat(),
    );
    const result = await audit.verify();
    assert.equal(result.ok ? undefined : result.entryId, bogus);
    assert.match(result.ok ? "" : result.problem, new RegExp(`^entry ${bogus} is malformed \\(outcome: `));
    assert.equal((await audit.query()).length, 3, "query leaves it out");
  });

  test("50 appends from 5 connections at once make one unbroken chain", async () => {
    const keyPrefix = `${prefix}concurrent:`;
    const connections = Array.from({ length: 5 }, () => new Redis("redis://127.0.0.1:6379"));
    try {
      await Promise.all(
        connections.flatMap((connection, c) => {
          const audit = new AuditTrail({ redis: connection, keyPrefix });
          return Array.from({ length: 10 }, (_, i) => audit.append(record({ requestId: `${c}-${i}` })));
        }),
      );
    } finally {
      for (const connection of connections) connection.disconnect();
    }
    const audit = new AuditTrail({ redis, keyPrefix });
    assert.deepEqual(await audit.verify(), { ok: true, entries: 50 });
    const stored = await audit.query({ limit: 200 });
    assert.equal(new Set(stored.map((e) => e.requestId)).size, 50);
    assert.equal(new Set(stored.map((e) => e.prevHash)).size, 50, "no two entries extend the same one");
  });

  test("the mirror sees each entry in order; a failing mirror loses none", async () => {
    const seen: string[] = [];
    const failures: string[] = [];
    const { audit } = freshTrail({
      onAppend: (entry: AuditEntry) => {
        seen.push(entry.requestId);
        if (entry.requestId === "sync") throw new Error("Slack is down");
        if (entry.requestId === "async") return Promise.reject(new Error("rate limited"));
      },
      onMirrorError: (error, entry) => failures.push(`${entry.requestId}: ${String(error)}`),
    });
    for (const requestId of ["a", "sync", "async", "b"]) await audit.append(record({ requestId }));
    await audit.whenMirrored();
    assert.deepEqual(seen, ["a", "sync", "async", "b"]);
    assert.deepEqual(failures, ["sync: Error: Slack is down", "async: Error: rate limited"]);
    assert.deepEqual(
      (await audit.query()).map((e) => e.requestId),
      ["b", "async", "sync", "a"],
    );
    assert.deepEqual(await audit.verify(), { ok: true, entries: 4 });
  });

  test("text with a lone UTF-16 half is stored as Redis keeps it (U+FFFD) and hashed as stored: verify says intact", async () => {
    const { audit, stream } = freshTrail();
    const entry = await audit.append(record({ args: "pause orders-sink \uD83D", detail: "\uDE00 and 😀" }));
    assert.equal(entry.args, "pause orders-sink \uFFFD");
    const [[, values] = ["", []]] = await redis.xrange(stream, "-", "+");
    const stored = fieldsOf(values);
    assert.equal(stored.args, entry.args);
    assert.equal(stored.detail, "\uFFFD and 😀");
    assert.equal(entry.hash, expectedHash(entry.prevHash, stored));
    assert.deepEqual(await audit.verify(), { ok: true, entries: 1 });
  });

  test("a record that cannot be stored, or a corrupt head, is refused with a stable code", async () => {
    const { audit, keyPrefix } = freshTrail();
    await assert.rejects(audit.append(record({ durationMs: Number.NaN })), (error: unknown) => {
      assert.ok(error instanceof AuditError);
      assert.equal(error.code, "AUDIT_INVALID_RECORD");
      return true;
    });
    assert.deepEqual(await audit.verify(), { ok: true, entries: 0 }, "nothing was written");

    await redis.hset(`${keyPrefix}audit:head`, "hash", "not-a-hash", "id", "1-0");
    await assert.rejects(audit.append(record()), (error: unknown) => {
      assert.ok(error instanceof AuditError);
      assert.equal(error.code, "AUDIT_CORRUPT");
      assert.equal(error.retriable, false);
      return true;
    });
  });
});
