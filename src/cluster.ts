import type { ConnectClient } from "./connect/connect-client.js";
import type { ClusterHandle } from "./core/cluster-handle.js";
import type { SinkLagReader } from "./kafka/sink-lag-reader.js";

/**
 * One configured cluster with its whole clients, as the app builds it. The approval executor, readiness and
 * shutdown use more of each client than commands do; commands see the same cluster as a {@link ClusterHandle},
 * which names only what they call.
 */
export interface Cluster extends ClusterHandle {
  readonly connect: ConnectClient;
  readonly lag: SinkLagReader;
}
