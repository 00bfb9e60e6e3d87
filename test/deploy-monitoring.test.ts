// needs: pure
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { ConnectorSample } from "../src/core/ports.js";
import { ConnectorMetrics } from "../src/ops/connector-metrics.js";
import { Metrics } from "../src/ops/metrics.js";

const root = join(import.meta.dirname, "..");
const rulesFile = join(root, "deploy", "prometheus", "connect-ops-rules.yaml");
const dashboardFile = join(root, "deploy", "grafana", "connect-ops-dashboard.json");
const now = Date.UTC(2026, 11, 7, 12, 0);

const sink = (overrides: Partial<ConnectorSample> = {}): ConnectorSample => ({
  at: now,
  state: "RUNNING",
  type: "sink",
  tasks: [
    { id: 0, state: "RUNNING" },
    { id: 1, state: "RUNNING" },
  ],
  partitions: [{ topic: "orders", partition: 0, committed: 100, logStart: 0, logEnd: 100, lag: 0 }],
  underApprovedOperation: false,
  ...overrides,
});
const source = (overrides: Partial<ConnectorSample> = {}): ConnectorSample => ({
  at: now,
  state: "RUNNING",
  type: "source",
  tasks: [{ id: 0, state: "RUNNING" }],
  underApprovedOperation: false,
  ...overrides,
});

/** The bot's registry with the per-connector gauges fed `samples` for cluster `prod`, as one poll leaves them. */
function exported(samples: ReadonlyMap<string, ConnectorSample>, connectors = { include: "*", max: 2_000 }) {
  const metrics = new Metrics();
  const perConnector = new ConnectorMetrics({
    registry: metrics.registry,
    config: connectors,
    staleAfterMs: 150_000,
    now: () => now,
  });
  perConnector.observe("prod", samples);
  return { metrics, perConnector };
}

/** Series lines (not comments) of the exposition whose name starts with `prefix`. */
function seriesOf(text: string, prefix: string): string[] {
  return text.split("\n").filter((line) => line.startsWith(prefix));
}

/** Every metric name the exposition declares, histograms with their `_bucket`, `_sum` and `_count` series. */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name ?? "");
    if (type === "histogram")
      for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${name}${suffix}`);
  }
  return names;
}

const Rules = z.object({
  groups: z.array(
    z.object({ name: z.string(), rules: z.array(z.object({ alert: z.string(), expr: z.string() })) }),
  ),
});
const Dashboard = z.object({
  uid: z.string(),
  panels: z.array(z.object({ title: z.string(), targets: z.array(z.object({ expr: z.string() })).min(1) })),
});

describe("per-connector metrics, and the Grafana dashboard and Prometheus rules built on them", () => {
  test("each connector's state, running and failed tasks, and a sink's lag in records and seconds and data-loss risk", async () => {
    const { metrics } = exported(
      new Map([
        [
          "orders-sink",
          sink({
            tasks: [
              { id: 0, state: "RUNNING" },
              { id: 1, state: "FAILED", trace: "boom" },
            ],
            partitions: [
              {
                topic: "orders",
                partition: 0,
                committed: 40,
                logStart: 50,
                logEnd: 1_240,
                lag: 1_200,
                oldestUnreadAt: now - 90_000,
              },
            ],
          }),
        ],
        ["audit-source", source({ state: "PAUSED" })],
      ]),
    );
    const text = (await metrics.exposition()).text;
    const labels = 'cluster="prod",connector="orders-sink"';
    assert.ok(text.includes(`connect_ops_connector_state{${labels},type="sink",state="RUNNING"} 1`));
    assert.ok(
      text.includes(
        `connect_ops_connector_state{cluster="prod",connector="audit-source",type="source",state="PAUSED"} 1`,
      ),
    );
    assert.ok(text.includes(`connect_ops_connector_tasks_running{${labels}} 1`));
    assert.ok(text.includes(`connect_ops_connector_tasks_failed{${labels}} 1`));
    assert.ok(text.includes(`connect_ops_sink_lag_records{${labels}} 1200`));
    assert.ok(text.includes(`connect_ops_sink_lag_seconds{${labels}} 90`));
    assert.ok(text.includes(`connect_ops_sink_data_loss_risk{${labels}} 1`));
    assert.deepEqual(seriesOf(text, "connect_ops_sink_lag_records{").length, 1, "a source has no lag series");
  });

  test("series per 1,000 connectors, as docs/operating.md says: 6 per sink, 3 per source; the include pattern and the cap bound them, failing connectors kept first", async () => {
    const samples = new Map<string, ConnectorSample>();
    for (let i = 0; i < 500; i++) samples.set(`sink-${String(i).padStart(3, "0")}`, sink());
    for (let i = 0; i < 500; i++) samples.set(`source-${String(i).padStart(3, "0")}`, source());
    samples.set("sink-499", sink({ state: "FAILED" }));
    const perConnectorSeries = (text: string) =>
      seriesOf(text, "connect_ops_connector_").filter(
        (line) => !line.startsWith("connect_ops_connector_metrics_omitted"),
      ).length + seriesOf(text, "connect_ops_sink_").length;

    const all = (await exported(samples).metrics.exposition()).text;
    assert.equal(perConnectorSeries(all), 500 * 6 + 500 * 3, "4,500 series for 500 sinks and 500 sources");
    const sinksOnly = new Map([...samples].filter(([name]) => name.startsWith("sink-")));
    const twiceAsMany = new Map([
      ...sinksOnly,
      ...[...sinksOnly].map(([name, s]) => [`${name}-b`, s] as const),
    ]);
    assert.equal(
      perConnectorSeries((await exported(twiceAsMany).metrics.exposition()).text),
      6_000,
      "1,000 sinks: 6,000 series",
    );

    const included = (await exported(samples, { include: "source-*", max: 2_000 }).metrics.exposition()).text;
    assert.equal(perConnectorSeries(included), 500 * 3);

    const capped = (await exported(samples, { include: "*", max: 100 }).metrics.exposition()).text;
    assert.equal(seriesOf(capped, "connect_ops_connector_state{").length, 100);
    assert.ok(capped.includes("connect_ops_connector_metrics_omitted 900"));
    assert.ok(
      capped.includes('connector="sink-499",type="sink",state="FAILED"'),
      "the failed one stays under the cap",
    );

    const off = (await exported(samples, { include: "", max: 2_000 }).metrics.exposition()).text;
    assert.equal(perConnectorSeries(off), 0);
  });

  test("a cluster polled last more than three intervals and a minute ago (another replica polls it now) shows no series here", async () => {
    let clock = now;
    const metrics = new Metrics();
    const perConnector = new ConnectorMetrics({
      registry: metrics.registry,
      config: { include: "*", max: 2_000 },
      staleAfterMs: 150_000,
      now: () => clock,
    });
    perConnector.observe("prod", new Map([["orders-sink", sink()]]));
    clock += 150_001;
    assert.equal(seriesOf((await metrics.exposition()).text, "connect_ops_connector_state{").length, 0);
  });

  test("every metric the rules and the dashboard use is one the bot exports; promtool checks and unit-tests the rules", async (t) => {
    const { metrics } = exported(new Map([["orders-sink", sink()]]));
    const names = exportedNames((await metrics.exposition()).text);
    const rules = Rules.parse(parseYaml(await readFile(rulesFile, "utf8")));
    const dashboard = Dashboard.parse(JSON.parse(await readFile(dashboardFile, "utf8")));
    const expressions = [
      ...rules.groups.flatMap((group) =>
        group.rules.map((rule) => ({ where: `rule ${rule.alert}`, expr: rule.expr })),
      ),
      ...dashboard.panels.flatMap((panel) =>
        panel.targets.map((target) => ({ where: `panel "${panel.title}"`, expr: target.expr })),
      ),
    ];
    const unknown = expressions.flatMap(({ where, expr }) =>
      [...expr.matchAll(/connect_ops_[a-z0-9_]+/g)].flatMap(([name]) =>
        names.has(name) ? [] : [`${where}: ${name}`],
      ),
    );
    assert.deepEqual(unknown, []);
    assert.ok(expressions.length >= 15, "the rules and the dashboard are read");

    const promtool = await promisify(execFile)("promtool", ["--version"]).catch(() => undefined);
    if (promtool === undefined) {
      assert.notEqual(process.env.CI, "true", "CI installs promtool (.ci/run): it must be there");
      t.skip("promtool is not installed here (apt-get install prometheus)");
      return;
    }
    const run = (args: string[]) =>
      promisify(execFile)("promtool", args, { cwd: join(root, "deploy", "prometheus") });
    assert.match((await run(["check", "rules", "connect-ops-rules.yaml"])).stdout, /SUCCESS: 7 rules found/);
    assert.match((await run(["test", "rules", "connect-ops-rules.test.yaml"])).stdout, /SUCCESS/);
  });
});
