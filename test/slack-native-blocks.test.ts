// needs: pure
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RespondArguments } from "@slack/bolt";
import { type Reply, type ReplyChart, reply, time, timed } from "../src/core/reply.js";
import { renderText } from "../src/shell/render-text.js";
import { fallbackText, redactingRespond, renderBlocks } from "../src/slack/block-kit.js";
import { type DataVisualizationBlock, nativeLimits, type SlackBlock } from "../src/slack/native-blocks.js";
import { SlackWebClient } from "../src/slack/slack-web-client.js";
import { SlackApiStandIn } from "./slack/slack-api-stand-in.js";

const botToken = "xoxb-native-blocks";
const at0 = Date.UTC(2026, 11, 8, 9, 0);
const minute = 60_000;

let standIn: SlackApiStandIn;
let client: SlackWebClient;

before(async () => {
  standIn = await SlackApiStandIn.start({ botToken });
  client = new SlackWebClient(botToken, { slackApiUrl: standIn.apiUrl, retryConfig: { retries: 0 } });
});
after(() => standIn.close());

/** Posts the reply as the bot does and returns what Slack kept (the last accepted call). */
async function post(said: Reply) {
  const before = standIn.calls.length;
  await client.chat.postMessage({ channel: "C0OPS", text: fallbackText(said), blocks: renderBlocks(said) });
  const calls = standIn.calls.slice(before);
  const accepted = calls.filter((call) => call.rejected === undefined);
  assert.equal(accepted.length, 1, `Slack kept one message: ${calls.map((c) => c.rejected).join(" | ")}`);
  return { calls, kept: accepted[0]?.args as { text: string; blocks: SlackBlock[] } };
}

const charts = (blocks: readonly SlackBlock[]) =>
  blocks.filter((block): block is DataVisualizationBlock => block.type === "data_visualization");

function series(name: string, points: number, from = 0): ReplyChart["series"][number] {
  return {
    name,
    points: Array.from({ length: points }, (_, i) => ({ at: at0 + i * minute, value: from + i * 10 })),
  };
}

describe("a chart is a native line chart within Slack's documented limits", () => {
  it("a long title, many series, long names and many moments are cut to what Slack takes, and it is accepted", async () => {
    const chart: ReplyChart = {
      kind: "chart",
      title: `Lag of ${"a-very-long-sink-connector-name-".repeat(3)}`,
      unit: "messages left to read by the sink, counted over every partition",
      series: Array.from({ length: 9 }, (_, i) => series(`partition-number-${i}-of-the-topic`, 100, i)),
    };
    const { kept } = await post(reply("lag", [chart]));
    const [block] = charts(kept.blocks);
    assert.ok(block, "drawn as a chart");
    assert.ok(block.title.length <= nativeLimits.chartTitle);
    assert.equal(block.chart.series.length, nativeLimits.seriesPerChart);
    for (const one of block.chart.series) {
      assert.ok(one.name.length <= nativeLimits.seriesName);
      assert.equal(one.data.length, nativeLimits.pointsPerSeries);
    }
    const { categories, y_label } = block.chart.axis_config;
    assert.equal(categories.length, nativeLimits.pointsPerSeries);
    assert.equal(new Set(categories).size, categories.length, "moments are told apart");
    assert.ok(categories.every((label) => label.length <= nativeLimits.category));
    assert.ok((y_label ?? "").length <= nativeLimits.axisTitle);
    assert.equal(categories[0], "09:00", "the span starts at the first sample");
    assert.equal(categories.at(-1), "10:39", "…and ends at the newest");
    assert.equal(block.chart.series[0]?.data.at(-1)?.value, 990, "the newest value is drawn");
  });

  it("samples within one second are one moment: no category is named twice", async () => {
    const points = [0, 300, 600, 1_200, 61_000].map((ms, i) => ({ at: at0 + ms, value: i }));
    const chart: ReplyChart = {
      kind: "chart",
      title: "fast polls",
      unit: "messages",
      series: [{ name: "lag", points }],
    };
    const { kept } = await post(reply("fast", [chart]));
    const [block] = charts(kept.blocks);
    assert.deepEqual(block?.chart.axis_config.categories, ["09:00:00", "09:00:01", "09:01:01"]);
    assert.deepEqual(
      block?.chart.series[0]?.data.map((point) => point.value),
      [2, 3, 4],
      "each second shows its latest value",
    );
  });

  it("a third chart in one message is written as text (two a message at most)", async () => {
    const chart = (title: string): ReplyChart => ({
      kind: "chart",
      title,
      unit: "messages",
      series: [series("lag", 3)],
    });
    const { kept } = await post(reply("three", [chart("one"), chart("two"), chart("three")]));
    assert.equal(charts(kept.blocks).length, nativeLimits.chartsPerMessage);
    const text = JSON.stringify(kept.blocks);
    assert.match(text, /\*three\* \(messages\)/, "the third is said in words");
    assert.match(text, /09:02 +20/, "…with its figures");
  });

  it("the notification text says the chart in words; the shell prints the same words in UTC", async () => {
    const said = reply("lag of orders-sink", [
      { kind: "chart", title: "Lag of orders-sink", unit: "messages", series: [series("lag", 4, 100)] },
    ]);
    const { kept } = await post(said);
    assert.match(kept.text, /lag: 100 at 09:00 UTC, 130 at 09:03 UTC; highest 130 at 09:03 UTC \(messages\)/);
    assert.match(renderText(said), /Lag of orders-sink:\nlag: 100 at 09:00 UTC, 130 at 09:03 UTC/);
  });
});

describe("a table of more than a handful of rows is a data table within Slack's limits", () => {
  const columns = ["connector", "type", "state", "tasks"];
  const rows = (n: number) =>
    Array.from({ length: n }, (_, i) => [
      `sink-${i}`,
      "sink",
      "RUNNING",
      `${(i * 1000).toLocaleString("en-US")}`,
    ]);

  it("six rows are a sortable data table: a header of text, numbers as numbers, a page a phone holds", async () => {
    const { kept } = await post(reply("6 connectors on prod", [{ kind: "table", columns, rows: rows(6) }]));
    const table = kept.blocks.find((block) => block.type === "data_table");
    assert.ok(table?.type === "data_table", "a data table");
    assert.equal(table.caption, "6 connectors on prod");
    assert.equal(table.rows.length, 7, "header and six rows");
    assert.deepEqual(
      table.rows[0]?.map((cell) => cell.type),
      ["raw_text", "raw_text", "raw_text", "raw_text"],
    );
    assert.deepEqual(table.rows[3]?.[3], { type: "raw_number", value: 2000, text: "2,000" });
    assert.ok((table.page_size ?? 0) >= 1 && (table.page_size ?? 0) <= nativeLimits.pageSize);
    assert.match(kept.text, /sink-5 · sink · RUNNING · 5,000/, "the notification text lists the rows");
  });

  it("five rows stay text, as they read as well", async () => {
    const { kept } = await post(reply("5", [{ kind: "table", columns, rows: rows(5) }]));
    assert.ok(!kept.blocks.some((block) => block.type === "data_table"));
    assert.match(JSON.stringify(kept.blocks), /sink-4/);
  });

  it("past 100 rows, the first 100 are shown and the caption says how many more", async () => {
    const { kept } = await post(reply("150 connectors", [{ kind: "table", columns, rows: rows(150) }]));
    const table = kept.blocks.find((block) => block.type === "data_table");
    assert.ok(table?.type === "data_table");
    assert.equal(table.rows.length, nativeLimits.tableRows + 1);
    assert.match(table.caption, /first 100; 50 more not shown/);
  });

  it("over 20 columns, or over Slack's characters, a table is text; empty cells are never empty text", async () => {
    const wide = Array.from({ length: 21 }, (_, i) => `c${i}`);
    const wideRows = Array.from({ length: 6 }, () => wide.map(() => "x"));
    const { kept: tooWide } = await post(reply("wide", [{ kind: "table", columns: wide, rows: wideRows }]));
    assert.ok(!tooWide.blocks.some((block) => block.type === "data_table"), "21 columns: text");

    const long = Array.from({ length: 30 }, (_, i) => [`sink-${i}`, "x".repeat(400)]);
    const { kept: tooLong } = await post(reply("long", [{ kind: "table", columns: ["a", "b"], rows: long }]));
    assert.ok(!tooLong.blocks.some((block) => block.type === "data_table"), "12,000 characters: text");

    const gaps = rows(6).map(([name]) => [name ?? "", "", "", ""]);
    const { kept } = await post(reply("gaps", [{ kind: "table", columns, rows: gaps }]));
    assert.ok(
      kept.blocks.some((block) => block.type === "data_table"),
      "accepted with empty cells",
    );
  });

  it("a few rows too wide for a phone become a list; narrow ones stay a monospace table", async () => {
    const wideColumns = ["topic", "partition", "committed", "log end", "lag", "behind", "retention margin"];
    const few = [["orders", "0", "1,000", "1,200", "200", "3 min", "9,800 message(s)"]];
    const { kept } = await post(reply("lag", [{ kind: "table", columns: wideColumns, rows: few }]));
    const text = JSON.stringify(kept.blocks);
    assert.ok(!text.includes("```"), "no sideways scrolling code block");
    assert.match(text, /\*orders\* {2}partition: 0 · committed: 1,000 · log end: 1,200 · lag: 200/);
    const { kept: narrow } = await post(
      reply("n", [{ kind: "table", columns: ["a", "b"], rows: [["1", "2"]] }]),
    );
    assert.match(JSON.stringify(narrow.blocks), /```a {2}b\\n1 {2}2```/);
  });
});

describe("a workspace that refuses native blocks still gets the message, as text", () => {
  const lagChart: ReplyChart = {
    kind: "chart",
    title: "Lag of pg-sink",
    unit: "messages",
    series: [series("lag", 3)],
  };
  const table = {
    kind: "table" as const,
    columns: ["connector", "state"],
    rows: Array.from({ length: 6 }, (_, i) => [`sink-${i}`, "RUNNING"]),
  };

  it("the Web API client sends it again without them, and warns once a process", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error & { code?: string }) => {
      if (warning.code === "SLACK_NATIVE_BLOCKS_REFUSED") warnings.push(warning.message);
    };
    process.on("warning", onWarning);
    standIn.refuseNativeBlocks();
    try {
      const first = await post(reply("lag of pg-sink", [lagChart, table]));
      assert.equal(first.calls.length, 2, "refused, then sent again");
      assert.match(first.calls[0]?.rejected ?? "", /unsupported type: data_visualization/);
      const text = JSON.stringify(first.kept.blocks);
      assert.ok(!/data_table|data_visualization/.test(text), "no native block in what was kept");
      assert.match(text, /\*Lag of pg-sink\* \(messages\)/, "the chart, in words");
      assert.match(text, /sink-5 +RUNNING/, "the table, as text");
      await post(reply("again", [table]));
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(warnings.length, 1, "logged once, not for every message");
    } finally {
      standIn.refuseNativeBlocks(false);
      process.off("warning", onWarning);
    }
  });

  it("an answer through a response_url is sent again without them too", async () => {
    standIn.refuseNativeBlocks();
    try {
      const url = standIn.responseUrl();
      const send = async (message: string | RespondArguments) => {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(message),
        });
        return { data: await response.json() } as never;
      };
      const said = reply("lag of pg-sink", [lagChart]);
      await redactingRespond(send)({ text: fallbackText(said), blocks: renderBlocks(said) as never });
      const calls = standIn.calls.filter((call) => call.url === url);
      assert.equal(calls.length, 2);
      assert.ok(calls[0]?.rejected);
      assert.equal(calls[1]?.rejected, undefined);
      assert.match(JSON.stringify(calls[1]?.args.blocks), /\*Lag of pg-sink\*/);
    } finally {
      standIn.refuseNativeBlocks(false);
    }
  });
});

describe("times are each reader's own in Slack, UTC in the shell", () => {
  it("a timed note is Slack's date formatting with UTC as its fallback", async () => {
    const said = reply("fired", [timed("note")`Fired at ${time(at0)} on <prod>.`]);
    const { kept } = await post(said);
    assert.match(
      JSON.stringify(kept.blocks),
      /Fired at <!date\^1796720400\^\{date_short_pretty\} \{time\}\|09:00 UTC> on &lt;prod&gt;\./,
    );
    assert.equal(renderText(said), "(Fired at 09:00 UTC on <prod>.)");
  });
});
