import type { ChildProcess } from "node:child_process";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import {
  canConnect,
  freePorts,
  logging,
  properties,
  resolveJars,
  startJava,
  terminate,
  waitFor,
} from "./test-bed.js";

const run = promisify(execFile);

/** Two JVMs on a shared 2-core machine can take minutes to start; a test bed that never starts still fails. */
const startTimeoutMs = 300_000;

/** Every key store and trust store of the secured bed is locked with this (they live in a temp dir). */
const storePassword = "test-bed-store";

/** PEM files made at start: a CA, the brokers' and worker's certificate, a client certificate, and a CA nobody uses. */
export interface TestCertificates {
  /** The CA that signed the broker's, worker's and client's certificates. */
  readonly caFile: string;
  /** A CA that signed nothing here: trusting only it must fail. */
  readonly otherCaFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

/**
 * A single-node broker with a SASL_SSL listener (SCRAM-SHA-512 and -256, PLAIN and OAUTHBEARER; the SCRAM user is
 * created at format time) next to its PLAINTEXT one, and a Connect worker whose REST API is served over HTTPS that requires
 * a client certificate and, on both its listeners, Connect's basic-auth extension (`BasicAuthSecurityRestExtension`
 * with a JAAS `PropertyFileLoginModule`). The worker itself reaches Kafka over PLAINTEXT: what is under test is
 * how the bot reaches each of them.
 */
export interface SecuredTestBed {
  /** `localhost:<port>`: the broker's certificate names localhost and 127.0.0.1, so names are checked. */
  readonly saslSslBootstrapServers: string;
  readonly plaintextBootstrapServers: string;
  /** HTTPS, client certificate required, plus basic auth. */
  readonly connectHttpsUrl: string;
  /** HTTP with basic auth only. */
  readonly connectHttpUrl: string;
  readonly certificates: TestCertificates;
  /** The SCRAM and PLAIN user on the broker, and Connect's basic-auth user. */
  readonly user: { readonly name: string; readonly password: string };
  readonly logFiles: readonly string[];
  stop(): Promise<void>;
}

export async function startSecuredTestBed(options: {
  readonly kafkaVersion: string;
  readonly workDir: string;
}): Promise<SecuredTestBed> {
  const workDir = resolve(options.workDir);
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  const { classpath, pluginDir } = await resolveJars(options.kafkaVersion, workDir, { secured: true });
  const certificates = await makeCertificates(join(workDir, "tls"));
  const stores = join(workDir, "tls");
  const user = { name: "connect-ops", password: randomBytes(12).toString("hex") };

  const ports = await freePorts(["plaintext", "saslSsl", "controller", "https", "http"]);
  const tlsServer = {
    "ssl.keystore.type": "PKCS12",
    "ssl.keystore.location": join(stores, "server.p12"),
    "ssl.keystore.password": storePassword,
    "ssl.truststore.type": "PKCS12",
    "ssl.truststore.location": join(stores, "truststore.p12"),
    "ssl.truststore.password": storePassword,
  };
  const processes: ChildProcess[] = [];
  const logFiles: string[] = [];
  const stop = async () => {
    for (const child of processes.reverse()) await terminate(child);
  };
  try {
    const brokerConfig = join(workDir, "broker.properties");
    const listenerTls = Object.fromEntries(
      Object.entries(tlsServer).map(([key, value]) => [`listener.name.sasl_ssl.${key}`, value]),
    );
    await writeFile(
      brokerConfig,
      properties({
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": `1@127.0.0.1:${ports.controller}`,
        listeners: `PLAINTEXT://127.0.0.1:${ports.plaintext},SASL_SSL://127.0.0.1:${ports.saslSsl},CONTROLLER://127.0.0.1:${ports.controller}`,
        "advertised.listeners": `PLAINTEXT://127.0.0.1:${ports.plaintext},SASL_SSL://localhost:${ports.saslSsl}`,
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
        "listener.name.sasl_ssl.sasl.enabled.mechanisms": "SCRAM-SHA-512,SCRAM-SHA-256,PLAIN,OAUTHBEARER",
        "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config":
          "org.apache.kafka.common.security.scram.ScramLoginModule required;",
        "listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config":
          "org.apache.kafka.common.security.scram.ScramLoginModule required;",
        "listener.name.sasl_ssl.plain.sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required user_${user.name}="${user.password}";`,
        // Kafka's unsecured OAUTHBEARER validator accepts an unsigned JWT with a `sub`: enough to test the token plumbing.
        "listener.name.sasl_ssl.oauthbearer.sasl.jaas.config":
          "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;",
        ...listenerTls,
        "log.dirs": join(workDir, "kafka-data"),
        "num.partitions": "1",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "3",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
      }),
    );
    await run("java", [
      ...logging,
      "-cp",
      classpath,
      "kafka.tools.StorageTool",
      "format",
      "-t",
      clusterId(),
      "-c",
      brokerConfig,
      "--add-scram",
      `SCRAM-SHA-512=[name=${user.name},password=${user.password}]`,
      "--add-scram",
      `SCRAM-SHA-256=[name=${user.name},password=${user.password}]`,
    ]);
    const brokerLog = join(workDir, "broker.log");
    logFiles.push(brokerLog);
    processes.push(startJava([...logging, "kafka.Kafka", brokerConfig], classpath, brokerLog));
    await waitFor(
      "secured Kafka broker",
      brokerLog,
      () => canConnect(ports.saslSsl),
      processes[0],
      startTimeoutMs,
    );
    await waitFor(
      "secured Kafka broker",
      brokerLog,
      () => canConnect(ports.plaintext),
      processes[0],
      startTimeoutMs,
    );

    const jaas = join(workDir, "connect.jaas");
    const users = join(workDir, "connect-users.properties");
    await writeFile(users, `${user.name}: ${user.password}\n`);
    await writeFile(
      jaas,
      `KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file="${users}";\n};\n`,
    );
    const workerConfig = join(workDir, "connect-distributed.properties");
    const httpsTls = Object.fromEntries(
      Object.entries(tlsServer).map(([key, value]) => [`listeners.https.${key}`, value]),
    );
    await writeFile(
      workerConfig,
      properties({
        "bootstrap.servers": `127.0.0.1:${ports.plaintext}`,
        "group.id": "connect-ops-secured-bed",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        "config.storage.topic": "_connect-configs",
        "offset.storage.topic": "_connect-offsets",
        "status.storage.topic": "_connect-status",
        "config.storage.replication.factor": "1",
        "offset.storage.replication.factor": "1",
        "offset.storage.partitions": "1",
        "status.storage.replication.factor": "1",
        "status.storage.partitions": "1",
        "offset.flush.interval.ms": "1000",
        listeners: `https://127.0.0.1:${ports.https},http://127.0.0.1:${ports.http}`,
        ...httpsTls,
        "listeners.https.ssl.client.auth": "required",
        "rest.advertised.listener": "http",
        "rest.advertised.host.name": "127.0.0.1",
        "rest.advertised.port": String(ports.http),
        "rest.extension.classes":
          "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension",
        "plugin.path": pluginDir,
        "scheduled.rebalance.max.delay.ms": "0",
      }),
    );
    const connectLog = join(workDir, "connect.log");
    logFiles.push(connectLog);
    const worker = startJava(
      [
        ...logging,
        `-Djava.security.auth.login.config=${jaas}`,
        "org.apache.kafka.connect.cli.ConnectDistributed",
        workerConfig,
      ],
      classpath,
      connectLog,
    );
    processes.push(worker);
    const connectHttpUrl = `http://127.0.0.1:${ports.http}`;
    const authorization = `Basic ${Buffer.from(`${user.name}:${user.password}`).toString("base64")}`;
    await waitFor(
      "secured Connect worker",
      connectLog,
      async () => {
        try {
          const answer = await fetch(`${connectHttpUrl}/connectors`, {
            headers: { authorization },
            signal: AbortSignal.timeout(2000),
          });
          return answer.ok;
        } catch {
          return false;
        }
      },
      worker,
      startTimeoutMs,
    );
    return {
      saslSslBootstrapServers: `localhost:${ports.saslSsl}`,
      plaintextBootstrapServers: `127.0.0.1:${ports.plaintext}`,
      connectHttpsUrl: `https://localhost:${ports.https}`,
      connectHttpUrl,
      certificates,
      user,
      logFiles,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A KRaft cluster id (16 random bytes, base64url) that does not start with '-', which the tool would take for a flag. */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

/**
 * With openssl: a CA; a server certificate for localhost and 127.0.0.1 (the broker's and the worker's), in a
 * PKCS12 key store; the CA in a PKCS12 trust store (made by the JDK's keytool, which Jetty and Kafka both read);
 * a client certificate signed by the CA; and a second CA that signed nothing.
 */
export async function makeCertificates(dir: string): Promise<TestCertificates> {
  await mkdir(dir, { recursive: true });
  const file = (name: string) => join(dir, name);
  const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const ca = async (name: string, subject: string) =>
    run("openssl", [
      "req",
      "-x509",
      ...ecKey,
      "-keyout",
      file(`${name}.key`),
      "-out",
      file(`${name}.pem`),
      "-days",
      "2",
      "-subj",
      subject,
    ]);
  const signed = async (name: string, subject: string, extensions: string) => {
    await run("openssl", [
      "req",
      ...ecKey,
      "-keyout",
      file(`${name}.key`),
      "-out",
      file(`${name}.csr`),
      "-subj",
      subject,
    ]);
    await writeFile(file(`${name}.ext`), `${extensions}\n`);
    await run("openssl", [
      "x509",
      "-req",
      "-in",
      file(`${name}.csr`),
      "-CA",
      file("ca.pem"),
      "-CAkey",
      file("ca.key"),
      "-CAcreateserial",
      "-out",
      file(`${name}.pem`),
      "-days",
      "2",
      "-extfile",
      file(`${name}.ext`),
    ]);
  };
  await ca("ca", "/CN=connect-ops test CA");
  await ca("other-ca", "/CN=some other CA");
  await signed(
    "server",
    "/CN=localhost",
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth",
  );
  await signed("client", "/CN=connect-ops", "extendedKeyUsage=clientAuth");
  await run("openssl", [
    "pkcs12",
    "-export",
    "-in",
    file("server.pem"),
    "-inkey",
    file("server.key"),
    "-certfile",
    file("ca.pem"),
    "-name",
    "server",
    "-out",
    file("server.p12"),
    "-passout",
    `pass:${storePassword}`,
  ]);
  await run("keytool", [
    "-importcert",
    "-noprompt",
    "-alias",
    "ca",
    "-file",
    file("ca.pem"),
    "-keystore",
    file("truststore.p12"),
    "-storetype",
    "PKCS12",
    "-storepass",
    storePassword,
  ]);
  // Sanity: the CA really signed the server certificate (a wrong openssl call would otherwise surface as a
  // confusing TLS failure in a test).
  await run("openssl", ["verify", "-CAfile", file("ca.pem"), file("server.pem")]);
  return {
    caFile: file("ca.pem"),
    otherCaFile: file("other-ca.pem"),
    clientCertFile: file("client.pem"),
    clientKeyFile: file("client.key"),
  };
}
