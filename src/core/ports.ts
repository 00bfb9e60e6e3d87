/**
 * The contracts the core, the commands and the alerts read first: what they need from the layers below them,
 * declared here so that they import none of those layers (the layer rule, checked by `scripts/check-layers.ts`).
 * The infrastructure implements these interfaces (`class ConnectClient implements ConnectReads, ConnectChanges`)
 * and parses what it receives into the vocabulary declared beside them; the composition root (`createApp`) wires
 * them. Every error a port throws carries a stable `code` (read with `hasCode`), and `error-words.ts` words each.
 *
 * - Connect reads and changes, and the Connect vocabulary: `ports/connect.ts`, `ports/connect-vocabulary.ts`.
 * - Sink lag reading and its vocabulary: `ports/sink-lag.ts` (the "where a sink starts" rule: `sink-consumer.ts`).
 * - Alerts as commands use them: `ports/alerts.ts`; the bot's scheduled work: `ports/automation.ts`.
 * - The audit trail: `audit-log.ts`. Identity: `identity.ts`.
 */

import type { AlertActions } from "./ports/alerts.js";
import type { AutomationServices } from "./ports/automation.js";
import type { ConnectReads, DirectConnectChanges } from "./ports/connect.js";
import type { LagReads } from "./ports/sink-lag.js";

export * from "./audit-log.js";
export * from "./ports/alerts.js";
export * from "./ports/automation.js";
export * from "./ports/connect.js";
export * from "./ports/connect-vocabulary.js";
export * from "./ports/sink-lag.js";

/**
 * The services a command reaches beyond the core, by name. `approvals` is still added by declaration merging in
 * approvals/approvals.ts, until its request vocabulary moves here with the approvals rework.
 */
export interface CommandServices {
  readonly alerts: AlertActions;
  readonly automation: AutomationServices;
}

/** The clients of one configured cluster, as commands and alert polls use them. */
export interface ClusterClients {
  /** The cluster's Connect workers: every read, and the changes a command makes without an approval. */
  readonly connect: ConnectReads & DirectConnectChanges;
  /** Sink connectors' consumer lag, read from the cluster's brokers. */
  readonly lag: LagReads;
}
