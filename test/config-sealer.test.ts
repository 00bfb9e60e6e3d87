// needs: pure
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { ConfigError, loadConfig } from "../src/config/index.js";
import { ConfigSealer, type SealingKey } from "../src/core/config-sealer.js";

const key = (id: string): SealingKey => ({ id, key: randomBytes(32) });
const config = {
  "connector.class": "FileStreamSink",
  "connection.password": "Seal-Me-5521",
  topics: "orders",
};

describe("sealing a saved config's secret settings (AES-256-GCM, key ids)", () => {
  test("only the secret settings are sealed, under the first key, and open again", () => {
    const sealer = new ConfigSealer([key("k1")]);
    const sealed = sealer.seal(config, ["connection.password"]);
    assert.match(sealed["connection.password"] ?? "", /^sealed:v1:k1:/);
    assert.ok(!JSON.stringify(sealed).includes("Seal-Me-5521"));
    assert.equal(sealed.topics, "orders");
    assert.deepEqual(sealer.open(sealed), config);
  });

  test("rotation: a new first key seals, an old one listed after it still opens what it sealed", () => {
    const old = key("old");
    const sealedBefore = new ConfigSealer([old]).seal(config, ["connection.password"]);
    const rotated = new ConfigSealer([key("new"), old]);
    assert.deepEqual(rotated.open(sealedBefore), config);
    assert.match(
      rotated.seal(config, ["connection.password"])["connection.password"] ?? "",
      /^sealed:v1:new:/,
    );
  });

  test("a value under a key no longer listed, altered, or moved to another setting is left out, never garbage", () => {
    const k1 = key("k1");
    const sealed = new ConfigSealer([k1]).seal(config, ["connection.password"]);
    assert.equal(new ConfigSealer([key("k2")]).open(sealed)["connection.password"], undefined);
    const value = sealed["connection.password"] ?? "";
    const flipped = `${value.slice(0, -4)}${value.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
    assert.equal(
      new ConfigSealer([k1]).open({ ...sealed, "connection.password": flipped })["connection.password"],
      undefined,
    );
    assert.equal(new ConfigSealer([k1]).open({ "database.password": value })["database.password"], undefined);
  });

  test("without a key, secret settings are left out and the others kept", () => {
    const sealer = new ConfigSealer();
    assert.equal(sealer.canSeal, false);
    assert.deepEqual(sealer.seal(config, ["connection.password"]), {
      "connector.class": "FileStreamSink",
      topics: "orders",
    });
  });

  test("SNAPSHOT_KEYS: id:base64 pairs, each 32 bytes; anything else stops the bot at start saying how to make one", () => {
    const good = `a:${randomBytes(32).toString("base64")},b:${randomBytes(32).toString("base64")}`;
    assert.deepEqual(
      loadConfig({ SNAPSHOT_KEYS: good }).snapshotKeys.map((k) => k.id),
      ["a", "b"],
    );
    assert.throws(
      () => loadConfig({ SNAPSHOT_KEYS: `a:${randomBytes(16).toString("base64")}` }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /SNAPSHOT_KEYS/.test(error.message) &&
        /openssl rand/.test(error.message),
    );
  });
});
