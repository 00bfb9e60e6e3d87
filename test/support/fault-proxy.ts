import { once } from "node:events";
import { createServer, type IncomingMessage, request, type Server } from "node:http";

export interface RecordedRequest {
  readonly method: string;
  /** The raw request target, exactly as sent (still percent-encoded). */
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  /** performance.now() when it arrived, and when its answer was sent (undefined until then). */
  readonly startedMs: number;
  finishedMs?: number;
}

type Fault = (
  | { kind: "status"; status: number; body: string }
  | { kind: "hang" }
  | { kind: "delay"; ms: number }
  | { kind: "drop" }
  | { kind: "late"; status: number; body: string; ms: number }
) & {
  /** Only a request with this method and a path matching this pattern gets the fault; others pass. */
  readonly only?: RequestMatch;
};

/** Matches a request by method and path (the raw target, query included). */
export interface RequestMatch {
  readonly method: string;
  readonly path: RegExp;
}

/**
 * Connect's own 409 bodies (HerderRequestHandler): while the group rebalances and no leader is known, and when a
 * worker's config is stale. Both are answered as `{"error_code":409,"message":…}`.
 */
export const rebalanceConflict = {
  error_code: 409,
  message: "Cannot complete request because of a conflicting operation (e.g. worker rebalance)",
} as const;
export const staleConfigConflict = {
  error_code: 409,
  message:
    "Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)",
} as const;

/**
 * An HTTP proxy in front of the real Connect worker. It forwards every request unchanged and records it, and can
 * answer the next few requests with a fault instead: what a rebalance (409), an overloaded worker (500) or a dead
 * network (no answer) looks like to the client, on demand.
 */
export class FaultProxy {
  readonly requests: RecordedRequest[] = [];
  readonly #faults: Fault[] = [];
  readonly #server: Server;
  readonly #target: URL;
  #down = false;
  /** Until when (performance.now()) matching requests are answered 409, as during a rebalance. */
  #conflict: { until: number; only: RequestMatch | undefined } | undefined;

  private constructor(target: string) {
    this.#target = new URL(target);
    this.#server = createServer((incoming, outgoing) => {
      const recorded: RecordedRequest = {
        method: incoming.method ?? "",
        url: incoming.url ?? "",
        headers: incoming.headers,
        startedMs: performance.now(),
      };
      this.requests.push(recorded);
      outgoing.once("finish", () => {
        recorded.finishedMs = performance.now();
      });
      if (this.#down) {
        incoming.socket.destroy();
        return;
      }
      const matches = (only: RequestMatch | undefined) =>
        only === undefined || (only.method === incoming.method && only.path.test(incoming.url ?? ""));
      const conflict = this.#conflict;
      if (conflict !== undefined && performance.now() < conflict.until && matches(conflict.only)) {
        incoming.resume();
        outgoing
          .writeHead(409, { "content-type": "application/json" })
          .end(JSON.stringify(rebalanceConflict));
        return;
      }
      const index = this.#faults.findIndex((f) => matches(f.only));
      const fault = index === -1 ? undefined : this.#faults.splice(index, 1)[0];
      if (fault?.kind === "hang") return;
      if (fault?.kind === "drop") {
        // The request was read (and, for a forwarded one, may have reached the worker): the answer never comes.
        incoming.resume();
        incoming.once("end", () => incoming.socket.destroy());
        return;
      }
      if (fault?.kind === "status") {
        incoming.resume();
        outgoing.writeHead(fault.status, { "content-type": "application/json" }).end(fault.body);
        return;
      }
      if (fault?.kind === "late") {
        outgoing.writeHead(fault.status, { "content-type": "application/json" }).end(fault.body);
        const body: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => body.push(chunk));
        incoming.once("end", () => {
          const { method = "GET", url = "/", headers } = incoming;
          setTimeout(() => {
            const late = request(
              { host: this.#target.hostname, port: this.#target.port, method, path: url, headers },
              (answer) => answer.resume(),
            );
            late.on("error", () => {});
            late.end(Buffer.concat(body));
          }, fault.ms);
        });
        return;
      }
      const forward = () => {
        const forwarded = request(
          {
            host: this.#target.hostname,
            port: this.#target.port,
            method: incoming.method,
            path: incoming.url,
            headers: incoming.headers,
          },
          (answer) => {
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(outgoing);
          },
        );
        forwarded.on("error", () => outgoing.destroy());
        incoming.pipe(forwarded);
      };
      if (fault?.kind === "delay") setTimeout(forward, fault.ms);
      else forward();
    });
  }

  static async start(target: string): Promise<FaultProxy> {
    const proxy = new FaultProxy(target);
    proxy.#server.listen(0, "127.0.0.1");
    await once(proxy.#server, "listening");
    return proxy;
  }

  get url(): string {
    const address = this.#server.address();
    if (address === null || typeof address === "string") throw new Error("proxy is not listening");
    return `http://127.0.0.1:${address.port}`;
  }

  /** The next `times` requests get this answer instead of reaching the worker. */
  answerNext(times: number, status: number, message: string): void {
    for (let i = 0; i < times; i++) {
      this.#faults.push({ kind: "status", status, body: JSON.stringify({ error_code: status, message }) });
    }
  }

  /** The next `times` requests with this method to a matching path get this answer; other requests pass. */
  answerNextMatching(only: RequestMatch, times: number, status: number, message: string): void {
    for (let i = 0; i < times; i++) {
      this.#faults.push({
        kind: "status",
        status,
        body: JSON.stringify({ error_code: status, message }),
        only,
      });
    }
  }

  /** The next request with this method to a matching path reaches the worker only after `ms`: a slow worker. */
  delayNextMatching(only: RequestMatch, ms: number): void {
    this.#faults.push({ kind: "delay", ms, only });
  }

  /**
   * The next request with this method to a matching path is answered `status` with `body` (JSON) at once, and
   * reaches the worker only `ms` later: Connect accepting work that it acts on later (a restart's 202), seen
   * from a client that reads the status in between.
   */
  acceptLate(only: RequestMatch, ms: number, status: number, body: unknown): void {
    this.#faults.push({ kind: "late", status, body: JSON.stringify(body), ms, only });
  }

  /** The next `times` requests with this method to a matching path get `body` as JSON (an old worker's `GET /`). */
  answerNextWith(only: RequestMatch, times: number, status: number, body: unknown): void {
    for (let i = 0; i < times; i++) {
      this.#faults.push({ kind: "status", status, body: JSON.stringify(body), only });
    }
  }

  /**
   * For the next `ms`, every request (or every one matching `only`) is answered 409 with Connect's rebalance
   * message, as a worker answers while its group rebalances; then they reach the worker again. A later call
   * replaces the window.
   */
  conflictFor(ms: number, only?: RequestMatch): void {
    this.#conflict = { until: performance.now() + ms, only };
  }

  /**
   * The next `times` requests with this method to a matching path are read in full and then have their
   * connection destroyed with no answer: a worker or load balancer that dies mid-request.
   */
  dropNextMatching(only: RequestMatch, times = 1): void {
    for (let i = 0; i < times; i++) this.#faults.push({ kind: "drop", only });
  }

  /** Forgets every fault not yet used and ends a 409 window: requests reach the worker again. */
  clearFaults(): void {
    this.#faults.length = 0;
    this.#conflict = undefined;
  }

  /** Down: every connection is cut at once, as when the worker's host is gone. */
  setDown(down: boolean): void {
    this.#down = down;
  }

  /** The next `times` requests get no answer at all. */
  hangNext(times: number): void {
    for (let i = 0; i < times; i++) this.#faults.push({ kind: "hang" });
  }

  /** The next request with this method to a matching path gets no answer: held, as Connect holds `GET /health` while its herder is busy. */
  hangNextMatching(only: { readonly method: string; readonly path: RegExp }): void {
    this.#faults.push({ kind: "hang", only });
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, "close");
  }
}
