import assert from "node:assert/strict";
import type { Actor } from "../../src/core/command-spec.js";
import type { CommandCall } from "../../src/core/dispatcher.js";
import type { FakeBot } from "./fakes.js";

export interface Expected {
  /** What the person reads. */
  readonly says: RegExp;
  /** The port calls made, in order: none unless the refusal needed to read something first. */
  readonly calls?: readonly string[];
  /** The audit entry's command; default: the first word(s) of the line as the command's name. */
  readonly command?: string;
  /** The audit entry's error code: USAGE for bad words or cluster, FORBIDDEN for a missing role. */
  readonly errorCode?: string;
}

/**
 * Asserts that the invocation is refused with `expected.says`, that it made exactly the port calls listed (so
 * nothing changed), and that exactly one audit entry records the refusal.
 */
export async function assertRefused(
  bot: FakeBot,
  who: Actor,
  invocation: string | CommandCall,
  expected: Expected,
): Promise<void> {
  const before = bot.audit.entries.length;
  const { reply, text } =
    typeof invocation === "string" ? await bot.run(who, invocation) : await bot.call(who, invocation);
  assert.equal(reply.outcome, "refused", text);
  assert.match(text, expected.says);
  assert.deepEqual(bot.calls, expected.calls ?? []);
  const written = bot.audit.entries.slice(before);
  assert.equal(written.length, 1, "one audit entry per invocation");
  const [entry] = written;
  assert.equal(entry?.outcome, "refused");
  assert.equal(entry?.actorId, who.id);
  assert.equal(entry?.source, who.source);
  if (expected.command !== undefined) assert.equal(entry?.command, expected.command);
  assert.equal(entry?.errorCode, expected.errorCode);
}
