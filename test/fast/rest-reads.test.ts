// needs: pure
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConnectFeatureDisabled } from "../../src/connect/connect-errors.js";
import { matchPlugin } from "../../src/core/plugin-match.js";
import { actor, fakeBot } from "./fakes.js";
import { assertRefused } from "./refusals.js";

const vera = actor("vera");
const otto = actor("otto");

const sink = "org.apache.kafka.connect.file.FileStreamSinkConnector";
const source = "org.apache.kafka.connect.file.FileStreamSourceConnector";
const installed = (...classes: string[]) => ({
  connectorPlugins: async () =>
    classes.map((name) => ({
      class: name,
      type: name.includes("Source") ? "source" : "sink",
      version: "4.4.0",
    })),
});

describe("matchPlugin: the class names Connect accepts, and close matches for the rest", () => {
  test("the full name, the simple name and the simple name without 'Connector' each find the class", () => {
    for (const typed of [sink, "FileStreamSinkConnector", "FileStreamSink"]) {
      assert.deepEqual(matchPlugin(typed, [sink, source]), { kind: "found", className: sink });
    }
  });

  test("a typo, another case or a part of the name is not accepted, but offered", () => {
    for (const typed of [
      "FileStreamSnk",
      "filestreamsink",
      "org.apache.kafka.connect.file.FileStreamSinkConector",
    ]) {
      assert.deepEqual(matchPlugin(typed, [sink, source]), { kind: "unknown", closeMatches: [sink] }, typed);
    }
    assert.deepEqual(matchPlugin("FileStream", [source, sink]), {
      kind: "unknown",
      closeMatches: [sink, source],
    });
    assert.deepEqual(matchPlugin("JdbcSink", [sink, source]), { kind: "unknown", closeMatches: [] });
  });

  test("a short name two packages share is ambiguous, as it is for Connect", () => {
    const twins = ["com.b.JdbcSinkConnector", "com.a.JdbcSinkConnector"];
    assert.deepEqual(matchPlugin("JdbcSink", twins), {
      kind: "ambiguous",
      candidates: ["com.a.JdbcSinkConnector", "com.b.JdbcSinkConnector"],
    });
    assert.deepEqual(matchPlugin("com.a.JdbcSinkConnector", twins), {
      kind: "found",
      className: "com.a.JdbcSinkConnector",
    });
  });
});

describe("plugins / topics reset refusals", () => {
  test("a plugin the worker does not have is answered with its close matches, and nothing more is asked", async () => {
    await assertRefused(fakeBot({ connect: installed(sink, source) }), vera, "plugins FileStreamSnk", {
      says: /^No connector plugin FileStreamSnk is installed on prod\. Close matches: org\.apache\.kafka\.connect\.file\.FileStreamSinkConnector\.$/,
      calls: ["connect.connectorPlugins"],
    });
    await assertRefused(fakeBot({ connect: installed(sink) }), vera, "plugins S3Sink", {
      says: /^No connector plugin S3Sink is installed on prod\. `plugins` lists the installed ones\.$/,
      calls: ["connect.connectorPlugins"],
    });
  });

  test("a short name two installed plugins share", async () => {
    const bot = fakeBot({ connect: installed("com.b.JdbcSinkConnector", "com.a.JdbcSinkConnector") });
    await assertRefused(bot, vera, "plugins JdbcSink", {
      says: /^JdbcSink names 2 plugins on prod: com\.a\.JdbcSinkConnector, com\.b\.JdbcSinkConnector\. Give the full class name\.$/,
      calls: ["connect.connectorPlugins"],
    });
  });

  test("a version the worker does not offer is refused with those it does", async () => {
    await assertRefused(fakeBot({ connect: installed(sink) }), vera, "plugins FileStreamSink --version 9.9", {
      says: /^org\.apache\.kafka\.connect\.file\.FileStreamSinkConnector on prod has no version 9\.9; it offers 4\.4\.0\.$/,
      calls: ["connect.connectorPlugins"],
    });
  });

  test("--version needs a plugin, --type is for the list, and a type is sink or source", async () => {
    await assertRefused(fakeBot(), vera, "plugins --version 4.1.0", {
      says: /^--version picks a version of one plugin: name the plugin too\n/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), vera, "plugins FileStreamSink --type sink", {
      says: /^--type narrows the list of plugins: leave it out when you name one\n/,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), vera, "plugins --type transform", {
      says: /^--type: Invalid option: expected one of "sink"\|"source"\n/,
      errorCode: "USAGE",
    });
  });

  test("topics reset needs a reason, and the operator role", async () => {
    await assertRefused(fakeBot(), otto, "topics reset orders", {
      says: /^--reason is required: it is shown in the channel and kept in the audit\./,
      errorCode: "USAGE",
    });
    await assertRefused(fakeBot(), vera, 'topics reset orders --reason "migrated"', {
      says: /^`topics reset` needs the operator role on cluster prod; you have the viewer role\./,
      errorCode: "FORBIDDEN",
    });
  });

  test("a worker with topic.tracking.allow.reset=false: its refusal is named as its setting, not as bad credentials", async () => {
    const bot = fakeBot({
      connect: {
        status: async () => ({
          name: "orders",
          connector: { state: "RUNNING" as const, worker_id: "w1:8083" },
          tasks: [],
          type: "sink" as const,
        }),
        connectorTopics: async () => ["orders"],
        resetConnectorTopics: async () => {
          throw new ConnectFeatureDisabled({
            cluster: "prod",
            url: "http://connect:8083",
            operation: "PUT /connectors/orders/topics/reset",
            status: 403,
            reason: "Topic tracking reset is disabled.",
            setting: "topic.tracking.allow.reset",
          });
        },
      },
    });
    const { reply, text } = await bot.run(otto, 'topics reset orders --reason "migrated"');
    assert.equal(reply.outcome, "failed");
    assert.match(
      text,
      /^Connect on cluster prod refused `PUT \/connectors\/orders\/topics\/reset`: Topic tracking reset is disabled\. Its workers run with topic\.tracking\.allow\.reset=false, which only the admin of the Connect cluster can change; the bot's credentials were accepted\.$/,
    );
    assert.doesNotMatch(text, /unauthori[sz]ed/);
    assert.deepEqual(bot.calls, [
      "connect.status",
      "connect.connectorTopics",
      "connect.resetConnectorTopics",
    ]);
    assert.equal(bot.audit.entries.at(-1)?.errorCode, "CONNECT_FEATURE_DISABLED");
  });
});
