import { z } from "zod";
import { flag } from "./command-spec.js";
import { errorReply, type Reply } from "./reply.js";

/**
 * `--worker URL` of the `loggers` commands: one worker of the group, as its origin (`http://host:port`, a status's
 * `worker_id` with the cluster URL's scheme). Worker-scope log levels live in each worker (KIP-495).
 */
export const workerFlag = flag(
  z
    .url({ protocol: /^https?$/, error: "a worker's URL, e.g. http://connect-2:8083" })
    .transform((url) => new URL(url).origin)
    .optional(),
  "one worker of the group, e.g. http://connect-2:8083 (default: the cluster's URL)",
  { valueName: "URL" },
);

/**
 * The worker `asked` names, when it is one of the group's (`workers`: the configured URL and every worker a
 * connector's or task's status names); a refusal listing them otherwise, since the cluster's credentials would go
 * to it. No worker asked: the configured one (undefined).
 */
export async function groupWorker(
  logLevels: { workers(cluster: string, requestId: string): Promise<string[]> },
  cluster: string,
  asked: string | undefined,
  requestId: string,
): Promise<{ readonly worker: string | undefined } | { readonly refusal: Reply }> {
  if (asked === undefined) return { worker: undefined };
  const workers = await logLevels.workers(cluster, requestId);
  if (workers.includes(asked)) return { worker: asked };
  return {
    refusal: errorReply(
      "refused",
      `${asked} is not a worker of ${cluster}: its workers are ${workers.join(", ")} (the cluster's URL and each worker a status names). Nothing was changed.`,
    ),
  };
}

/** `INFO`, or `INFO on 127.0.0.1:8083, ERROR on 127.0.0.1:8084` when the workers had different levels before. */
export function beforeWords(change: { readonly before: Readonly<Record<string, string>> }): string {
  const levels = Object.entries(change.before);
  const distinct = new Set(levels.map(([, level]) => level));
  if (distinct.size === 1) return [...distinct][0] ?? "?";
  return levels.map(([worker, level]) => `${level} on ${new URL(worker).host}`).join(", ");
}
