// needs: pure
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { bearerTokenSource } from "../src/kafka/kafka-connection.js";

const jwt = (claims: object) =>
  `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.`;

describe("OAUTHBEARER tokens: kept until shortly before they expire, then read again", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "bearer-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test("a token file is re-read once its token is within a minute of its exp, not before", async () => {
    const file = join(dir, "token");
    let now = 1_000_000_000_000;
    const first = jwt({ sub: "bot", exp: now / 1000 + 600 });
    await writeFile(file, `${first}\n`);
    const token = bearerTokenSource({ file }, () => now);
    assert.equal(await token(), first);

    const second = jwt({ sub: "bot", exp: now / 1000 + 1200 });
    await writeFile(file, second);
    now += 500_000; // 100 s left: still good
    assert.equal(await token(), first);
    now += 60_000; // 40 s left: renewed from the file
    assert.equal(await token(), second);
  });

  test("a command's token, and a token that is not a JWT, are fetched each time they are asked for", async () => {
    const file = join(dir, "opaque");
    await writeFile(file, "opaque-1");
    const token = bearerTokenSource({ command: `cat ${file}` });
    assert.equal(await token(), "opaque-1");
    await writeFile(file, "opaque-2");
    assert.equal(await token(), "opaque-2");
    await writeFile(file, "");
    await assert.rejects(token(), /The token command printed nothing/);
  });
});
