// needs: bed
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { auditChannelMirror } from "../src/slack/slack-adapter.js";
import type { RecordedCall } from "./slack/slack-api-stand-in.js";
import { testRedis } from "./support/redis-prefix.js";
import { type SlackTestBot, startSlackTestBot } from "./support/test-bot.js";

/** A lone UTF-16 half as JSON writes it (`\ud83d`): what a cut inside an emoji sends. */
const loneSurrogateJson = /\\u[dD][89a-fA-F][0-9a-fA-F]{2}/;
const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });
const endsOnCharacter = (text: string, at: number) =>
  at === text.length || [...graphemes.segment(text)].some(({ index }) => index === at);

describe("long lines cut on whole characters: the audit trail stays verifiable and Slack gets no broken character", () => {
  const { prefix, cleanup } = testRedis("audit-cut");
  const botToken = "xoxb-cut-token";
  const signingSecret = "cut-signing-secret";
  const viewer = "U0VIEWER";
  const nobody = "U0NOROLE";
  let bot: SlackTestBot;

  const ask = async (userId: string, text: string): Promise<RecordedCall> => {
    const responseUrl = bot.standIn.responseUrl();
    await bot.simulator.slashCommand({ text, userId, responseUrl });
    return bot.standIn.waitForCall("response_url", (call) => call.url === responseUrl);
  };

  before(async () => {
    bot = await startSlackTestBot({
      env: { ROLE_VIEWERS: viewer },
      keyPrefix: prefix,
      standIn: { botToken },
      signingSecret,
      worker: false,
      withClient: (client) => ({ mirrorAudit: auditChannelMirror(client, "C0AUDIT") }),
    });
  });
  after(async () => {
    await bot.close();
    await cleanup();
  });

  test("someone with no role types long lines ending in emoji, flags, families and combining marks: audit verify says intact", async () => {
    const tails = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🇩🇪", "𝄞", "e\u0301", "\u1100\u1161\u11A8"];
    const typed: string[] = [];
    // The stored command line is cut at 500 units and the audit table's column at 80: each tail straddles both.
    for (const tail of tails) {
      for (const at of [78, 79, 498, 499]) typed.push(`list ${"a".repeat(at - 5)}${tail.repeat(12)}`);
    }
    for (const text of typed) await ask(nobody, text);

    const verified = await ask(viewer, "audit verify");
    assert.match(String(verified.args.text), /The audit trail is intact/);
    assert.deepEqual(await bot.app.audit.verify(), { ok: true, entries: typed.length + 1 });

    const entries = await bot.app.audit.query({ actorId: nobody, limit: 200 });
    assert.equal(entries.length, typed.length, "every refused line is audited");
    for (const entry of entries) {
      const text = typed.find((line) => line.startsWith(entry.args)) ?? assert.fail(`${entry.args} typed`);
      assert.equal(entry.outcome, "refused");
      assert.ok(entry.args.length <= 500);
      assert.ok(
        endsOnCharacter(text, entry.args.length),
        `${JSON.stringify(entry.args.slice(-12))} ends inside a character`,
      );
    }
  });

  test("the audit table and the audit channel show those lines to Slack without a lone UTF-16 half", async () => {
    const table = await ask(viewer, "audit --limit 100");
    const shown = JSON.stringify(table.args);
    assert.match(shown, /list aaaa/, "the lines are listed");
    await bot.app.audit.whenMirrored();
    for (const call of bot.standIn.calls) {
      const sent = JSON.stringify(call.args);
      assert.doesNotMatch(
        sent,
        loneSurrogateJson,
        `${call.method} carried a lone surrogate: ${sent.slice(0, 300)}`,
      );
    }
    assert.ok(bot.standIn.callsOf("chat.postMessage").some((call) => call.args.channel === "C0AUDIT"));
    assert.deepEqual(bot.standIn.rejections(), []);
  });
});
