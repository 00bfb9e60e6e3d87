/**
 * From the approve click to "done": how much time the bot adds beyond Connect's own work. The bot reaches Connect
 * through a recording proxy, so each Connect call's duration is known; what remains is the bot's (BullMQ pickup,
 * Redis step saves, audit appends) plus the wait for Connect's asynchronous stop.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ApprovalRequest } from "../approvals/approval-request.js";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { FaultProxy, type RecordedRequest } from "../test/support/fault-proxy.js";
import { testRedis } from "../test/support/redis-prefix.js";
import { createTopicWithMessages, eventually, testKafka, uniqueName } from "../test/support/test-bed-env.js";

const operator = { id: "U0OPER", name: "otto", source: "slack" } as const;
const approver = { id: "U0APPR", name: "anna", source: "slack" } as const;

export interface ApprovalOverhead {
  readonly totalMs: number;
  readonly connectCallsMs: number;
  readonly stopWaitMs: number;
  readonly botMs: number;
  readonly connectCalls: number;
}

export async function measureApprovalOverhead(
  bed: { connectUrl: string; bootstrapServers: string },
  runs: number,
): Promise<ApprovalOverhead[]> {
  const { prefix, cleanup } = testRedis("bench-approvals");
  const proxy = await FaultProxy.start(bed.connectUrl);
  const dir = await mkdtemp(join(tmpdir(), "bench-approvals-"));
  const finished = new Map<string, (request: ApprovalRequest) => void>();
  const app = createApp({
    config: loadConfig({
      CONNECT_URL: proxy.url,
      KAFKA_BROKERS: bed.bootstrapServers,
      LOG_LEVEL: "silent",
      ROLE_OPERATORS: operator.id,
      ROLE_APPROVERS: approver.id,
    }),
    keyPrefix: prefix,
    approvalNotifier: () => ({
      async changed(request) {
        if (request.state === "succeeded" || request.state === "failed") finished.get(request.id)?.(request);
        return undefined;
      },
    }),
  });
  await app.approvals.startWorker();
  const connect = app.clusters[0]?.connect;
  if (connect === undefined) throw new Error("no cluster");
  const topic = uniqueName("bench-topic");
  const connector = uniqueName("bench-sink");
  try {
    await createTopicWithMessages(testKafka(), topic, { partitions: 4, count: 400 });
    await connect.putConfig(connector, {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: topic,
      file: join(dir, "sink.txt"),
    });
    const results: ApprovalOverhead[] = [];
    // The first run warms the JIT, the connections and the worker's group membership: it is not counted.
    for (let run = 0; run <= runs; run++) {
      await eventually("the sink to catch up", async () => {
        const status = await connect.status(connector);
        const { offsets } = await connect.offsets(connector);
        const all = offsets.reduce((sum, o) => sum + Number(o.offset?.kafka_offset ?? 0), 0);
        return status.connector.state === "RUNNING" && all === 400 ? true : undefined;
      });
      const asked = await app.dispatcher.dispatch({
        actor: operator,
        text: `offsets reset ${connector} --to-earliest --reason "benchmark"`,
        requestId: `bench-${run}`,
      });
      const id = /request ([a-z0-9._-]+-\d+-[a-z0-9]{4})/.exec(asked.summary)?.[1];
      if (id === undefined) throw new Error(asked.summary);
      const done = new Promise<ApprovalRequest>((resolve) => finished.set(id, resolve));
      const firstCall = proxy.requests.length;
      const started = performance.now();
      await app.dispatcher.dispatch({ actor: approver, text: `approve ${id}`, requestId: `bench-a-${run}` });
      const request = await done;
      const totalMs = performance.now() - started;
      if (request.state !== "succeeded") throw new Error(request.outcome);
      if (run > 0) results.push(breakdown(totalMs, proxy.requests.slice(firstCall)));
    }
    return results;
  } finally {
    await connect.deleteConnector(connector).catch(() => undefined);
    await app.close();
    await proxy.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  }
}

function breakdown(totalMs: number, calls: readonly RecordedRequest[]): ApprovalOverhead {
  const duration = (call: RecordedRequest) => (call.finishedMs ?? call.startedMs) - call.startedMs;
  const connectCallsMs = calls.reduce((sum, call) => sum + duration(call), 0);
  // Between the end of PUT /stop and the start of the PATCH the bot polls the status: the gaps there are the
  // wait for Connect's asynchronous stop (and the poll interval), not work of the bot's.
  const stop = calls.findIndex((call) => call.method === "PUT" && call.url.endsWith("/stop"));
  const change = calls.findIndex(
    (call) => call.method === "PATCH" || (call.method === "DELETE" && call.url.endsWith("/offsets")),
  );
  let stopWaitMs = 0;
  for (let i = stop + 1; stop >= 0 && i <= change; i++) {
    const previous = calls[i - 1];
    const current = calls[i];
    if (previous?.finishedMs !== undefined && current !== undefined)
      stopWaitMs += current.startedMs - previous.finishedMs;
  }
  return {
    totalMs,
    connectCallsMs,
    stopWaitMs,
    botMs: totalMs - connectCallsMs - stopWaitMs,
    connectCalls: calls.length,
  };
}
