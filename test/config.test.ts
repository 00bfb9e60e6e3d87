// needs: pure
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { parse as parseYaml } from "yaml";
import { ConfigError, configFileFields, environmentVariables, loadConfig } from "../src/config/index.js";

const noFiles = (path: string): string => {
  throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
};
const files =
  (contents: Record<string, string>) =>
  (path: string): string =>
    contents[path] ?? noFiles(path);

describe("configuration", () => {
  test("with nothing set, the bot targets Connect and Kafka on this host", () => {
    const config = loadConfig({}, noFiles);
    assert.equal(config.clusters.length, 1);
    assert.equal(config.clusters[0]?.connect.url, "http://localhost:8083");
    assert.deepEqual(config.clusters[0]?.kafka.brokers, ["localhost:9092"]);
    assert.deepEqual(config.redis, { url: "redis://127.0.0.1:6379" });
    assert.deepEqual(config.slack, {});
  });

  test("the one-cluster shortcut reads CONNECT_URL, KAFKA_BROKERS, auth and the CA file", () => {
    const config = loadConfig(
      {
        CONNECT_URL: "https://connect:8443",
        KAFKA_BROKERS: "k1:9092, k2:9092",
        CONNECT_USERNAME: "ops",
        CONNECT_PASSWORD: "s3cret",
        CONNECT_CA_FILE: "/ca.pem",
        SLACK_BOT_TOKEN: "",
      },
      files({ "/ca.pem": "-----BEGIN CERTIFICATE-----" }),
    );
    const cluster = config.clusters[0];
    assert.deepEqual(cluster?.kafka.brokers, ["k1:9092", "k2:9092"]);
    assert.equal(cluster?.connect.password, "s3cret");
    assert.equal(cluster?.connect.caCertificate, "-----BEGIN CERTIFICATE-----");
    assert.equal(config.slack.botToken, undefined, "an empty variable counts as unset");
  });

  test("an invalid variable fails at start with its name and what was expected", () => {
    assert.throws(
      () => loadConfig({ CONNECT_URL: "localhost:8083" }, noFiles),
      (error: Error) =>
        error instanceof ConfigError &&
        /CONNECT_URL/.test(error.message) &&
        /\.env\.example/.test(error.message),
    );
    assert.throws(() => loadConfig({ KAFKA_BROKERS: "kafka" }, noFiles), /KAFKA_BROKERS[\s\S]*host:port/);
    assert.throws(() => loadConfig({ SLACK_BOT_TOKEN: "xoxp-user-token" }, noFiles), /SLACK_BOT_TOKEN/);
  });

  test("the one-cluster shortcut is the file's document: the same settings, written either way, give the same config", () => {
    const pem = files({
      "/ca.pem": "CA",
      "/c.yaml": [
        "unknownUsersAreViewers: true",
        "auditChannel: C0AUDIT",
        "approvalExpiry: 2h",
        "alerts: { channel: C0ALERTS, pollInterval: 10s }",
        "clusters:",
        "  - name: default",
        "    default: true",
        "    connect: { url: 'https://connect:8443', tokenEnv: GATEWAY_TOKEN, caFile: /ca.pem }",
        "    kafka:",
        "      brokers: ['k1:9092', 'k2:9092']",
        "      securityProtocol: SASL_SSL",
        "      sasl: { mechanism: PLAIN, username: ops, passwordEnv: KAFKA_PW }",
        "      workerConsumer: { isolationLevel: read_committed }",
        "    roles: { operator: [U1, S2] }",
        "    approvals: { required: [stop, delete], approvers: 2 }",
      ].join("\n"),
    });
    const fromFile = loadConfig({ CONFIG_FILE: "/c.yaml", GATEWAY_TOKEN: "tok", KAFKA_PW: "pw" }, pem);
    const fromEnvironment = loadConfig(
      {
        CONNECT_TOKEN: "tok",
        KAFKA_SASL_PASSWORD: "pw",
        UNKNOWN_USERS_ARE_VIEWERS: "true",
        AUDIT_CHANNEL: "C0AUDIT",
        APPROVAL_EXPIRY: "2h",
        ALERTS_CHANNEL: "C0ALERTS",
        ALERT_POLL_INTERVAL: "10s",
        CONNECT_URL: "https://connect:8443",
        CONNECT_CA_FILE: "/ca.pem",
        KAFKA_BROKERS: "k1:9092,k2:9092",
        KAFKA_SECURITY_PROTOCOL: "SASL_SSL",
        KAFKA_SASL_MECHANISM: "PLAIN",
        KAFKA_SASL_USERNAME: "ops",
        KAFKA_WORKER_ISOLATION_LEVEL: "read_committed",
        ROLE_OPERATORS: "U1,S2",
        APPROVALS_REQUIRED: "stop,delete",
        APPROVERS_NEEDED: "2",
      },
      pem,
    );
    assert.deepEqual(fromEnvironment, fromFile);
    assert.equal(fromEnvironment.clusters[0]?.kafka.security?.sasl?.mechanism, "PLAIN");
    // A setting the schema requires, left unset beside its siblings, is named by its variable.
    assert.throws(
      () => loadConfig({ KAFKA_SASL_USERNAME: "ops" }, noFiles),
      /Invalid KAFKA_SASL_MECHANISM \(not set\)/,
    );
  });

  test("a YAML file names several clusters; passwords come from the variable it names", () => {
    const yaml = [
      "clusters:",
      "  - name: prod",
      "    connect: { url: 'https://connect.prod:8083', username: ops, passwordEnv: PROD_PASSWORD }",
      "    kafka: { brokers: ['k1:9092'] }",
      "  - name: staging",
      "    default: true",
      "    connect: { url: 'http://connect.staging:8083' }",
      "    kafka: { brokers: ['k2:9092'] }",
    ].join("\n");
    const config = loadConfig({ CONFIG_FILE: "/c.yaml", PROD_PASSWORD: "pw" }, files({ "/c.yaml": yaml }));
    assert.deepEqual(
      config.clusters.map((c) => [c.name, c.isDefault, c.connect.password ?? null]),
      [
        ["prod", false, "pw"],
        ["staging", true, null],
      ],
    );
  });

  test("a password written into the YAML file is refused, and so is a missing password variable", () => {
    const yaml = (connect: string) =>
      `clusters:\n  - name: prod\n    connect: ${connect}\n    kafka: { brokers: ['k1:9092'] }\n`;
    assert.throws(
      () =>
        loadConfig(
          { CONFIG_FILE: "/c.yaml" },
          files({ "/c.yaml": yaml("{ url: 'http://c:8083', password: x }") }),
        ),
      /Unrecognized key: "password"[\s\S]*clusters\[0\]\.connect[\s\S]*passwordEnv/,
    );
    assert.throws(
      () =>
        loadConfig(
          { CONFIG_FILE: "/c.yaml" },
          files({ "/c.yaml": yaml("{ url: 'http://c:8083', passwordEnv: NOPE }") }),
        ),
      /NOPE.*not set/,
    );
    assert.throws(
      () => loadConfig({ CONFIG_FILE: "/missing.yaml" }, noFiles),
      /Cannot read CONFIG_FILE \/missing\.yaml/,
    );
  });

  test("a grant may hold on connector patterns; plain ids beside it keep holding on the whole cluster", () => {
    const yaml = (roles: string) =>
      [
        "clusters:",
        "  - name: prod",
        "    connect: { url: 'http://c:8083' }",
        "    kafka: { brokers: ['k:9092'] }",
        `    roles: ${roles}`,
      ].join("\n");
    const load = (roles: string) => loadConfig({ CONFIG_FILE: "/c.yaml" }, files({ "/c.yaml": yaml(roles) }));
    const config = load(
      '{ operator: [U1, { principals: [S0PAYMENTS], connectors: ["payments-*"] }, { principals: [U2] }] }',
    );
    assert.deepEqual(config.clusters[0]?.roles.operator, [
      { principals: ["U1"] },
      { principals: ["S0PAYMENTS"], connectors: ["payments-*"] },
      { principals: ["U2"] },
    ]);
    assert.throws(
      () => load("{ operator: [{ principals: [S0PAYMENTS], connectors: [] }] }"),
      /name at least one connector pattern, or leave `connectors` out for the whole cluster/,
    );
    assert.throws(
      () => load("{ operator: [{ principals: [], connectors: [a-*] }] }"),
      /name at least one Slack/,
    );
    assert.throws(() => load("{ operator: [{ principals: [U1], connector: [a-*] }] }"), /connector/);
  });

  test("roles come from ROLE_* for one cluster and per cluster from the file; channels pick a default cluster", () => {
    const single = loadConfig(
      { ROLE_OPERATORS: "U1, S2", ROLE_ADMINS: "U9", UNKNOWN_USERS_ARE_VIEWERS: "true" },
      noFiles,
    );
    assert.deepEqual(single.clusters[0]?.roles, {
      viewer: [],
      operator: [{ principals: ["U1", "S2"] }],
      approver: [],
      admin: [{ principals: ["U9"] }],
    });
    assert.equal(single.unknownUsersAreViewers, true);
    assert.throws(
      () => loadConfig({ ROLE_ADMINS: "alice" }, noFiles),
      /ROLE_ADMINS: "alice" is not a Slack user id/,
    );

    const yaml = [
      "channels: { C0PROD: prod }",
      "clusters:",
      "  - name: prod",
      "    connect: { url: 'http://c:8083' }",
      "    kafka: { brokers: ['k:9092'] }",
      "    roles: { approver: [U7] }",
    ].join("\n");
    const config = loadConfig({ CONFIG_FILE: "/c.yaml" }, files({ "/c.yaml": yaml }));
    assert.deepEqual(config.clusters[0]?.roles.approver, [{ principals: ["U7"] }]);
    assert.deepEqual(config.channelClusters, { C0PROD: "prod" });
    assert.throws(
      () =>
        loadConfig(
          { CONFIG_FILE: "/c.yaml" },
          files({ "/c.yaml": yaml.replace("C0PROD: prod", "C0PROD: nope") }),
        ),
      /channels\.C0PROD names an unknown cluster "nope"/,
    );
  });

  test("approvals: every destructive command waits for one approver unless the config says otherwise", () => {
    const plain = loadConfig({}, noFiles);
    // A set: its order follows the command registry.
    assert.deepEqual([...(plain.clusters[0]?.approvals.required ?? [])].sort(), [
      "bulk",
      "config restore",
      "config set",
      "create",
      "delete",
      "offsets reset",
      "offsets restore",
      "offsets set",
      "stop",
    ]);
    assert.equal(plain.clusters[0]?.approvals.approvers, 1);
    assert.equal(plain.approvalExpiryMs, 30 * 60_000);

    const relaxed = loadConfig(
      { APPROVALS_REQUIRED: "stop, offsets   reset", APPROVERS_NEEDED: "2", APPROVAL_EXPIRY: "2h" },
      noFiles,
    );
    assert.deepEqual([...(relaxed.clusters[0]?.approvals.required ?? [])], ["stop", "offsets reset"]);
    assert.equal(relaxed.clusters[0]?.approvals.approvers, 2);
    assert.equal(relaxed.approvalExpiryMs, 2 * 3_600_000);
    assert.equal(loadConfig({ APPROVALS_REQUIRED: "none" }, noFiles).clusters[0]?.approvals.required.size, 0);

    assert.throws(
      () => loadConfig({ APPROVALS_REQUIRED: "stop,restart" }, noFiles),
      /APPROVALS_REQUIRED: "restart" is not a destructive command/,
    );
    assert.throws(() => loadConfig({ APPROVAL_EXPIRY: "soon" }, noFiles), /approval expiry "soon"/);
    assert.equal(plain.approvalStartWithinMs, 5 * 60_000, "an approved request waits 5 min for a process");
    assert.equal(loadConfig({ APPROVAL_START_WITHIN: "2m" }, noFiles).approvalStartWithinMs, 120_000);
    assert.throws(
      () => loadConfig({ APPROVAL_START_WITHIN: "1s" }, noFiles),
      /approval start bound "1s": use a duration of at least 10 s/,
    );
    assert.throws(
      () =>
        loadConfig(
          { CONFIG_FILE: "c.yaml" },
          files({
            "c.yaml":
              "clusters:\n  - name: a\n    connect: { url: 'http://c:8083' }\n    kafka: { brokers: ['k:9092'] }\n    approvals: { required: [pause] }\n",
          }),
        ),
      /clusters\[0\]\.approvals\.required\[0\]|approvals/,
    );
  });

  test("alerts: defaults, thresholds and overrides from the file, and a clear error for a bad duration", () => {
    const plain = loadConfig({}, noFiles).alerts;
    assert.equal(plain.pollIntervalMs, 30_000);
    assert.equal(plain.thresholds.lagMessages, 10_000);
    assert.equal(plain.channel, undefined);
    assert.equal(
      loadConfig({ ALERTS_CHANNEL: "C0ALERTS", ALERT_POLL_INTERVAL: "10s" }, noFiles).alerts.pollIntervalMs,
      10_000,
    );

    const cluster =
      "clusters:\n  - name: a\n    connect: { url: 'http://c:8083' }\n    kafka: { brokers: ['k:9092'] }\n";
    const fromFile = loadConfig(
      { CONFIG_FILE: "c.yaml" },
      files({
        "c.yaml": `alerts:\n  channel: C0ALERTS\n  thresholds: { lagMessages: 500, sustain: 2m }\n  overrides:\n    - { connector: "orders-*", lagMinutes: 10 }\n  routes:\n    - { connector: "payments-*", channel: C0PAY }\n${cluster}`,
      }),
    ).alerts;
    assert.equal(fromFile.thresholds.lagMessages, 500);
    assert.equal(fromFile.thresholds.sustainMs, 120_000);
    assert.equal(fromFile.thresholds.stalledMs, 10 * 60_000, "unnamed thresholds keep their defaults");
    assert.deepEqual(fromFile.overrides, [{ pattern: "orders-*", thresholds: { lagMinutes: 10 } }]);
    assert.deepEqual(fromFile.routes, [
      { cluster: "*", connector: "payments-*", rule: "*", channel: "C0PAY", receivers: [] },
    ]);
    assert.throws(
      () =>
        loadConfig(
          { CONFIG_FILE: "c.yaml" },
          files({ "c.yaml": `alerts:\n  thresholds: { sustain: forever }\n${cluster}` }),
        ),
      /sustain: a duration such as 30s/,
    );
    assert.throws(() => loadConfig({ ALERT_POLL_INTERVAL: "often" }, noFiles), /ALERT_POLL_INTERVAL "often"/);
    assert.equal(loadConfig({ ALERT_POLL_INTERVAL: "1s" }, noFiles).alerts.pollIntervalMs, 1_000);
    assert.throws(
      () =>
        loadConfig(
          { CONFIG_FILE: "c.yaml" },
          files({ "c.yaml": `alerts:\n  pollInterval: 1s\n  thresholds: { paused: 1h }\n${cluster}` }),
        ),
      /the longest window needs 3600 polls of 1 s, and the bot keeps 1000 samples/,
    );
  });

  test("a config file with the one-cluster variables set too is refused, naming them", () => {
    const file = files({
      "c.yaml":
        "clusters:\n  - name: a\n    connect: { url: 'http://c:8083' }\n    kafka: { brokers: ['k:9092'] }\n",
    });
    assert.throws(
      () => loadConfig({ CONFIG_FILE: "c.yaml", APPROVERS_NEEDED: "2", KAFKA_BROKERS: "x:9092" }, file),
      /KAFKA_BROKERS, APPROVERS_NEEDED would be ignored/,
    );
    assert.equal(loadConfig({ CONFIG_FILE: "c.yaml", APPROVERS_NEEDED: "" }, file).clusters.length, 1);
  });

  test("Kafka, Connect and Redis security settings: read from the environment, refused when they contradict", () => {
    const pem = files({ "/ca.pem": "CA", "/client.pem": "CERT", "/client.key": "KEY" });
    const config = loadConfig(
      {
        KAFKA_SECURITY_PROTOCOL: "SASL_SSL",
        KAFKA_SASL_MECHANISM: "SCRAM-SHA-256",
        KAFKA_SASL_USERNAME: "ops",
        KAFKA_SASL_PASSWORD: "pw",
        KAFKA_CA_FILE: "/ca.pem",
        KAFKA_CERT_FILE: "/client.pem",
        KAFKA_KEY_FILE: "/client.key",
        CONNECT_URL: "https://connect:8443",
        CONNECT_TOKEN: "tok",
        CONNECT_CERT_FILE: "/client.pem",
        CONNECT_KEY_FILE: "/client.key",
        REDIS_URL: "rediss://bot:pw@ignored:6380/2",
        REDIS_CA_FILE: "/ca.pem",
        REDIS_SENTINELS: "s1:26379, s2:26379",
        REDIS_MASTER_NAME: "main",
      },
      pem,
    );
    const cluster = config.clusters[0];
    assert.deepEqual(cluster?.kafka.security, {
      protocol: "SASL_SSL",
      sasl: { mechanism: "SCRAM-SHA-256", username: "ops", password: "pw" },
      tls: { caFile: "/ca.pem", ca: "CA", certificate: "CERT", key: "KEY" },
    });
    assert.equal(cluster?.connect.token, "tok");
    assert.equal(cluster?.connect.certificate, "CERT");
    assert.deepEqual(config.redis.sentinel, {
      sentinels: [
        { host: "s1", port: 26379 },
        { host: "s2", port: 26379 },
      ],
      masterName: "main",
    });
    const refused = (env: Record<string, string>, message: RegExp) =>
      assert.throws(
        () => loadConfig(env, pem),
        (error: Error) => error instanceof ConfigError && message.test(error.message),
      );
    refused(
      { KAFKA_SECURITY_PROTOCOL: "SASL_SSL" },
      /KAFKA_SECURITY_PROTOCOL is SASL_SSL: set KAFKA_SASL_MECHANISM/,
    );
    refused({ KAFKA_SASL_MECHANISM: "PLAIN" }, /KAFKA_SECURITY_PROTOCOL is PLAINTEXT/);
    refused({ KAFKA_CA_FILE: "/ca.pem" }, /TLS files are set but KAFKA_SECURITY_PROTOCOL is PLAINTEXT/);
    refused(
      { KAFKA_SECURITY_PROTOCOL: "SSL", KAFKA_CERT_FILE: "/client.pem" },
      /KAFKA_CERT_FILE and KAFKA_KEY_FILE go together/,
    );
    refused(
      { KAFKA_SECURITY_PROTOCOL: "SASL_SSL", KAFKA_SASL_MECHANISM: "OAUTHBEARER" },
      /exactly one of KAFKA_OAUTH_TOKEN_FILE and KAFKA_OAUTH_TOKEN_COMMAND/,
    );
    refused({ CONNECT_TOKEN: "t", CONNECT_USERNAME: "u" }, /bearer token or basic auth, not both/);
    refused({ REDIS_SENTINELS: "s1:26379" }, /REDIS_SENTINELS and REDIS_MASTER_NAME go together/);
    refused({ REDIS_CA_FILE: "/ca.pem" }, /REDIS_URL is not rediss/);
    const yaml = (kafka: string) =>
      files({
        "/c.yaml": `clusters:\n  - name: prod\n    connect: { url: 'http://c:8083' }\n    kafka: ${kafka}\n`,
      });
    assert.throws(
      () =>
        loadConfig(
          { CONFIG_FILE: "/c.yaml" },
          yaml(
            "{ brokers: ['k:9093'], securityProtocol: SASL_SSL, sasl: { mechanism: PLAIN, username: u, passwordEnv: KAFKA_PW } }",
          ),
        ),
      /Cluster "prod": kafka.sasl.passwordEnv names KAFKA_PW, but that variable is not set/,
    );
  });

  test("alert receivers: secrets come from the variables named, and a route naming an unknown receiver, a missing variable or a key written into the file is refused", () => {
    const cluster =
      "clusters:\n  - name: a\n    connect: { url: 'http://c:8083' }\n    kafka: { brokers: ['k:9092'] }\n";
    const load = (alerts: string, env: NodeJS.ProcessEnv = {}) =>
      loadConfig({ CONFIG_FILE: "c.yaml", ...env }, files({ "c.yaml": `alerts:\n${alerts}\n${cluster}` }));
    const receivers = `  receivers:\n    pd: { type: pagerduty, routingKeyEnv: PD_KEY }\n    am: { type: alertmanager, url: "http://am:9093" }\n`;
    const config = load(`${receivers}  routes:\n    - { rule: "task-*", receivers: [pd, am] }`, {
      PD_KEY: "k-123",
    });
    assert.deepEqual(config.alerts.receivers, [
      {
        name: "pd",
        type: "pagerduty",
        url: "https://events.pagerduty.com/v2/enqueue",
        routingKey: "k-123",
        resolveAfterMs: 30 * 60_000,
        attempts: 5,
        backoffMs: 2_000,
      },
      { name: "am", type: "alertmanager", url: "http://am:9093", attempts: 5, backoffMs: 2_000 },
    ]);
    assert.throws(
      () => load(`${receivers}  routes:\n    - { receivers: [pagerduty] }`, { PD_KEY: "k" }),
      /alerts.routes\[0\] names the receiver "pagerduty", which alerts.receivers does not declare \(declared: pd, am\)/,
    );
    assert.throws(
      () => load(receivers),
      /alerts.receivers.pd: routingKeyEnv names PD_KEY, but that variable is not set/,
    );
    assert.throws(
      () => load(`  receivers:\n    pd: { type: pagerduty, routingKey: k-123 }`),
      /Unrecognized key: "routingKey"/,
    );
  });

  test("config.example.yaml loads, and shows every setting the file accepts", () => {
    const example = readFileSync(new URL("../config.example.yaml", import.meta.url), "utf8");
    const shown = new Set<string>();
    const walk = (value: unknown, path: string): void => {
      if (Array.isArray(value)) for (const item of value) walk(item, path);
      else if (value !== null && typeof value === "object" && path !== "channels") {
        for (const [key, inner] of Object.entries(value))
          walk(inner, path === "" ? key : `${path}.${path === "alerts.receivers" ? "*" : key}`);
      } else shown.add(path);
    };
    walk(parseYaml(example), "");
    // An override takes the same fields as the thresholds: showing them once is enough.
    const sameAsThresholds = (field: string) =>
      field.replace(/^alerts\.overrides\.(?!connector$)/, "alerts.thresholds.");
    assert.deepEqual(
      configFileFields.filter((field) => !shown.has(field) && !shown.has(sameAsThresholds(field))),
      [],
      "settings missing from config.example.yaml",
    );
    const env = Object.fromEntries(
      [...example.matchAll(/(?:passwordEnv|tokenEnv|routingKeyEnv|secretEnv): ([A-Z_][A-Z0-9_]*)/g)].map(
        (match) => [
          match[1],
          // Long enough for an agent's bearer token.
          "secret-".repeat(5),
        ],
      ),
    );
    const config = loadConfig({ CONFIG_FILE: "example.yaml", ...env }, (path) =>
      path === "example.yaml" ? example : "-----BEGIN CERTIFICATE-----",
    );
    assert.ok(config.clusters.some((cluster) => cluster.kafka.security?.sasl?.mechanism === "SCRAM-SHA-512"));
  });

  test(".env.example lists exactly the variables the bot reads", () => {
    const example = readFileSync(new URL("../.env.example", import.meta.url), "utf8");
    const listed = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
    assert.deepEqual([...listed].sort(), [...environmentVariables].sort());
  });
});
