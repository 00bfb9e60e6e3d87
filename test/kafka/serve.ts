/**
 * `npm run test-bed`: starts the test bed and keeps it running, so that `npm test` can reuse it while you work:
 * it prints the two variables to export. Ctrl-C stops it, and so does `kill` of its PID or of the `npm run` above it
 * (the script is exec'd, so npm's forwarded SIGTERM reaches this process; a SIGKILLed npm is noticed too).
 */
import { join } from "node:path";
import { stopOnSignalOrOrphan } from "./lifeline.js";
import { defaultKafkaVersion, startTestBed } from "./test-bed.js";

const bed = await startTestBed({
  kafkaVersion: process.env.KAFKA_VERSION ?? defaultKafkaVersion,
  workDir: join(import.meta.dirname, "..", "..", ".test-bed", "dev"),
  log: (line) => console.log(`test bed: ${line}`),
});
console.log(
  `export TEST_BED_CONNECT_URL=${bed.connectUrl} TEST_BED_BOOTSTRAP_SERVERS=${bed.bootstrapServers}`,
);
console.log(`logs: ${bed.logFiles.join(", ")}`);
stopOnSignalOrOrphan(() => bed.stop(), 0);
