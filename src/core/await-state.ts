import { hasCode } from "./has-code.js";
import type { ConnectorState, ConnectorStates, StatusReader } from "./ports.js";
import { poll } from "./retry.js";

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
  const options = requestId === undefined ? {} : { requestId };
  let last: Status | undefined;
  let notFound: unknown;
  const reached = await poll(
    async () => {
      // A connector created a moment ago has no status yet: Connect answers 404 until its first one is written.
      const status = await connect.status(name, options).catch((error: unknown) => {
        if (!(justCreated && hasCode(error, "CONNECT_NOT_FOUND"))) throw error;
        notFound = error;
        return undefined;
      });
      if (status === undefined) return undefined;
      last = status;
      const tasksAgree =
        wanted === "STOPPED"
          ? status.tasks.length === 0
          : status.tasks.every((task) => task.state === wanted);
      return status.connector.state === wanted && tasksAgree ? status : undefined;
    },
    { backoff: { firstMs: intervalMs }, deadlineMs: timeoutMs },
  );
  if (reached !== undefined) return { reached: true, status: reached };
  if (last === undefined) throw notFound;
  return { reached: false, status: last };
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
  const gone = await poll(
    () =>
      connect.status(name, requestId === undefined ? {} : { requestId }).then(
        () => undefined,
        (error: unknown) => {
          if (hasCode(error, "CONNECT_NOT_FOUND")) return true;
          throw error;
        },
      ),
    { backoff: { firstMs: intervalMs }, deadlineMs: timeoutMs },
  );
  return gone === true;
}
