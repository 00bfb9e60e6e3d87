import type { KafkaConnectionErrorCode } from "../core/ports.js";
import type { KafkaConnection } from "./kafka-connection.js";

/**
 * The bot could not open a session with the brokers: the credentials were refused, the brokers' certificate is
 * not trusted, or no broker answered. It carries what an operator needs to fix it (the mechanism and user, the
 * CA file, the brokers) and never the password or token.
 */
export class KafkaConnectionError extends Error {
  override readonly name = "KafkaConnectionError";
  readonly code: KafkaConnectionErrorCode;
  /** Only an unreachable broker may answer later; wrong credentials or certificates stay wrong. */
  readonly retriable: boolean;
  readonly brokers: readonly string[];
  readonly mechanism: string | undefined;
  readonly username: string | undefined;
  readonly caFile: string | undefined;
  /** What the client library said (no secret is ever part of it). */
  readonly reason: string;

  constructor(code: KafkaConnectionErrorCode, connection: KafkaConnection, reason: string) {
    super(`Kafka ${connection.brokers.join(",")}: ${code}: ${reason}`);
    this.code = code;
    this.retriable = code === "KAFKA_UNREACHABLE";
    this.brokers = connection.brokers;
    const sasl = connection.security?.sasl;
    this.mechanism = sasl?.mechanism;
    this.username = sasl !== undefined && "username" in sasl ? sasl.username : undefined;
    this.caFile = connection.security?.tls?.caFile;
    this.reason = reason;
  }
}
