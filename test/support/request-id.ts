import assert from "node:assert/strict";

/** The request id (`prod-17-k3mx`) an answer names after "request"; fails the test with the text when none. */
export function requestIdIn(text: string): string {
  return /request ([a-z0-9._-]+-\d+-[a-z0-9]{4})/.exec(text)?.[1] ?? assert.fail(`no request id in: ${text}`);
}
