/**
 * A bot process that only runs the approvals worker, for the crash tests: started as a child with the test's
 * Connect proxy, Kafka and Redis key prefix. With CRASH_AT set, it tells its parent when that execution step is
 * saved and then waits to be killed there. LOCK_DURATION_MS overrides BullMQ's job lock (default: the app's).
 */
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";

const keyPrefix = process.env.TEST_KEY_PREFIX ?? "";
const crashAt = process.env.CRASH_AT;
if (keyPrefix === "" || process.send === undefined) {
  console.error("approval-worker runs as a child of a test, with TEST_KEY_PREFIX set");
  process.exit(2);
}
const tellParent = (message: string) => process.send?.(message);

const app = createApp({
  config: loadConfig({
    CONNECT_URL: process.env.CONNECT_URL,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    // The roles the asking process grants: each run asks afresh whether its requester and approvers still may.
    ROLE_OPERATORS: process.env.ROLE_OPERATORS,
    ROLE_APPROVERS: process.env.ROLE_APPROVERS,
    LOG_LEVEL: "silent",
  }),
  keyPrefix,
  // The production lock settings unless LOCK_DURATION_MS says otherwise (the bench measures the former ones too):
  // the crash test measures how soon another process resumes a killed execution.
  approvalOptions: {
    ...(process.env.LOCK_DURATION_MS === undefined
      ? {}
      : { lockDurationMs: Number(process.env.LOCK_DURATION_MS) }),
    afterStep: async (step) => {
      if (step !== crashAt) return;
      tellParent(`at ${step}`);
      await new Promise(() => {});
    },
  },
});
await app.approvals.startWorker();
tellParent("ready");
