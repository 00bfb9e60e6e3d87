import { z } from "zod";
import type { ClusterClients } from "./ports.js";

/**
 * What a Connect worker says of its own health (`GET /health`, KIP-1017), in the one form `clusters`, the
 * Connect-unreachable alert and readiness all tell: healthy; answering but starting or unhealthy, with Connect's
 * message; not reported by a worker older than 3.9; or no verdict, with why.
 */
export type HealthVerdict =
  | { readonly kind: "healthy" }
  | { readonly kind: "unhealthy"; readonly status: "starting" | "unhealthy"; readonly message: string }
  | { readonly kind: "not reported"; readonly message: string }
  | { readonly kind: "no verdict"; readonly reason: string };

/** A failed Connect call as its error carries it: why, and how long the bot waited on a silent worker. */
const Failure = z.object({ reason: z.string(), waitedMs: z.number().optional() });

/**
 * Asks the worker for its verdict. A worker holds `GET /health` for up to 10 s before it answers starting or
 * unhealthy (seen on the 4.4 test bed), so a caller with a shorter deadline gets "no verdict" with how long it
 * waited. Never throws for a failed call: that is a verdict too.
 */
export async function workerHealth(
  connect: Pick<ClusterClients["connect"], "health">,
  options: { readonly requestId?: string; readonly signal?: AbortSignal } = {},
): Promise<HealthVerdict> {
  try {
    const report = await connect.health(options);
    if (report.status === "healthy") return { kind: "healthy" };
    if (report.status === "not reported") return { kind: "not reported", message: report.message };
    return { kind: "unhealthy", status: report.status, message: report.message };
  } catch (error) {
    const failure = Failure.safeParse(error);
    if (!failure.success) return { kind: "no verdict", reason: String(error) };
    const { reason, waitedMs } = failure.data;
    return {
      kind: "no verdict",
      reason:
        waitedMs === undefined
          ? reason
          : `held ${(waitedMs / 1000).toFixed(1)} s without an answer (a worker holds it while starting or unhealthy)`,
    };
  }
}

/** "healthy", "unhealthy: <Connect's message>", "not reported (needs 3.9)", "no verdict (<why>)". */
export function healthWords(verdict: HealthVerdict): string {
  switch (verdict.kind) {
    case "healthy":
      return "healthy";
    case "unhealthy":
      return `${verdict.status}: ${verdict.message}`;
    case "not reported":
      return `not reported (${verdict.message})`;
    case "no verdict":
      return `no verdict (${verdict.reason})`;
  }
}
