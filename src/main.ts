/**
 * `npm start`. Until the Slack adapter lands this checks the configuration, says what the bot would connect to,
 * probes each Connect worker, and exits.
 */
import { ConfigError, loadConfig } from "./config.js";
import { ConnectClient } from "./connect/connect-client.js";
import { ConnectError } from "./connect/connect-errors.js";

try {
  const config = loadConfig();
  console.log("connect-ops configuration:");
  for (const cluster of config.clusters) {
    const auth = cluster.connect.username === undefined ? "" : ` as ${cluster.connect.username}`;
    const marker = cluster.isDefault ? " (default)" : "";
    console.log(
      `  cluster ${cluster.name}${marker}: Connect ${cluster.connect.url}${auth}, Kafka ${cluster.kafka.brokers.join(",")}`,
    );
    const connect = new ConnectClient({
      cluster: cluster.name,
      ...cluster.connect,
      timeoutMs: 3000,
      maxRetries: 0,
    });
    const answer = await connect.workerInfo().then(
      (info) => `Kafka Connect ${info.version} (Kafka cluster ${info.kafka_cluster_id})`,
      (error: unknown) => (error instanceof ConnectError ? `not reachable: ${error.reason}` : String(error)),
    );
    await connect.close();
    console.log(`    ${answer}`);
  }
  console.log(`  Redis ${new URL(config.redisUrl).host}`);
  console.log(
    config.slack.botToken === undefined
      ? "  Slack: no SLACK_BOT_TOKEN set"
      : `  Slack: ${config.slack.appToken === undefined ? `HTTP on port ${config.port}` : "Socket Mode"}`,
  );
  console.log("The Slack adapter and the terminal shell are not built yet: nothing more to run.");
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 2;
}
