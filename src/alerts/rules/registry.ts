import { alertingStopped } from "./alerting-stopped.js";
import { connectUnreachable } from "./connect-unreachable.js";
import { connectorFailed } from "./connector-failed.js";
import { dataLossRisk } from "./data-loss-risk.js";
import { fallingBehind } from "./falling-behind.js";
import { lagHigh } from "./lag-high.js";
import type { AlertRuleSpec } from "./rule.js";
import { stalled } from "./stalled.js";
import { taskFailed } from "./task-failed.js";
import { unassigned } from "./unassigned.js";
import { unexpectedPause } from "./unexpected-pause.js";

/**
 * Every alert rule, by the id stored with its alerts; a message lists findings in this order. A new rule is a
 * module in this folder and one line here: its window then sizes the history kept (alert-rules.ts).
 */
export const alertRuleTable = {
  "connector-failed": connectorFailed,
  "task-failed": taskFailed,
  "unexpected-pause": unexpectedPause,
  unassigned,
  "data-loss-risk": dataLossRisk,
  "lag-high": lagHigh,
  stalled,
  "falling-behind": fallingBehind,
  "connect-unreachable": connectUnreachable,
  "alerting-stopped": alertingStopped,
} as const satisfies Record<string, AlertRuleSpec>;
