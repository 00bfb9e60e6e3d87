// needs: redis
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { loadConfig } from "../src/config/index.js";
import { createRedis } from "../src/redis-connection.js";
import { makeCertificates, type TestCertificates } from "./kafka/secured-test-bed.js";
import { canConnect, freePorts } from "./kafka/test-bed.js";
import { eventually } from "./support/test-bed-env.js";

/** Redis as managed services run it: TLS only, no default user, an ACL user with a password. */
describe("Redis over TLS with an ACL user (rediss://)", () => {
  let dir: string;
  let certificates: TestCertificates;
  let server: ChildProcess;
  let port: number;
  const password = "acl-password-7f3a";

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "redis-tls-"));
    certificates = await makeCertificates(join(dir, "tls"));
    ({ port } = await freePorts(["port"]));
    const tls = join(dir, "tls");
    server = spawn(
      "redis-server",
      [
        "--port",
        "0",
        "--tls-port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--tls-cert-file",
        join(tls, "server.pem"),
        "--tls-key-file",
        join(tls, "server.key"),
        "--tls-auth-clients",
        "no",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--user",
        "default",
        "off",
        "--user",
        "connect-ops",
        "on",
        `>${password}`,
        "~*",
        "&*",
        "+@all",
      ],
      { stdio: "ignore" },
    );
    await eventually("Redis to listen for TLS", async () => ((await canConnect(port)) ? true : undefined));
  });
  after(async () => {
    if (server.exitCode === null) {
      const exited = once(server, "exit");
      server.kill("SIGTERM");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  const connectWith = async (env: Record<string, string>) => {
    const config = loadConfig({ LOG_LEVEL: "silent", ...env });
    const redis = createRedis(config.redis, { lazyConnect: true, maxRetriesPerRequest: 0 });
    const errors: Error[] = [];
    redis.on("error", (error: Error) => errors.push(error));
    try {
      await redis.connect();
      await redis.set("redis-tls-test", "ok", "EX", 60);
      return { value: await redis.get("redis-tls-test"), errors };
    } catch (error) {
      // ioredis rejects with "Connection is closed"; the reason is in its error events.
      return { error: errors[0] ?? (error as Error), errors };
    } finally {
      redis.disconnect();
    }
  };

  test("the CA from REDIS_CA_FILE and the user and password from the URL: connected", async () => {
    const result = await connectWith({
      REDIS_URL: `rediss://connect-ops:${password}@localhost:${port}/0`,
      REDIS_CA_FILE: certificates.caFile,
    });
    assert.equal(result.value, "ok", String(result.error));
  });

  test("a CA that did not sign the server's certificate is refused", async () => {
    const result = await connectWith({
      REDIS_URL: `rediss://connect-ops:${password}@localhost:${port}/0`,
      REDIS_CA_FILE: certificates.otherCaFile,
    });
    assert.match(String(result.error ?? result.errors[0]), /certificate/i);
  });

  test("a wrong password is refused", async () => {
    const result = await connectWith({
      REDIS_URL: `rediss://connect-ops:wrong@localhost:${port}/0`,
      REDIS_CA_FILE: certificates.caFile,
    });
    assert.match(String(result.error ?? result.errors[0]), /WRONGPASS|invalid username-password/i);
  });
});
