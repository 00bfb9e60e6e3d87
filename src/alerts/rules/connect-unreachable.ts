import type { PollerRule } from "./rule.js";

/** Raised for a whole cluster by the poller when Connect does not answer two polls in a row: connector `*`. */
export const connectUnreachable: PollerRule = {
  name: "Connect unreachable",
  reads: "poller",
  window: null,
  severity: "critical",
};
