// needs: pure
import assert from "node:assert/strict";
import { test } from "node:test";
import { createLogger } from "../../src/app.js";
import { actor, fakeBot } from "./fakes.js";

test("an unexpected failure: the person gets a request id, and the log holds the cause under that id", async () => {
  const lines: string[] = [];
  const logger = createLogger("info", { write: (line: string) => void lines.push(line) });
  const bot = fakeBot(
    {
      lag: {
        lagOfSinks: async () => {
          throw new TypeError("Cannot read properties of undefined (reading 'partitions')");
        },
      },
      connect: { listConnectors: async () => [] },
    },
    { logger },
  );
  const { reply, text } = await bot.run(actor("otto"), "lag");
  assert.equal(reply.outcome, "failed");
  const requestId = /request id (\S+?)\.?$/.exec(text)?.[1];
  assert.ok(requestId !== undefined, `the reply names a request id: ${text}`);

  const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const mine = logged.filter((entry) => entry.requestId === requestId);
  const cause = mine.find((entry) => {
    const err = entry.err as { message?: string; stack?: string; type?: string } | undefined;
    return err?.message === "Cannot read properties of undefined (reading 'partitions')";
  });
  assert.ok(cause !== undefined, `the cause is logged under ${requestId}: ${lines.join("")}`);
  const err = cause.err as { stack?: string; type?: string };
  assert.equal(err.type, "TypeError");
  assert.match(err.stack ?? "", /internal-failure\.test\.ts/, "with the stack that says where");
  assert.equal(cause.level, 50, "at error level");
});
