// needs: bed
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Producer, stringSerializers } from "@platformatic/kafka";
import { pino } from "pino";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { ConnectClient } from "../src/connect/connect-client.js";
import type { Actor } from "../src/core/command-spec.js";
import { platformaticOptions } from "../src/kafka/kafka-connection.js";
import { renderText } from "../src/shell/render-text.js";
import { type SecuredTestBed, startSecuredTestBed } from "./kafka/secured-test-bed.js";
import { testRedis } from "./support/redis-prefix.js";
import { eventually, uniqueName } from "./support/test-bed-env.js";

const operator: Actor = { id: "U0OPER", name: "otto", source: "slack" };
const root = join(import.meta.dirname, "..");

/**
 * Everything a production cluster asks of the bot, against a broker and worker that really ask it: Kafka over
 * SASL_SSL (SCRAM-SHA-512, PLAIN, OAUTHBEARER) with the broker's name checked against its certificate, Connect
 * over HTTPS with a client certificate and basic auth. The bed is this file's own (the shared one is plain).
 */
describe("secured clusters: Kafka over SASL_SSL, Connect over mTLS and basic auth", () => {
  const { prefix, cleanup } = testRedis("secured");
  let bed: SecuredTestBed;
  let dir: string;
  let calls = 0;
  const apps: App[] = [];

  /** A bot configured the way an operator would write it: a YAML file, secrets in the environment. */
  const startBot = (
    kafka: string,
    connect: string,
    env: Record<string, string> = {},
    brokers = bed.saslSslBootstrapServers,
    logged: string[] = [],
  ): App => {
    const { caFile, clientCertFile, clientKeyFile } = bed.certificates;
    const file = `
alerts:
  pollInterval: 1s
  thresholds: { lagMessages: 10, lagClearMessages: 5, sustain: 1s, stalled: 10m, fallingBehind: 10m, paused: 10m }
clusters:
  - name: secure
    connect:
      url: ${bed.connectHttpsUrl}
      caFile: ${caFile}
      certFile: ${clientCertFile}
      keyFile: ${clientKeyFile}
      ${connect}
    kafka:
      brokers: ["${brokers}"]
      securityProtocol: SASL_SSL
      ${kafka}
    roles: { operator: [${operator.id}] }
`;
    const app = createApp({
      config: loadConfig(
        {
          CONFIG_FILE: "secure.yaml",
          LOG_LEVEL: "silent",
          SECURE_KAFKA_PASSWORD: bed.user.password,
          SECURE_CONNECT_PASSWORD: bed.user.password,
          ...env,
        },
        (path) => (path === "secure.yaml" ? file : readFileSync(path, "utf8")),
      ),
      keyPrefix: `${prefix}${++calls}:`,
      logger: pino({ level: "trace" }, { write: (line: string) => void logged.push(line) }),
    });
    apps.push(app);
    return app;
  };
  const scram = `sasl: { mechanism: SCRAM-SHA-512, username: ${"connect-ops"}, passwordEnv: SECURE_KAFKA_PASSWORD }\n      tls: { caFile: CA }`;
  const basicAuth = "username: connect-ops\n      passwordEnv: SECURE_CONNECT_PASSWORD";
  const withCa = (kafka: string, ca = bed.certificates.caFile) => kafka.replace("CA", ca);
  const say = async (app: App, text: string) =>
    renderText(await app.dispatcher.dispatch({ actor: operator, text, requestId: `secured-${++calls}` }));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "secured-"));
    bed = await startSecuredTestBed({
      kafkaVersion: process.env.KAFKA_VERSION ?? "4.1.1",
      workDir: join(root, ".test-bed", "secured"),
    });
  });
  after(async () => {
    for (const app of apps) await app.close();
    await bed?.stop();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("lag, an offsets plan and a lag alert, all read through SASL_SSL with SCRAM-SHA-512", async () => {
    const app = startBot(withCa(scram), basicAuth);
    const cluster = app.clusters[0] ?? assert.fail("no cluster");
    const topic = uniqueName("secure-topic");
    const connector = uniqueName("secure-sink");
    // Written through the same factory and settings the bot uses.
    const producer = new Producer({
      ...platformaticOptions(
        {
          brokers: [bed.saslSslBootstrapServers],
          security: {
            protocol: "SASL_SSL",
            sasl: { mechanism: "SCRAM-SHA-512", username: bed.user.name, password: bed.user.password },
            tls: { ca: await readFile(bed.certificates.caFile, "utf8") },
          },
        },
        { clientId: "secured-test" },
      ),
      serializers: stringSerializers,
      autocreateTopics: true,
    });
    const write = (count: number, from: number) =>
      producer.send({
        messages: Array.from({ length: count }, (_, i) => ({ topic, value: `m-${from + i}` })),
      });
    await write(5, 0);
    await cluster.connect.putConfig(connector, {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: topic,
      file: join(dir, `${connector}.txt`),
    });
    await eventually("the sink to commit 5", async () =>
      (await cluster.connect.offsets(connector)).offsets[0]?.offset?.kafka_offset === 5 ? true : undefined,
    );
    await cluster.connect.stop(connector);
    await eventually("STOPPED", async () =>
      (await cluster.connect.status(connector)).connector.state === "STOPPED" ? true : undefined,
    );
    await write(20, 5);
    await producer.close();

    assert.match(await say(app, `lag ${connector}`), /20/);
    const lag = await cluster.lag.lag(connector, { topics: topic });
    assert.deepEqual(
      lag.partitions.map((p) => [p.committed, p.logEnd, p.lag]),
      [[5, 25, 20]],
    );

    const plan = await say(app, `offsets reset ${connector} --to-earliest --reason "replay over SASL_SSL"`);
    assert.match(plan, /5\s*→\s*0/, plan);

    await app.alerts.poll();
    await sleep(1_200);
    await app.alerts.poll();
    const firing = await app.alerts.firing("secure");
    assert.ok(
      firing.some((alert) => alert.rule === "lag-high" && alert.connector === connector),
      JSON.stringify(firing),
    );
  });

  test("SCRAM-SHA-256, PLAIN and OAUTHBEARER (a token file, and a token command) open a session too", async () => {
    const token = join(dir, "token.jwt");
    const claims = {
      sub: "connect-ops",
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 3600,
    };
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    await writeFile(token, `${part({ alg: "none" })}.${part(claims)}.\n`);
    const ca = `tls: { caFile: ${bed.certificates.caFile} }`;
    for (const kafka of [
      `sasl: { mechanism: SCRAM-SHA-256, username: connect-ops, passwordEnv: SECURE_KAFKA_PASSWORD }\n      ${ca}`,
      `sasl: { mechanism: PLAIN, username: connect-ops, passwordEnv: SECURE_KAFKA_PASSWORD }\n      ${ca}`,
      `sasl: { mechanism: OAUTHBEARER, tokenFile: ${token} }\n      ${ca}`,
      `sasl: { mechanism: OAUTHBEARER, tokenCommand: "cat ${token}" }\n      ${ca}`,
    ]) {
      const app = startBot(kafka, basicAuth);
      const lag = await app.clusters[0]?.lag.lagOfSinks([]);
      assert.equal(lag?.size, 0, kafka);
      assert.doesNotMatch(await say(app, "lag"), /authentication failed|not trusted|No Kafka broker/, kafka);
    }
  });

  test("a wrong Kafka password: authentication failed, with the mechanism and user, never the password", async () => {
    const wrong = "not-the-password-1234";
    const logged: string[] = [];
    const app = startBot(withCa(scram), basicAuth, { SECURE_KAFKA_PASSWORD: wrong }, undefined, logged);
    const reply = await say(app, "lag");
    assert.match(reply, /authentication failed for SCRAM-SHA-512 user "connect-ops"/, reply);
    assert.ok(!reply.includes(wrong) && !reply.includes(bed.user.password), reply);
    assert.ok(logged.length > 0, "the failure was logged");
    assert.ok(
      !logged.some((line) => line.includes(wrong) || line.includes(bed.user.password)),
      logged.join(""),
    );
  });

  test("a CA that did not sign the broker's certificate: not trusted, naming the CA file", async () => {
    const app = startBot(withCa(scram, bed.certificates.otherCaFile), basicAuth);
    const reply = await say(app, "lag");
    assert.match(reply, /certificate is not trusted/, reply);
    assert.ok(reply.includes(bed.certificates.otherCaFile), reply);
  });

  test("no broker listening: broker unreachable, in words", async () => {
    const app = startBot(withCa(scram), basicAuth, {}, "localhost:1");
    const reply = await say(app, "lag");
    assert.match(reply, /No Kafka broker answered \(localhost:1\)/, reply);
  });

  test("Connect over HTTPS needs the client certificate; the wrong password or a token is 'unauthorised' in words", async () => {
    const { caFile, clientCertFile, clientKeyFile } = bed.certificates;
    const pem = (path: string) => readFile(path, "utf8");
    const client = (options: Partial<ConstructorParameters<typeof ConnectClient>[0]>) =>
      new ConnectClient({
        cluster: "secure",
        url: bed.connectHttpsUrl,
        retry: { maxAttempts: 1 },
        ...options,
      });

    const good = client({
      caCertificate: await pem(caFile),
      certificate: await pem(clientCertFile),
      key: await pem(clientKeyFile),
      username: bed.user.name,
      password: bed.user.password,
    });
    assert.equal((await good.workerInfo()).version.length > 0, true);
    await good.close();

    const noCertificate = client({
      caCertificate: await pem(caFile),
      username: bed.user.name,
      password: bed.user.password,
    });
    await assert.rejects(noCertificate.workerInfo(), (error: Error) =>
      /requires a client certificate/.test(error.message),
    );
    await noCertificate.close();

    const otherCa = client({
      caCertificate: await pem(bed.certificates.otherCaFile),
      certificate: await pem(clientCertFile),
      key: await pem(clientKeyFile),
    });
    await assert.rejects(otherCa.workerInfo(), /the worker's TLS certificate is not trusted/);
    await otherCa.close();

    // The client certificate gets through TLS; the basic-auth extension still wants a user.
    const certificateOnly = client({
      caCertificate: await pem(caFile),
      certificate: await pem(clientCertFile),
      key: await pem(clientKeyFile),
    });
    await assert.rejects(
      certificateOnly.workerInfo(),
      (error: Error & { code?: string }) => error.code === "CONNECT_UNAUTHORIZED",
    );
    await certificateOnly.close();

    const app = startBot(withCa(scram), "username: connect-ops\n      passwordEnv: SECURE_CONNECT_PASSWORD", {
      SECURE_CONNECT_PASSWORD: "wrong-connect-password",
    });
    const reply = await say(app, "list");
    assert.match(reply, /unauthorised/, reply);
    assert.ok(!reply.includes("wrong-connect-password"), reply);

    const tokenApp = startBot(withCa(scram), "tokenEnv: SECURE_CONNECT_TOKEN", {
      SECURE_CONNECT_TOKEN: "secret-token-abc",
    });
    const tokenReply = await say(tokenApp, "list");
    assert.match(tokenReply, /unauthorised/, tokenReply);
    assert.ok(!tokenReply.includes("secret-token-abc"), tokenReply);
  });
});
