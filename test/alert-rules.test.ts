// needs: pure
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type AlertRule, evaluateConnector, type Finding } from "../src/alerts/alert-rules.js";
import { type AlertThresholds, defaultThresholds, thresholdsFor } from "../src/alerts/alert-thresholds.js";
import { minutesBehind, totalLag } from "../src/alerts/connector-sample.js";
import { globMatches } from "../src/core/glob.js";
import type { ConnectorSample, ConnectorState, PartitionSample } from "../src/core/ports.js";

const minute = 60_000;
const start = Date.UTC(2025, 0, 6, 9, 0);

interface SampleSpec {
  minute: number;
  /** Total lag on a single partition, orders:0; "unknown" when the lag read failed. */
  lag?: number | "unknown";
  /** Committed offset; by default it advances 100 per minute, so the sink is making progress. */
  committed?: number;
  oldestUnreadMinutesAgo?: number;
  state?: ConnectorState;
  tasks?: ConnectorSample["tasks"];
  trace?: string;
  partitions?: readonly PartitionSample[];
  underApprovedOperation?: boolean;
}

function sample(spec: SampleSpec): ConnectorSample {
  const at = start + spec.minute * minute;
  const committed = spec.committed ?? 1_000 + spec.minute * 100;
  const lag = spec.lag ?? 0;
  const oldestUnread =
    spec.oldestUnreadMinutesAgo === undefined
      ? {}
      : { oldestUnreadAt: at - spec.oldestUnreadMinutesAgo * minute };
  const partitions =
    spec.partitions ??
    (lag === "unknown"
      ? undefined
      : [
          { topic: "orders", partition: 0, committed, logStart: 0, logEnd: committed + lag, ...oldestUnread },
        ]);
  return {
    at,
    state: spec.state ?? "RUNNING",
    type: "sink",
    tasks: spec.tasks ?? [{ id: 0, state: "RUNNING" }],
    ...(spec.trace === undefined ? {} : { trace: spec.trace }),
    ...(partitions === undefined ? {} : { partitions }),
    underApprovedOperation: spec.underApprovedOperation ?? false,
  };
}

/** One sample a minute, starting at minute 0, with the given lags. */
function lagSeries(
  lags: readonly number[],
  spec: Omit<SampleSpec, "minute" | "lag"> = {},
): ConnectorSample[] {
  return lags.map((lag, index) => sample({ ...spec, minute: index, lag }));
}

interface Evaluation {
  firing?: readonly AlertRule[];
  thresholds?: AlertThresholds;
}

function evaluate(history: readonly ConnectorSample[], options: Evaluation = {}): Finding[] {
  return evaluateConnector(
    "pg-sink",
    history,
    options.thresholds ?? defaultThresholds,
    new Set(options.firing ?? []),
  );
}

function rules(history: readonly ConnectorSample[], options: Evaluation = {}): AlertRule[] {
  return evaluate(history, options).map((finding) => finding.rule);
}

function findingFor(rule: AlertRule, history: readonly ConnectorSample[], options: Evaluation = {}): Finding {
  const finding = evaluate(history, options).find((candidate) => candidate.rule === rule);
  assert.ok(finding, `expected ${rule} to fire`);
  return finding;
}

const sixMinutesOf = (lag: number) => lagSeries([lag, lag, lag, lag, lag, lag]);

describe("globMatches", () => {
  it("matches literally, with * for any run and ? for one character", () => {
    assert.ok(globMatches("pg-sink", "pg-sink"));
    assert.ok(globMatches("pg-*", "pg-sink"));
    assert.ok(globMatches("pg-*", "pg-"));
    assert.ok(globMatches("*-sink-?", "orders-sink-1"));
    assert.ok(!globMatches("*-sink-?", "orders-sink-12"));
    assert.ok(!globMatches("*-sink-?", "orders-sink-"));
  });

  it("matches the whole name, case-sensitively", () => {
    assert.ok(!globMatches("pg", "pg-sink"));
    assert.ok(!globMatches("sink", "pg-sink"));
    assert.ok(!globMatches("PG-*", "pg-sink"));
  });

  it("treats regular-expression characters as plain text", () => {
    assert.ok(globMatches("orders.v1", "orders.v1"));
    assert.ok(!globMatches("orders.v1", "ordersXv1"));
    assert.ok(globMatches("a+b(c)[d]{2}^$|\\/", "a+b(c)[d]{2}^$|\\/"));
    assert.ok(!globMatches("a+", "aa"));
  });
});

describe("thresholdsFor", () => {
  it("returns the defaults when no override matches", () => {
    const overrides = [{ pattern: "s3-*", thresholds: { lagMessages: 1 } }];
    assert.deepEqual(thresholdsFor("pg-sink", defaultThresholds, overrides), defaultThresholds);
  });

  it("applies matching overrides in order, later ones winning, and keeps the rest of the defaults", () => {
    const thresholds = thresholdsFor("pg-orders", defaultThresholds, [
      { pattern: "pg-*", thresholds: { lagMessages: 50_000, lagClearMessages: 20_000, pausedMs: minute } },
      { pattern: "s3-*", thresholds: { lagMessages: 1 } },
      { pattern: "*-orders", thresholds: { lagMessages: 80_000 } },
    ]);
    assert.deepEqual(thresholds, {
      ...defaultThresholds,
      lagMessages: 80_000,
      lagClearMessages: 20_000,
      pausedMs: minute,
    });
  });

  it("keeps the clear level at or under the fire level when an override lowers only the fire level", () => {
    const thresholds = thresholdsFor("pg-sink", defaultThresholds, [
      { pattern: "*", thresholds: { lagMessages: 1_000 } },
    ]);
    assert.equal(thresholds.lagClearMessages, 1_000);
  });
});

describe("lag figures", () => {
  it("totalLag counts from the log start when nothing is committed and never goes negative", () => {
    assert.equal(
      totalLag([
        { topic: "orders", partition: 0, committed: 100, logStart: 0, logEnd: 400 },
        { topic: "orders", partition: 1, committed: null, logStart: 50, logEnd: 80 },
        { topic: "orders", partition: 2, committed: 900, logStart: 0, logEnd: 800 },
      ]),
      330,
    );
  });

  it("minutesBehind is the age of the oldest unread message on a lagging partition", () => {
    const at = start;
    const behind = minutesBehind({
      ...sample({ minute: 0 }),
      partitions: [
        {
          topic: "orders",
          partition: 0,
          committed: 10,
          logStart: 0,
          logEnd: 20,
          oldestUnreadAt: at - 3 * minute,
        },
        {
          topic: "orders",
          partition: 1,
          committed: 10,
          logStart: 0,
          logEnd: 20,
          oldestUnreadAt: at - 7 * minute,
        },
        // Caught up: its timestamp is of no unread message.
        {
          topic: "orders",
          partition: 2,
          committed: 20,
          logStart: 0,
          logEnd: 20,
          oldestUnreadAt: at - 60 * minute,
        },
      ],
    });
    assert.equal(behind, 7);
    assert.equal(minutesBehind(sample({ minute: 0, lag: 500 })), undefined);
    assert.equal(minutesBehind(sample({ minute: 0, lag: "unknown" })), undefined);
  });
});

describe("connector-failed and task-failed", () => {
  it("reports a FAILED connector with the first five lines of its trace", () => {
    const trace =
      "org.apache.kafka.connect.errors.ConnectException: boom\n\tat a\n\tat b\n\n\tat c\n\tat d\n\tat e";
    const finding = findingFor("connector-failed", [sample({ minute: 0, state: "FAILED", trace })]);
    assert.equal(finding.summary, "connector pg-sink is FAILED");
    assert.deepEqual(finding.details, [
      "org.apache.kafka.connect.errors.ConnectException: boom",
      "at a",
      "at b",
      "at c",
      "at d",
    ]);
  });

  it("reports failed tasks with a count and each one's trace", () => {
    const tasks = [
      { id: 0, state: "FAILED", trace: "DataException: bad record\n\tat x" },
      { id: 1, state: "RUNNING" },
      { id: 2, state: "RUNNING" },
      { id: 3, state: "FAILED", trace: "TimeoutException" },
    ] as const;
    const finding = findingFor("task-failed", [sample({ minute: 0, tasks })]);
    assert.equal(finding.summary, "2 of 4 tasks FAILED (task 0, task 3)");
    assert.equal(finding.value, 2);
    assert.deepEqual(finding.details, [
      "task 0: DataException: bad record",
      "task 0: at x",
      "task 3: TimeoutException",
    ]);
  });

  it("stays quiet while the connector and its tasks run", () => {
    assert.deepEqual(rules([sample({ minute: 0 })]), []);
  });
});

describe("inhibition", () => {
  it("reports no lag rule for a FAILED connector, however large its lag", () => {
    const history = lagSeries([50_000, 50_000, 50_000, 50_000, 50_000, 50_000], { state: "FAILED" });
    assert.deepEqual(rules(history, { firing: ["lag-high"] }), ["connector-failed"]);
  });

  it("reports no lag rule while a task is FAILED", () => {
    const tasks = [{ id: 0, state: "FAILED" }] as const;
    const history = lagSeries([50_000, 50_000, 50_000, 50_000, 50_000, 50_000], { tasks, committed: 5 });
    assert.deepEqual(rules(history), ["task-failed"]);
  });

  it("a PAUSED sink still raises lag-high, but never stalled or falling-behind: it reads nothing by intent", () => {
    const history = lagSeries([50_000, 50_000, 50_000, 50_000, 50_000, 50_000], { state: "PAUSED" });
    assert.deepEqual(rules(history), ["lag-high"]);
    const growing = lagSeries([1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000, 8_000, 9_000, 9_500, 9_900], {
      state: "STOPPED",
    });
    assert.deepEqual(rules(growing), []);
  });

  it("still reports data-loss-risk on a FAILED connector", () => {
    const partitions = [{ topic: "orders", partition: 0, committed: 120, logStart: 500, logEnd: 900 }];
    assert.deepEqual(rules([sample({ minute: 0, state: "FAILED", partitions })]), [
      "connector-failed",
      "data-loss-risk",
    ]);
  });

  it("measures lag only since the connector last failed, so a restarted connector gets a full window", () => {
    const history = [
      ...lagSeries([20_000, 20_000, 20_000, 20_000], { state: "FAILED" }),
      sample({ minute: 4, lag: 20_000 }),
      sample({ minute: 5, lag: 20_000 }),
    ];
    assert.deepEqual(rules(history), []);
  });
});

describe("lag-high", () => {
  it("fires when lag stayed high for the whole sustain window", () => {
    const finding = findingFor("lag-high", sixMinutesOf(12_400));
    assert.equal(finding.summary, "lag 12,400 messages");
    assert.equal(finding.value, 12_400);
    assert.deepEqual(finding.details, ["orders:0 lag 12,400, committed 1,500"]);
  });

  it("does not fire before the history covers the sustain window", () => {
    assert.deepEqual(rules(lagSeries([12_000, 12_000, 12_000, 12_000, 12_000])), []);
  });

  it("does not fire when one sample in the window dipped under the threshold", () => {
    assert.deepEqual(rules(lagSeries([12_000, 12_000, 12_000, 9_000, 12_000, 12_000])), []);
  });

  it("never fires on lag flapping around the threshold", () => {
    const flapping = Array.from({ length: 30 }, (_, index) => (index % 3 === 2 ? 9_900 : 10_100));
    for (let now = 1; now <= flapping.length; now++) {
      assert.deepEqual(rules(lagSeries(flapping.slice(0, now))), [], `at minute ${now - 1}`);
    }
  });

  it("keeps firing while lag sits between the clear and fire levels, and resolves under the clear level", () => {
    assert.deepEqual(rules(lagSeries([12_000, 7_000]), { firing: ["lag-high"] }), ["lag-high"]);
    assert.deepEqual(rules(lagSeries([12_000, 4_999]), { firing: ["lag-high"] }), []);
  });

  it("fires on the age of the oldest unread message when a minutes threshold is set", () => {
    const thresholds = { ...defaultThresholds, lagMinutes: 5, lagClearMinutes: 2 };
    const old = lagSeries([100, 100, 100, 100, 100, 100], { oldestUnreadMinutesAgo: 7 });
    assert.equal(findingFor("lag-high", old, { thresholds }).summary, "lag 100 messages, 7 min behind");
    assert.deepEqual(rules(old), [], "without a minutes threshold 100 messages is fine");

    const catchingUp = lagSeries([100, 100], { oldestUnreadMinutesAgo: 3 });
    assert.deepEqual(rules(catchingUp, { thresholds, firing: ["lag-high"] }), ["lag-high"]);
    const caughtUp = lagSeries([100, 100], { oldestUnreadMinutesAgo: 1 });
    assert.deepEqual(rules(caughtUp, { thresholds, firing: ["lag-high"] }), []);
  });

  it("skips samples whose lag could not be read", () => {
    const history = sixMinutesOf(12_000);
    history[3] = sample({ minute: 3, lag: "unknown" });
    assert.deepEqual(rules(history), ["lag-high"]);
  });

  it("neither fires nor resolves while the newest lag could not be read", () => {
    const history = [...sixMinutesOf(12_000), sample({ minute: 6, lag: "unknown" })];
    assert.deepEqual(rules(history), []);
    const held = findingFor("lag-high", history, { firing: ["lag-high"] });
    assert.equal(held.value, 12_000);
    assert.match(held.details.at(-1) ?? "", /could not be read .* 1 min earlier/);
  });
});

describe("stalled", () => {
  it("fires when lag is waiting and committed offsets have not moved for the whole window", () => {
    const history = Array.from({ length: 11 }, (_, index) =>
      sample({ minute: index, lag: 300 + index, committed: 42 }),
    );
    const finding = findingFor("stalled", history);
    assert.equal(finding.summary, "no progress for 10 min: committed offsets unchanged, lag 310 messages");
    assert.equal(finding.value, 310);
  });

  it("does not fire before the window is covered", () => {
    const history = Array.from({ length: 10 }, (_, index) =>
      sample({ minute: index, lag: 300, committed: 42 }),
    );
    assert.deepEqual(rules(history), []);
  });

  it("never calls an idle topic with zero lag stalled", () => {
    const history = Array.from({ length: 30 }, (_, index) =>
      sample({ minute: index, lag: 0, committed: 42 }),
    );
    assert.deepEqual(rules(history), []);
  });

  it("does not fire while committed offsets move", () => {
    assert.deepEqual(rules(lagSeries(Array.from({ length: 20 }, () => 300))), []);
  });

  it("resolves when the committed offsets move or the lag reaches zero", () => {
    const stuck = Array.from({ length: 11 }, (_, index) =>
      sample({ minute: index, lag: 300, committed: 42 }),
    );
    assert.deepEqual(
      rules([...stuck, sample({ minute: 11, lag: 200, committed: 142 })], { firing: ["stalled"] }),
      [],
    );
    assert.deepEqual(
      rules([...stuck, sample({ minute: 11, lag: 0, committed: 42 })], { firing: ["stalled"] }),
      [],
    );
  });
});

describe("lag as the reader counts it", () => {
  const markerOnly = (minuteIndex: number): ConnectorSample => ({
    ...sample({ minute: minuteIndex, committed: 42 }),
    // The committed offset sits on a transaction's commit marker: log end − committed is 1, nothing is unread.
    partitions: [{ topic: "orders", partition: 0, committed: 42, logStart: 0, logEnd: 43, lag: 0 }],
  });

  it("a transaction marker left at the log end is not lag: no stalled, however long it stays", () => {
    const history = Array.from({ length: 30 }, (_, index) => markerOnly(index));
    assert.equal(totalLag(history.at(-1)?.partitions ?? []), 0);
    assert.deepEqual(rules(history), []);
  });

  it("lag details name the sink's topics that could not be read", () => {
    const history = lagSeries([20_000, 20_000, 20_000, 20_000, 20_000, 20_000]).map((s) => ({
      ...s,
      unreadTopics: ["orders-old: topic deleted"],
    }));
    assert.deepEqual(findingFor("lag-high", history).details, [
      "orders:0 lag 20,000, committed 1,500",
      "not counted: orders-old: topic deleted",
    ]);
  });
});

describe("falling-behind", () => {
  const rising = Array.from({ length: 11 }, (_, index) => 1_000 + index * 100);

  it("fires when lag rose on every sample across the window", () => {
    const finding = findingFor("falling-behind", lagSeries(rising));
    assert.equal(finding.summary, "lag rose on every sample for 10 min: 1,000 → 2,000 messages");
    assert.equal(finding.value, 2_000);
  });

  it("needs at least three samples across the window", () => {
    const sparse = [sample({ minute: 0, lag: 1_000 }), sample({ minute: 10, lag: 2_000 })];
    assert.deepEqual(rules(sparse), []);
  });

  it("does not fire when lag held still on one pair or the window is not covered", () => {
    const flatOnce = [...rising];
    flatOnce[6] = flatOnce[5] ?? 0;
    assert.deepEqual(rules(lagSeries(flatOnce)), []);
    assert.deepEqual(rules(lagSeries(rising.slice(0, 10))), []);
  });

  it("keeps firing while lag rises and resolves as soon as it does not", () => {
    assert.deepEqual(rules(lagSeries([2_000, 2_001]), { firing: ["falling-behind"] }), ["falling-behind"]);
    assert.deepEqual(rules(lagSeries([2_000, 2_000]), { firing: ["falling-behind"] }), []);
  });
});

describe("unexpected-pause", () => {
  const halted = (state: ConnectorState, minutes: number, underApprovedOperation = false) =>
    Array.from({ length: minutes + 1 }, (_, index) =>
      sample({ minute: index, state, lag: "unknown", underApprovedOperation }),
    );

  it("fires when the connector has been PAUSED or STOPPED for the whole window", () => {
    const paused = findingFor("unexpected-pause", halted("PAUSED", 17));
    assert.equal(paused.summary, "paused for 17 min");
    assert.equal(paused.value, 17);
    assert.equal(findingFor("unexpected-pause", halted("STOPPED", 15)).summary, "stopped for 15 min");
  });

  it("does not fire before the window is covered", () => {
    assert.deepEqual(rules(halted("PAUSED", 14)), []);
  });

  it("does not fire while an approved operation runs, nor until the window passes after it", () => {
    assert.deepEqual(rules(halted("STOPPED", 30, true)), []);
    const afterReset = halted("STOPPED", 30).map((stopped, index) => ({
      ...stopped,
      underApprovedOperation: index < 20,
    }));
    assert.deepEqual(rules(afterReset), []);
    assert.equal(
      findingFor("unexpected-pause", afterReset, { firing: ["unexpected-pause"] }).summary,
      "stopped for 30 min",
    );
  });

  it("resolves when the connector runs again or an approved operation starts", () => {
    const paused = halted("PAUSED", 20);
    assert.deepEqual(rules([...paused, sample({ minute: 21 })], { firing: ["unexpected-pause"] }), []);
    const underOperation = sample({
      minute: 21,
      state: "STOPPED",
      lag: "unknown",
      underApprovedOperation: true,
    });
    assert.deepEqual(rules([...paused, underOperation], { firing: ["unexpected-pause"] }), []);
  });
});

describe("data-loss-risk", () => {
  it("reports partitions whose committed offset retention has overtaken", () => {
    const partitions = [
      { topic: "orders", partition: 0, committed: 120, logStart: 500, logEnd: 900 },
      { topic: "orders", partition: 1, committed: 1_000, logStart: 500, logEnd: 1_200 },
      { topic: "orders", partition: 2, committed: null, logStart: 500, logEnd: 600 },
      { topic: "orders", partition: 3, committed: 0, logStart: 20, logEnd: 600 },
    ];
    const finding = findingFor("data-loss-risk", [sample({ minute: 0, partitions })]);
    assert.equal(finding.value, 400);
    assert.equal(finding.summary, "retention deleted 400 messages before the sink read them (2 partitions)");
    assert.deepEqual(finding.details, [
      "orders:0 committed 120, log starts at 500 (380 messages deleted unread)",
      "orders:3 committed 0, log starts at 20 (20 messages deleted unread)",
    ]);
  });

  it("stays quiet while every committed offset is inside the log", () => {
    const partitions = [{ topic: "orders", partition: 0, committed: 500, logStart: 500, logEnd: 900 }];
    assert.deepEqual(rules([sample({ minute: 0, partitions })]), []);
  });
});

describe("offsets-moved", () => {
  const moved = (history: readonly ConnectorSample[]) =>
    evaluate(history).find((finding) => finding.rule === "offsets-moved")?.summary;

  it("a rewind between two polls is an alert naming the partition and how far, in millions", () => {
    const history = [sample({ minute: 0, committed: 1_250_000 }), sample({ minute: 1, committed: 50_000 })];
    assert.equal(
      moved(history),
      "pg-sink: offsets on orders:0 moved back 1.2M, no approved request did this",
    );
  });

  it("a stopped sink skipping past records that did not exist when it stopped is an alert; its late commit is not", () => {
    const partitions = (committed: number, logEnd: number) => [
      { topic: "orders", partition: 0, committed, logStart: 0, logEnd },
    ];
    const stopped = (minute: number, committed: number, logEnd: number) =>
      sample({ minute, state: "STOPPED", partitions: partitions(committed, logEnd) });
    assert.equal(moved([stopped(0, 100, 150), stopped(1, 140, 400)]), undefined, "read before the stop");
    assert.match(moved([stopped(0, 100, 150), stopped(1, 400, 400)]) ?? "", /moved forward 300/);
  });

  it("stays quiet when an approved request of the bot's was on the connector in either sample", () => {
    const history = [
      sample({ minute: 0, committed: 1_250_000 }),
      sample({ minute: 1, committed: 50_000, underApprovedOperation: true }),
    ];
    assert.equal(moved(history), undefined);
  });
});
