// needs: redis
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { ApprovalRequest } from "../approvals/approval-request.js";
import type { ApprovalStore } from "../approvals/approval-store.js";
import { MemoryApprovalStore } from "../approvals/memory-approval-store.js";
import { RedisApprovalStore } from "../src/redis/redis-approval-store.js";
import { testRedis } from "./support/redis-prefix.js";

/**
 * One contract, every implementation: the same body runs against the Redis store and the in-memory one, so a test
 * of the lifecycle on the in-memory store says what the bot does on Redis.
 */
const redis = testRedis("approval-store-conformance");
after(() => redis.cleanup());

const implementations: readonly [string, () => ApprovalStore][] = [
  ["redis", () => new RedisApprovalStore(redis.redis, `${redis.prefix}${Math.random()}:`)],
  ["memory", () => new MemoryApprovalStore()],
];

const minute = 60_000;

async function requestOn(
  store: ApprovalStore,
  connector: string,
  fields: Partial<ApprovalRequest> = {},
): Promise<ApprovalRequest> {
  const now = Date.now();
  return {
    id: await store.nextId("prod"),
    cluster: "prod",
    connector,
    command: "stop",
    reason: "conformance",
    requester: { id: "olga", name: "olga", source: "test" },
    operation: { kind: "stop" },
    planSummary: "stop it",
    state: "pending",
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 30 * minute).toISOString(),
    approversNeeded: 1,
    approvedBy: [],
    requestId: "r-1",
    ...fields,
  };
}

for (const [name, make] of implementations) {
  describe(`approval store contract: ${name}`, () => {
    test("ids are new each time and name the cluster", async () => {
      const store = make();
      const ids = await Promise.all([store.nextId("prod"), store.nextId("prod")]);
      assert.notEqual(ids[0], ids[1]);
      for (const id of ids) assert.match(id, /^prod-\d+-[a-z2-9]{4}$/);
    });

    test("one open request per connector: a second is refused with the first's id; another connector is free", async () => {
      const store = make();
      const first = await requestOn(store, "orders");
      assert.equal(await store.create(first), undefined);
      assert.deepEqual(await store.create(await requestOn(store, "orders")), { openId: first.id });
      assert.equal(await store.create(await requestOn(store, "payments")), undefined);
      assert.equal((await store.get(first.id))?.state, "pending");
    });

    test("a pending request past its expiry no longer holds its connector", async () => {
      const store = make();
      const old = await requestOn(store, "orders", {
        createdAt: new Date(Date.now() - 40 * minute).toISOString(),
        expiresAt: new Date(Date.now() - 10 * minute).toISOString(),
      });
      await store.create(old);
      assert.equal(await store.create(await requestOn(store, "orders")), undefined);
    });

    test("a move applies only from the states given, and ending a request frees its connector", async () => {
      const store = make();
      const first = await requestOn(store, "orders");
      await store.create(first);
      const wrong = await store.transition(first.id, ["approved"], (r) => ({ ...r, state: "executing" }));
      assert.deepEqual([wrong.ok, wrong.request?.state], [false, "pending"]);
      const declined = await store.transition(first.id, ["pending"], () => undefined);
      assert.deepEqual([declined.ok, declined.request?.state], [false, "pending"]);
      const denied = await store.transition(first.id, ["pending"], (r) => ({ ...r, state: "denied" }));
      assert.deepEqual([denied.ok, denied.request?.state], [true, "denied"]);
      assert.equal((await store.get(first.id))?.state, "denied");
      assert.equal(await store.create(await requestOn(store, "orders")), undefined);
      const missing = await store.transition("prod-0-none", ["pending"], (r) => r);
      assert.deepEqual(missing, { ok: false, request: undefined });
    });

    test("recent lists the newest first, at most the limit", async () => {
      const store = make();
      const ids: string[] = [];
      for (const [index, connector] of ["a", "b", "c"].entries()) {
        const request = await requestOn(store, connector, {
          createdAt: new Date(Date.now() - (3 - index) * minute).toISOString(),
        });
        await store.create(request);
        ids.push(request.id);
      }
      assert.deepEqual(
        (await store.recent(2)).map((request) => request.id),
        [ids[2], ids[1]],
      );
    });

    test("a connector's lock has one owner; only the owner renews or releases it; a lapsed lock is free", async () => {
      const store = make();
      const place = { cluster: "prod", connector: "orders" };
      assert.equal(await store.lock(place, "one", 10_000), true);
      assert.equal(await store.lock(place, "two", 10_000), false);
      assert.equal(await store.renewLock(place, "two", 10_000), false);
      await store.unlock(place, "two");
      assert.equal(await store.renewLock(place, "one", 100), true);
      await sleep(200);
      assert.equal(await store.renewLock(place, "one", 10_000), false, "lapsed");
      assert.equal(await store.lock(place, "two", 10_000), true);
      await store.unlock(place, "two");
      assert.equal(await store.lock(place, "three", 10_000), true);
    });
  });
}
