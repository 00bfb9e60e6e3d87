import { z } from "zod";
import { formatDuration } from "../../src/core/duration.js";
import { beforeWords } from "../../src/core/logger-workers.js";
import type { OperationKind } from "./operation-kind.js";

/**
 * `loggers set` or `loggers reset` proposed by an agent: the logger is the request's connector field (what the
 * one-open-request rule and the lock hold), and the change is sealed here as the typed command would make it.
 */
export const LogLevelOperation = z.object({
  kind: z.literal("log-level"),
  change: z.discriminatedUnion("action", [
    z.object({
      action: z.literal("set"),
      level: z.string(),
      scope: z.enum(["worker", "cluster"]),
      /** The worker's origin, for worker scope; none: the configured one. */
      worker: z.string().optional(),
      /** How long before the bot puts the level back, ms. */
      forMs: z.number().int().positive(),
    }),
    z.object({ action: z.literal("reset") }),
  ]),
});

/**
 * `log-level`: one step that sets the level (scheduling its way back, as `loggers set` does) or puts an open
 * change back now (as `loggers reset` does), in the name of the agent that proposed it. Run again after a crash,
 * a set keeps the level from before the first (the open change remembers it); a reset of a change already put
 * back fails, saying so.
 */
export const logLevel: OperationKind<z.output<typeof LogLevelOperation>> = {
  schema: LogLevelOperation,
  steps: {
    changed: {
      doing: "changing the log level",
      async run({ logLevels, operation, request, call, sendingChange }) {
        if (logLevels === undefined) throw new Error("this bot process cannot change log levels");
        const { cluster, connector: logger, requester } = request;
        const by = { id: requester.id, name: requester.name, source: requester.source ?? "unknown" };
        const { change } = operation;
        await sendingChange();
        if (change.action === "reset") {
          const open = await logLevels.openChange(cluster, logger);
          if (open === undefined || !(await logLevels.revert(open.id, by)))
            throw new Error(`The bot has no change of ${logger} on ${cluster} to put back.`);
          return { outcome: `${logger} is back to ${beforeWords(open)} (${open.id}).` };
        }
        const set = await logLevels.set({
          cluster,
          logger,
          level: change.level,
          scope: change.scope,
          worker: change.worker,
          forMs: change.forMs,
          reason: request.reason,
          by,
          requestId: call.requestId,
        });
        const where = set.scope === "cluster" ? "every worker" : new URL(set.worker).host;
        return {
          outcome: `${logger} is ${set.level} on ${where} for ${formatDuration(change.forMs)}; it goes back to ${beforeWords(set)} at ${new Date(set.until).toISOString().slice(11, 16)} UTC (${set.id}).`,
        };
      },
    },
  },
  async leaveSafely({ operation }) {
    return operation.change.action === "set"
      ? "If the level was changed, the bot puts it back when its time runs out; `loggers` shows each level now."
      : "`loggers` shows each level now.";
  },
  outcomeParts() {
    return [];
  },
  notAConnector: true,
};
