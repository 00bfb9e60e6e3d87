import { setTimeout as sleep } from "node:timers/promises";
import { hasCode } from "./has-code.js";
import type { ConnectorState, ConnectorStates, StatusReader } from "./ports.js";

/**
 * Connect applies pause, resume and stop asynchronously. Polls the status until the connector and its tasks reach
 * `wanted`, or the time is up; returns the last status either way, so the reply can say where it stands.
 */
export async function awaitState<Status extends ConnectorStates>(
  connect: StatusReader<Status>,
  name: string,
  wanted: ConnectorState,
  {
    timeoutMs = 5_000,
    intervalMs = 250,
    requestId,
    justCreated = false,
  }: { timeoutMs?: number; intervalMs?: number; requestId?: string; justCreated?: boolean } = {},
): Promise<{ reached: boolean; status: Status }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A connector created a moment ago has no status yet: Connect answers 404 until its first one is written.
    const status = await connect
      .status(name, requestId === undefined ? {} : { requestId })
      .catch((error: unknown) => {
        if (justCreated && hasCode(error, "CONNECT_NOT_FOUND") && Date.now() < deadline) return undefined;
        throw error;
      });
    if (status === undefined) {
      await sleep(intervalMs);
      continue;
    }
    const tasksAgree =
      wanted === "STOPPED" ? status.tasks.length === 0 : status.tasks.every((task) => task.state === wanted);
    if (status.connector.state === wanted && tasksAgree) return { reached: true, status };
    if (Date.now() >= deadline) return { reached: false, status };
    await sleep(intervalMs);
  }
}

/** Connect forgets a deleted connector's status a moment after the DELETE returns: polls until it answers 404. */
export async function awaitGone(
  connect: StatusReader<ConnectorStates>,
  name: string,
  {
    timeoutMs = 30_000,
    intervalMs = 250,
    requestId,
  }: { timeoutMs?: number; intervalMs?: number; requestId?: string } = {},
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const gone = await connect.status(name, requestId === undefined ? {} : { requestId }).then(
      () => false,
      (error: unknown) => {
        if (hasCode(error, "CONNECT_NOT_FOUND")) return true;
        throw error;
      },
    );
    if (gone) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}
