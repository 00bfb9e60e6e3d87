// needs: bed
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { environmentVariables, loadConfig } from "../src/config/index.js";
import { operationsPaths } from "../src/ops/operations-endpoints.js";
import { shutdownBounds } from "../src/ops/shutdown-bounds.js";
import { SlackApiStandIn } from "./slack/slack-api-stand-in.js";
import { freePort, OwnRedis } from "./support/own-redis.js";
import { eventually, testBed } from "./support/test-bed-env.js";

const root = join(import.meta.dirname, "..");
const kubernetes = join(root, "deploy", "kubernetes");

const HttpProbe = z.object({
  httpGet: z.object({ path: z.string(), port: z.union([z.string(), z.number()]) }),
});
const Deployment = z.object({
  kind: z.literal("Deployment"),
  spec: z.object({
    replicas: z.number(),
    template: z.object({
      metadata: z.object({ annotations: z.record(z.string(), z.string()) }),
      spec: z.object({
        terminationGracePeriodSeconds: z.number(),
        securityContext: z.object({ runAsNonRoot: z.literal(true) }),
        containers: z.array(
          z.object({
            ports: z.array(z.object({ name: z.string(), containerPort: z.number() })),
            env: z.array(z.object({ name: z.string(), value: z.string() })),
            envFrom: z.array(
              z.union([
                z.object({ configMapRef: z.object({ name: z.string() }) }),
                z.object({ secretRef: z.object({ name: z.string() }) }),
              ]),
            ),
            livenessProbe: HttpProbe,
            readinessProbe: HttpProbe,
            startupProbe: HttpProbe,
            resources: z.object({
              requests: z.object({ cpu: z.string(), memory: z.string() }),
              limits: z.object({ memory: z.string() }),
            }),
          }),
        ),
      }),
    }),
  }),
});
const Service = z.object({
  kind: z.literal("Service"),
  spec: z.object({ ports: z.array(z.object({ targetPort: z.union([z.string(), z.number()]) })) }),
});
const ConfigMap = z.object({ kind: z.literal("ConfigMap"), data: z.record(z.string(), z.string()) });
const Secret = z.object({ kind: z.literal("Secret"), stringData: z.record(z.string(), z.string()) });

async function kubernetesDocuments(): Promise<unknown[]> {
  const files = (await readdir(kubernetes)).filter((file) => file.endsWith(".yaml"));
  const documents: unknown[] = [];
  for (const file of files) {
    for (const document of parseAllDocuments(await readFile(join(kubernetes, file), "utf8"))) {
      assert.deepEqual(document.errors, [], `${file} is valid YAML`);
      documents.push(document.toJS());
    }
  }
  return documents;
}

describe("deploy/kubernetes agrees with the code", async () => {
  const documents = await kubernetesDocuments();
  const one = <T>(schema: z.ZodType<T>): T => {
    const found = documents.filter((document) => schema.safeParse(document).success);
    assert.equal(found.length, 1, `exactly one ${String((schema as z.ZodObject).shape.kind.value)}`);
    return schema.parse(found[0]);
  };
  const deployment = one(Deployment);
  const container = deployment.spec.template.spec.containers[0] ?? assert.fail("no container");
  const configMap = one(ConfigMap);
  const secret = one(Secret);

  test("two replicas; probes on the operations paths, on the port the bot listens on; resources set", () => {
    assert.equal(deployment.spec.replicas, 2);
    const port = container.ports[0] ?? assert.fail("no port");
    const portSetting = container.env.find((variable) => variable.name === "PORT")?.value;
    assert.equal(loadConfig({ PORT: portSetting }).port, port.containerPort, "PORT is the container port");
    assert.equal(container.livenessProbe.httpGet.path, operationsPaths.health);
    assert.equal(container.startupProbe.httpGet.path, operationsPaths.health);
    assert.equal(container.readinessProbe.httpGet.path, operationsPaths.ready);
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
      assert.ok([port.name, port.containerPort].includes(probe.httpGet.port));
    }
    assert.ok([port.name, port.containerPort].includes(one(Service).spec.ports[0]?.targetPort ?? ""));
    const annotations = deployment.spec.template.metadata.annotations;
    assert.equal(annotations["prometheus.io/scrape"], "true");
    assert.equal(annotations["prometheus.io/path"], operationsPaths.metrics);
    assert.equal(annotations["prometheus.io/port"], String(port.containerPort));
  });

  test("the grace period outlasts the bot's own shutdown bound", () => {
    assert.ok(deployment.spec.template.spec.terminationGracePeriodSeconds * 1000 > shutdownBounds.exitMs);
  });

  test("ConfigMap and Secret hold settings the bot reads, secrets only in the Secret; the config file loads", () => {
    const fromConfigMap = Object.keys(configMap.data).filter((key) => key !== "config.yaml");
    const passwordEnvs = [...(configMap.data["config.yaml"] ?? "").matchAll(/passwordEnv: (\w+)/g)].map(
      ([, name]) => name,
    );
    for (const name of [...fromConfigMap, ...Object.keys(secret.stringData)]) {
      assert.ok(
        environmentVariables.includes(name) || passwordEnvs.includes(name),
        `${name} is read by the bot`,
      );
    }
    for (const secretName of ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "REDIS_URL"]) {
      assert.ok(
        secretName in secret.stringData && !(secretName in configMap.data),
        `${secretName} is a secret`,
      );
    }
    const config = loadConfig(
      { ...configMap.data, ...secret.stringData },
      () => configMap.data["config.yaml"] ?? "",
    );
    assert.equal(config.clusters[0]?.connect.password, secret.stringData.PROD_CONNECT_PASSWORD);
  });
});

describe("the production build (npm run build → node dist/src/main.js) starts and answers /healthz", () => {
  test("Dockerfile: built on the production path, runs the built entry point as node, with a HEALTHCHECK", async () => {
    const dockerfile = await readFile(join(root, "Dockerfile"), "utf8");
    assert.match(dockerfile, /^RUN npm run build$/m);
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^HEALTHCHECK .*\n?.*\/healthz/m);
    assert.match(dockerfile, /^CMD \["node", (?:"--[^"]+", )*"dist\/src\/main\.js"\]$/m);
    assert.match(dockerfile, /^EXPOSE 3000$/m);
  });

  test("built output serves /healthz and /readyz, and exits 0 on SIGTERM", async () => {
    await promisify(execFile)("npm", ["run", "build"], { cwd: root });
    assert.ok((await stat(join(root, "dist", "src", "main.js"))).isFile());
    const redis = await OwnRedis.start();
    const standIn = await SlackApiStandIn.start({ botToken: "xoxb-built" });
    const port = await freePort();
    const child = spawn(process.execPath, ["dist/src/main.js"], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "production",
        SLACK_BOT_TOKEN: "xoxb-built",
        SLACK_SIGNING_SECRET: "built-secret",
        SLACK_API_URL: standIn.apiUrl,
        PORT: String(port),
        REDIS_URL: redis.url,
        CONNECT_URL: testBed().connectUrl,
        KAFKA_BROKERS: testBed().bootstrapServers,
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "inherit", "inherit"],
    });
    try {
      const health = await eventually(
        "the built bot to answer /healthz",
        async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status,
        { timeoutMs: 30_000 },
      );
      assert.equal(health, 200);
      await eventually("ready", async () =>
        (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined,
      );
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const [code] = await exited;
      assert.equal(code, 0);
    } finally {
      child.kill("SIGKILL");
      await standIn.close();
      await redis.stop();
    }
  });
});
