// needs: pure
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { poll, retry } from "../../src/core/retry.js";

class Busy extends Error {}
class Broken extends Error {}

/** Work that fails with each of `failures` in turn, then answers "done"; counts its tries. */
function flaky(...failures: Error[]) {
  const work = {
    tries: 0,
    run: async () => {
      const failure = failures[work.tries++];
      if (failure !== undefined) throw failure;
      return "done";
    },
  };
  return work;
}

describe("retry: one helper, its policy as data", () => {
  test("a retryable failure is tried again until the work succeeds", async () => {
    const work = flaky(new Busy(), new Busy());
    const result = await retry(work.run, {
      attempts: 3,
      backoff: { firstMs: 1 },
      retryable: (e) => e instanceof Busy,
    });
    assert.equal(result, "done");
    assert.equal(work.tries, 3);
  });

  test("a failure the policy does not name is thrown at once", async () => {
    const work = flaky(new Broken(), new Busy());
    await assert.rejects(
      retry(work.run, { attempts: 5, backoff: { firstMs: 1 }, retryable: (e) => e instanceof Busy }),
      Broken,
    );
    assert.equal(work.tries, 1);
  });

  test("the attempts are a bound: the last failure, or what giveUp makes of it, is thrown", async () => {
    const work = flaky(new Busy(), new Busy(), new Busy());
    await assert.rejects(
      retry(work.run, {
        attempts: 2,
        backoff: { firstMs: 1 },
        giveUp: (_error, tried) => new Error(`gave up after ${tried.attempts}`),
      }),
      /gave up after 2/,
    );
    assert.equal(work.tries, 2);
  });

  test("a pause that would end past the deadline is not taken", async () => {
    const work = flaky(new Busy(), new Busy());
    await assert.rejects(retry(work.run, { backoff: { firstMs: 60_000 }, deadlineMs: 1_000 }), Busy);
    assert.equal(work.tries, 1);
  });

  test("Retry-After lengthens the pause: past the deadline, the failure is thrown instead of waited for", async () => {
    const work = flaky(new Busy());
    await assert.rejects(
      retry(work.run, { backoff: { firstMs: 1 }, deadlineMs: 1_000, retryAfterMs: () => 30_000 }),
      Busy,
    );
    assert.equal(work.tries, 1);
  });

  test("waited-out failures are not counted against the attempts, and stop at their own bound", async () => {
    const work = flaky(new Busy(), new Busy(), new Busy(), new Busy());
    const result = await retry(work.run, {
      attempts: 1,
      backoff: { firstMs: 1 },
      waitOut: { when: (e) => e instanceof Busy, forMs: 10_000 },
    });
    assert.equal(result, "done");
    assert.equal(work.tries, 5);

    const endless = { tries: 0 };
    await assert.rejects(
      retry(
        async () => {
          endless.tries++;
          throw new Busy();
        },
        { attempts: 1, backoff: { firstMs: 20 }, waitOut: { when: () => true, forMs: 150 } },
      ),
      Busy,
    );
    assert.ok(endless.tries > 1, "tried past the attempts while waiting out");
  });

  test("an aborted signal ends the waiting with the last failure", async () => {
    const work = flaky(new Busy(), new Busy());
    const aborting = new AbortController();
    const running = retry(work.run, { backoff: { firstMs: 60_000 }, signal: aborting.signal });
    setImmediate(() => aborting.abort());
    await assert.rejects(running, Busy);
    assert.equal(work.tries, 1);
  });
});

describe("poll: the same helper, asking until there is an answer", () => {
  test("answers once the probe does", async () => {
    let asked = 0;
    const answer = await poll(async () => (++asked === 3 ? "ready" : undefined), {
      backoff: { firstMs: 1 },
      deadlineMs: 5_000,
    });
    assert.equal(answer, "ready");
    assert.equal(asked, 3);
  });

  test("undefined once the deadline has passed; a probe's own error ends the poll", async () => {
    let asked = 0;
    const never = async () => {
      asked++;
      return undefined;
    };
    assert.equal(await poll(never, { backoff: { firstMs: 20 }, deadlineMs: 200 }), undefined);
    assert.ok(asked > 1, "asked again until the deadline");
    await assert.rejects(
      poll(
        async () => {
          throw new Broken();
        },
        { backoff: { firstMs: 1 }, deadlineMs: 5_000 },
      ),
      Broken,
    );
  });
});
