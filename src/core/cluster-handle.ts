import type { ConnectClient } from "../connect/connect-client.js";
import type { SinkLagReader } from "../kafka/sink-lag-reader.js";

/** One configured cluster and the clients that reach it. */
export interface ClusterHandle {
  readonly name: string;
  readonly isDefault: boolean;
  readonly connect: ConnectClient;
  readonly lag: SinkLagReader;
}
