import type { Command } from "../src/core/command-spec.js";
import { alerts } from "./alerts.js";
import { alertsAck } from "./alerts-ack.js";
import { alertsSilence } from "./alerts-silence.js";
import { alertsSnooze } from "./alerts-snooze.js";
import { alertsUnsnooze } from "./alerts-unsnooze.js";
import { approvalsList } from "./approvals.js";
import { approve } from "./approve.js";
import { audit } from "./audit.js";
import { auditVerify } from "./audit-verify.js";
import { cancel } from "./cancel.js";
import { clusters } from "./clusters.js";
import { config } from "./config.js";
import { configHistory } from "./config-history.js";
import { configRestore } from "./config-restore.js";
import { configSet } from "./config-set.js";
import { create } from "./create.js";
import { deleteConnector } from "./delete.js";
import { deny } from "./deny.js";
import { help } from "./help.js";
import { lag } from "./lag.js";
import { list } from "./list.js";
import { loggers } from "./loggers.js";
import { loggersReset } from "./loggers-reset.js";
import { loggersSet } from "./loggers-set.js";
import { nudge } from "./nudge.js";
import { offsetsGet } from "./offsets-get.js";
import { offsetsReset } from "./offsets-reset.js";
import { offsetsRestore } from "./offsets-restore.js";
import { offsetsSet } from "./offsets-set.js";
import { pause } from "./pause.js";
import { plugins } from "./plugins.js";
import { restart } from "./restart.js";
import { resume } from "./resume.js";
import { status } from "./status.js";
import { stop } from "./stop.js";
import { tasks } from "./tasks.js";
import { topics } from "./topics.js";
import { topicsReset } from "./topics-reset.js";
import { whoami } from "./whoami.js";

/** Every /connect command, in the order help lists them. A test fails if a file here is missing from the list. */
export const commands: readonly Command[] = [
  help,
  clusters,
  list,
  status,
  config,
  tasks,
  topics,
  plugins,
  configHistory,
  offsetsGet,
  lag,
  pause,
  resume,
  restart,
  topicsReset,
  stop,
  loggers,
  loggersSet,
  loggersReset,
  deleteConnector,
  create,
  configSet,
  configRestore,
  offsetsReset,
  offsetsSet,
  offsetsRestore,
  approvalsList,
  alerts,
  alertsSnooze,
  alertsUnsnooze,
  alertsAck,
  alertsSilence,
  approve,
  deny,
  cancel,
  nudge,
  whoami,
  audit,
  auditVerify,
];
