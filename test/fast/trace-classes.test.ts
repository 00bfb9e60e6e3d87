// needs: pure
import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyTrace, verdictWords } from "../../src/automation/trace-classes.js";
import { recordedTraces } from "../fixtures/plugin-traces.js";

test("the trace table gives each recorded plugin failure the verdict a senior engineer gives it", () => {
  const wrong = recordedTraces.flatMap((recorded) => {
    const found = classifyTrace(recorded.trace);
    return found.verdict === recorded.verdict
      ? []
      : [
          `${recorded.plugin}, ${recorded.what}: ${found.verdict} (${found.why}), expected ${recorded.verdict}`,
        ];
  });
  assert.deepEqual(wrong, []);
  assert.ok(recordedTraces.length >= 12);
});

test("a persistent cause under a transient wrapper stays persistent; a line number is not a status code", () => {
  const wrapped = `org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment
Caused by: org.apache.kafka.common.errors.SaslAuthenticationException: Authentication failed: Invalid username or password`;
  assert.deepEqual(classifyTrace(wrapped), { verdict: "persistent", why: "authentication failed" });
  assert.match(verdictWords(classifyTrace(wrapped)), /^authentication failed: a restart will not help/);
  const frame = "java.lang.IllegalStateException: boom\n\tat com.example.Sink.put(Sink.java:429)";
  assert.equal(classifyTrace(frame).verdict, "unknown");
  assert.equal(classifyTrace(undefined).verdict, "unknown");
});

test("rules from the config file come first: a site can call its own failure transient", () => {
  const trace = "com.example.LegacyGatewayBusy: try later";
  assert.equal(classifyTrace(trace).verdict, "unknown");
  const taught = classifyTrace(trace, [
    { match: "LegacyGatewayBusy", verdict: "transient", why: "the gateway is busy" },
  ]);
  assert.deepEqual(taught, { verdict: "transient", why: "the gateway is busy" });
});
