// needs: bed
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { ConnectClient } from "../src/connect/connect-client.js";
import {
  ConnectBadResponse,
  ConnectConflict,
  ConnectUnauthorized,
  ConnectUnavailable,
} from "../src/connect/connect-errors.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { testBed } from "./support/test-bed-env.js";

describe("Connect client retries, timeouts and headers (a fault proxy in front of the real worker)", () => {
  let proxy: FaultProxy;
  let connect: ConnectClient;

  before(async () => {
    proxy = await FaultProxy.start(testBed().connectUrl);
    connect = new ConnectClient({
      cluster: "proxied",
      url: proxy.url,
      username: "ops",
      password: "hunter2-secret",
      retry: { deadlineMs: 2_000, attemptTimeoutMs: 500, maxAttempts: 3, baseDelayMs: 10 },
    });
  });
  after(async () => {
    await connect.close();
    await proxy.close();
  });
  beforeEach(() => {
    proxy.requests.length = 0;
  });

  test("every call carries the request id and basic auth", async () => {
    await connect.workerInfo({ requestId: "req-123" });
    const [sent] = proxy.requests;
    assert.equal(sent?.headers["x-request-id"], "req-123");
    assert.equal(
      sent?.headers.authorization,
      `Basic ${Buffer.from("ops:hunter2-secret").toString("base64")}`,
    );
  });

  test("names are percent-encoded on the wire", async () => {
    await connect.status("what?x #1 ünï").catch(() => undefined);
    assert.equal(proxy.requests[0]?.url, "/connectors/what%3Fx%20%231%20%C3%BCn%C3%AF/status");
  });

  test("a read that meets a rebalance (409) is retried and succeeds", async () => {
    proxy.answerNext(2, 409, "Cannot complete request momentarily due to stale configuration");
    const info = await connect.workerInfo();
    assert.match(info.version, /^\d/);
    assert.equal(proxy.requests.length, 3);
  });

  test("retries are bounded: a worker that keeps rebalancing gives a typed conflict", async () => {
    proxy.answerNext(3, 409, "Request cannot be completed because a rebalance is expected");
    await assert.rejects(connect.listConnectors(), ConnectConflict);
    assert.equal(proxy.requests.length, 3);
  });

  test("a mutation refused with 409 is repeated; one that failed with 500 is not (it may have been applied)", async () => {
    proxy.answerNext(1, 409, "rebalance in progress");
    await assert.rejects(connect.pause("no-such-connector-x"), /404/);
    assert.equal(proxy.requests.length, 2, "the 409 was retried and the worker answered the second try");

    proxy.requests.length = 0;
    proxy.answerNext(1, 500, "Request timed out");
    await assert.rejects(connect.pause("no-such-connector-x"), ConnectUnavailable);
    assert.equal(proxy.requests.length, 1);
  });

  test("a forward to the leader that never left (500, java.net.ConnectException) is repeated; one that timed out after sending is not", async () => {
    proxy.answerNext(
      1,
      500,
      "IO Error trying to forward REST request: java.net.ConnectException: Connection refused",
    );
    await assert.rejects(connect.pause("no-such-connector-x"), /404/);
    assert.equal(proxy.requests.length, 2, "sent again, and the worker answered the second try");

    proxy.requests.length = 0;
    proxy.answerNext(
      1,
      500,
      "IO Error trying to forward REST request: java.util.concurrent.TimeoutException: Total timeout 90000 ms elapsed",
    );
    await assert.rejects(connect.pause("no-such-connector-x"), ConnectUnavailable);
    assert.equal(proxy.requests.length, 1, "the leader may have acted on it: not sent again");
  });

  test("a 500 'a rebalance is expected' (the herder refused before acting) is repeated, for a change too", async () => {
    proxy.answerNext(1, 500, "Request cannot be completed because a rebalance is expected");
    await assert.rejects(connect.pause("no-such-connector-x"), /404/);
    assert.equal(proxy.requests.length, 2, "sent again, and the worker answered the second try");
  });

  test("a worker that does not answer is 'unavailable' after the timeout, and mutations are not repeated", async () => {
    proxy.hangNext(1);
    const started = Date.now();
    await assert.rejects(connect.resume("x"), (error: unknown) => {
      assert.ok(error instanceof ConnectUnavailable);
      assert.match(error.message, /no answer within 0\.5 s \(1 attempt\)/);
      return true;
    });
    assert.ok(Date.now() - started < 2000);
    assert.equal(proxy.requests.length, 1);
  });

  test("401 and a body that is not Connect's shape become typed errors, and no message holds the password", async () => {
    proxy.answerNext(1, 401, "Unauthorized");
    const unauthorized = await connect.pause("x").catch((error: unknown) => error);
    assert.ok(unauthorized instanceof ConnectUnauthorized);
    assert.doesNotMatch(unauthorized.message, /hunter2|b3BzOmh1bnRlcjI/);
    assert.match(unauthorized.message, /Connect cluster "proxied": PUT \/connectors\/x\/pause failed: 401/);

    proxy.answerNext(1, 200, "not a worker");
    await assert.rejects(connect.workerInfo(), ConnectBadResponse);
  });

  test("a connector half deleted while the worker lists them (info null) leaves the listing of the others whole", async () => {
    const running = {
      name: "kept",
      type: "sink",
      connector: { state: "RUNNING", worker_id: "127.0.0.1:8083" },
      tasks: [],
    };
    proxy.answerNextWith({ method: "GET", path: /^\/connectors\?expand/ }, 1, 200, {
      kept: { info: { config: { "connector.class": "X" }, type: "sink" }, status: running },
      "half-deleted": { info: null, status: { ...running, name: "half-deleted" } },
      "half-created": { info: { config: { "connector.class": "X" }, type: "sink" }, status: null },
    });
    const listed = await connect.listConnectors();
    assert.deepEqual(
      listed.map((c) => c.name),
      ["kept"],
    );
  });
});
