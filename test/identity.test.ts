// needs: bed
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import type { Identity } from "../src/core/identity.js";
import { testRedis } from "./support/redis-prefix.js";
import { testBed } from "./support/test-bed-env.js";

describe("identity fails closed: a new adapter's unknown users get no role", () => {
  const { prefix, cleanup } = testRedis("identity");
  // A third adapter in a few lines: its principals are e-mail addresses, and it knows exactly one operator.
  const teams: Identity = {
    roleOf: async (principal, cluster) =>
      principal === "otto@example.com" && cluster === "default" ? "operator" : undefined,
  };
  const app = createApp({
    config: loadConfig({
      CONNECT_URL: testBed().connectUrl,
      KAFKA_BROKERS: testBed().bootstrapServers,
      LOG_LEVEL: "silent",
      // The Slack roles name this id: another adapter's principal with the same text must not inherit it.
      ROLE_ADMINS: "U0ADMIN",
    }),
    keyPrefix: `${prefix}app:`,
    identities: { teams },
  });
  after(async () => {
    await app.close();
    await cleanup();
  });
  const run = (source: string, id: string, text: string) =>
    app.dispatcher.dispatch({ actor: { id, name: id, source }, text, requestId: `identity-${source}-${id}` });

  test("a principal the adapter does not map is refused even a read, and the refusal is audited", async () => {
    const refused = await run("teams", "mallory@example.com", "list");
    assert.equal(refused.outcome, "refused");
    assert.match(refused.summary, /needs the viewer role on cluster default; you have no role there/);
    const [entry] = await app.audit.query({ limit: 1 });
    assert.equal(entry?.source, "teams");
    assert.equal(entry?.errorCode, "FORBIDDEN");
  });

  test("a principal the adapter maps gets exactly that role", async () => {
    const whoami = await run("teams", "otto@example.com", "whoami");
    assert.match(JSON.stringify(whoami.parts), /"default","operator"/);
    assert.equal((await run("teams", "otto@example.com", "list")).outcome, "succeeded");
  });

  test("an adapter with no identity registered: every user has no role, whatever the id looks like", async () => {
    for (const id of ["U0ADMIN", "local:root", "anyone"]) {
      const refused = await run("web", id, "list");
      assert.equal(refused.outcome, "refused", id);
    }
    assert.match(JSON.stringify((await run("web", "U0ADMIN", "whoami")).parts), /"default","none"/);
    // The same id through Slack is the admin the config names.
    assert.match(JSON.stringify((await run("slack", "U0ADMIN", "whoami")).parts), /"default","admin"/);
  });
});
