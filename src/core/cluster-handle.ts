import type { ClusterClients } from "./ports.js";

/** One configured cluster and the clients that reach it (see {@link ClusterClients}). */
export interface ClusterHandle extends ClusterClients {
  readonly name: string;
  readonly isDefault: boolean;
}
