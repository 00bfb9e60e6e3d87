/**
 * What the core needs from the layers below it, declared here so that the core imports none of them (the layer
 * rule, checked by `scripts/check-layers.ts`). The clients implement these shapes; their error codes are
 * declared here too, so that `error-words.ts` words every code and the compiler notices a new one.
 */

/** Stable codes of a failed Connect call: src/connect's errors carry one, with the cluster, URL and reason. */
export const connectErrorCodes = [
  "CONNECT_NOT_FOUND",
  "CONNECT_CONFLICT",
  "CONNECT_NOT_STOPPED",
  "CONNECT_BAD_REQUEST",
  "CONNECT_UNAUTHORIZED",
  "CONNECT_UNAVAILABLE",
  "CONNECT_BAD_RESPONSE",
  "CONNECT_UNADDRESSABLE_NAME",
  "CONNECT_TOO_OLD",
  "CONNECT_FEATURE_DISABLED",
] as const;
export type ConnectErrorCode = (typeof connectErrorCodes)[number];

/** Stable codes of a Kafka session that could not be opened (src/kafka's `KafkaConnectionError`). */
export const kafkaConnectionErrorCodes = [
  "KAFKA_AUTH_FAILED",
  "KAFKA_TLS_UNTRUSTED",
  "KAFKA_UNREACHABLE",
] as const;
export type KafkaConnectionErrorCode = (typeof kafkaConnectionErrorCodes)[number];

/** A connector's state as Connect reports it. */
export type ConnectorState = "UNASSIGNED" | "RUNNING" | "PAUSED" | "STOPPED" | "FAILED" | "RESTARTING";

/** The part of a connector's status the core reads: its state and its tasks' states. */
export interface ConnectorStates {
  readonly connector: { readonly state: ConnectorState };
  readonly tasks: readonly { readonly state: ConnectorState }[];
}

/** Reads a connector's status; fails with code `CONNECT_NOT_FOUND` for a connector Connect does not know. */
export interface StatusReader<Status extends ConnectorStates> {
  status(name: string, options: { readonly requestId?: string }): Promise<Status>;
}

/**
 * The services a command reaches beyond the core, by name (`approvals`, `alerts`). Empty here on purpose: each
 * module that serves commands adds its entry by declaration merging, next to its implementation, naming only the
 * methods commands call (`declare module "…/src/core/ports.js" { interface CommandServices { … } }`). The core
 * thus imports none of them, and the compiler still checks that the app supplies every entry.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging, as described above
export interface CommandServices {}

/** The clients of one cluster (`connect`, `lag`), filled in the same way by the modules that implement them. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging, as described above
export interface ClusterClients {}
