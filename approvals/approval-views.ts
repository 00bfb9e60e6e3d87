import type { Clock } from "../src/core/clock.js";
import { poll } from "../src/core/retry.js";
import type { ApprovalRequest } from "./approval-request.js";
import type { ApprovalStore } from "./approval-store.js";
import { operationKind } from "./kinds/registry.js";
import { openStates } from "./request-record.js";

/** How long after an approved run ends its connector counts as under it (longer than a default poll, 30 s). */
const justEndedMs = 2 * 60_000;

/** What is read about requests, without changing them: one, the recent ones, and what they explain. */
export class ApprovalViews {
  readonly #store: ApprovalStore;
  readonly #now: Clock;

  constructor(store: ApprovalStore, now: Clock) {
    this.#store = store;
    this.#now = now;
  }

  get(id: string): Promise<ApprovalRequest | undefined> {
    return this.#store.get(id);
  }

  /** Newest first, at most `limit` (default 20). */
  recent(limit?: number): Promise<ApprovalRequest[]> {
    return this.#store.recent(limit);
  }

  /** Waits until the request has ended, polling the store; undefined if it is still open after `timeoutMs`. */
  async awaitOutcome(id: string, timeoutMs: number): Promise<ApprovalRequest | undefined> {
    return poll(
      async () => {
        const request = await this.#store.get(id);
        return request !== undefined && !openStates.includes(request.state) ? request : undefined;
      },
      { backoff: { firstMs: 200 }, deadlineMs: timeoutMs },
    );
  }

  /**
   * Connectors whose halt an approved request explains: one is working on them now ("operating"), or ended its
   * run less than `justEndedMs` ago (a poll may not have seen it run: what it moved is still its doing, and the
   * offsets-moved alert stays quiet), or their latest request succeeded in leaving them STOPPED on purpose (a
   * `stop`), which explains that state until they run again.
   */
  async explainedHalts(cluster: string, now = this.#now()): Promise<Map<string, "operating" | "stopped">> {
    const explained = new Map<string, "operating" | "stopped">();
    // Newest first: the first request seen for a connector is its latest.
    for (const r of await this.#store.recent(200)) {
      if (r.cluster !== cluster || explained.has(r.connector)) continue;
      const justEnded = r.finishedAt !== undefined && now - Date.parse(r.finishedAt) < justEndedMs;
      if (r.state === "approved" || r.state === "executing" || (r.step !== undefined && justEnded))
        explained.set(r.connector, "operating");
      else if (r.state === "succeeded" && operationKind(r.operation).leavesStopped === true)
        explained.set(r.connector, "stopped");
    }
    return explained;
  }
}
