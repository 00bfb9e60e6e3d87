import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Redis } from "ioredis";
import { type AuditRecord, AuditTrail } from "../src/audit/audit-trail.js";
import { testRedis } from "./support/redis-prefix.js";

const record = (overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  actorId: "U1",
  actorName: "alice",
  source: "slack",
  cluster: "prod",
  connector: "orders-sink",
  command: "pause",
  args: "orders-sink",
  outcome: "succeeded",
  durationMs: 12,
  requestId: "r1",
  ...overrides,
});

describe("audit trail", () => {
  const { redis, prefix, cleanup } = testRedis("audit");
  after(cleanup);
  let fresh = 0;
  const trail = () => new AuditTrail({ redis, keyPrefix: `${prefix}${fresh++}:` });

  test("entries come back newest first, filtered by connector, actor and time", async () => {
    let now = Date.parse("2026-11-24T10:00:00Z");
    const audit = new AuditTrail({ redis, keyPrefix: `${prefix}query:`, now: () => new Date(now) });
    await audit.append(record({ requestId: "a" }));
    now += 60_000;
    await audit.append(
      record({ requestId: "b", actorId: "U2", connector: "payments-sink", outcome: "refused" }),
    );
    await audit.append(record({ requestId: "c" }));
    assert.deepEqual(
      (await audit.query()).map((e) => e.requestId),
      ["c", "b", "a"],
    );
    assert.deepEqual(
      (await audit.query({ connector: "orders-sink" })).map((e) => e.requestId),
      ["c", "a"],
    );
    assert.deepEqual(
      (await audit.query({ actorId: "U2" })).map((e) => [e.requestId, e.outcome]),
      [["b", "refused"]],
    );
    assert.equal((await audit.query({ limit: 1 })).length, 1);
    // Stream ids carry Redis's clock, so "since" is checked against an entry written a moment ago.
    assert.equal((await audit.query({ since: new Date(Date.now() + 60_000) })).length, 0);
    assert.equal((await audit.query({ since: new Date(Date.now() - 60_000) })).length, 3);
    assert.deepEqual(await audit.verify(), { ok: true, entries: 3 });
  });

  test("a changed entry is found, by id", async () => {
    const audit = trail();
    await audit.append(record());
    const last = await audit.append(record({ outcome: "refused", detail: "needs operator" }));
    const key = `${prefix}${fresh - 1}:audit`;
    // Stream entries cannot be edited in place: a forger deletes one and writes a doctored copy.
    const [[, values] = ["", []]] = await redis.xrange(key, last.id, last.id);
    const forged = [...values];
    forged[forged.indexOf("refused")] = "succeeded";
    await redis.xdel(key, last.id);
    const forgedId = await redis.xadd(key, "*", ...forged);
    const result = await audit.verify();
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.entryId, forgedId);
    assert.match(!result.ok ? result.problem : "", /was changed/);
  });

  test("a deleted entry, in the middle or at the end, is found", async () => {
    const audit = trail();
    const entries = [];
    for (let i = 0; i < 4; i++) entries.push(await audit.append(record({ requestId: `r${i}` })));
    const key = `${prefix}${fresh - 1}:audit`;
    await redis.xdel(key, entries[3]?.id ?? "");
    const truncated = await audit.verify();
    assert.match(truncated.ok ? "" : truncated.problem, /newest entries were deleted/);

    await redis.xdel(key, entries[1]?.id ?? "");
    const gap = await audit.verify();
    assert.equal(gap.ok ? undefined : gap.entryId, entries[2]?.id);
    assert.match(gap.ok ? "" : gap.problem, /before .* was deleted or changed/);
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
    assert.deepEqual(await new AuditTrail({ redis, keyPrefix }).verify(), { ok: true, entries: 50 });
  });
});
