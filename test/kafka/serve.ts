/**
 * `npm run test-bed`: starts the test bed and keeps it running, so that `npm test` can reuse it while you work:
 * it prints the two variables to export. Ctrl-C stops it.
 */
import { join } from "node:path";
import { startTestBed } from "./test-bed.js";

const bed = await startTestBed({
  kafkaVersion: process.env.KAFKA_VERSION ?? "4.1.1",
  workDir: join(import.meta.dirname, "..", "..", ".test-bed", "dev"),
  log: (line) => console.log(`test bed: ${line}`),
});
console.log(
  `export TEST_BED_CONNECT_URL=${bed.connectUrl} TEST_BED_BOOTSTRAP_SERVERS=${bed.bootstrapServers}`,
);
console.log(`logs: ${bed.logFiles.join(", ")}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void bed.stop().then(() => process.exit(0)));
}
