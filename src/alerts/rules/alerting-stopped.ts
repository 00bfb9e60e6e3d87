import type { PollerRule } from "./rule.js";

/** Raised by a bot process when alert polls have stopped (see poll-freshness.ts): cluster and connector are `*`. */
export const alertingStopped: PollerRule = {
  name: "alerting has stopped",
  reads: "poller",
  window: null,
  severity: "critical",
};
