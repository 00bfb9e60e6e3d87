import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One request a stand-in received, and what it answered. */
export interface ReceivedRequest {
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
  readonly status: number;
}

/** An HTTP server on a free loopback port that records each POST and answers as `answer` says. */
export class RecordingServer {
  readonly requests: ReceivedRequest[] = [];
  /** Statuses to answer next, in order, before the normal answer (a 429, a 503 to test the retries). */
  readonly failNext: number[] = [];

  private constructor(
    readonly server: Server,
    private readonly answer: (body: string) => { status: number; body: string },
  ) {}

  static async start(answer: (body: string) => { status: number; body: string }): Promise<RecordingServer> {
    let self: RecordingServer | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const failure = self?.failNext.shift();
        const answered =
          failure === undefined
            ? (self?.answer(body) ?? { status: 500, body: "" })
            : { status: failure, body: "{}" };
        self?.requests.push({ headers: request.headers, body, status: answered.status });
        response.writeHead(answered.status, { "content-type": "application/json" }).end(answered.body);
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    self = new RecordingServer(server, answer);
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** A PagerDuty event as the stand-in reads it (Events API v2). */
export interface PagerDutyEventSeen {
  readonly routing_key: string;
  readonly event_action: string;
  readonly dedup_key: string;
  readonly payload?: { readonly summary: string; readonly source: string; readonly severity: string };
}

/**
 * PagerDuty's Events API v2 as documented (developer.pagerduty.com/docs/events-api-v2/overview): an event without
 * `routing_key`, a known `event_action`, or (for a trigger) `payload.summary`, `source` and `severity` is refused
 * with 400; an accepted one answers 202 `{ status: "success", message, dedup_key }`. Incidents are kept as
 * PagerDuty keeps them: a trigger opens one unless one with its `dedup_key` is open (then it is appended),
 * acknowledge and resolve act on the open one.
 */
export class PagerDutyStandIn {
  /** Every incident opened, in order: its dedup key and status now. */
  readonly incidents: { dedupKey: string; status: "triggered" | "acknowledged" | "resolved" }[] = [];
  readonly events: PagerDutyEventSeen[] = [];

  private constructor(readonly http: RecordingServer) {}

  static async start(): Promise<PagerDutyStandIn> {
    let self: PagerDutyStandIn | undefined;
    const http = await RecordingServer.start((body) => self?.accept(body) ?? { status: 500, body: "" });
    self = new PagerDutyStandIn(http);
    return self;
  }

  private accept(text: string): { status: number; body: string } {
    const event = JSON.parse(text) as PagerDutyEventSeen;
    const actions = ["trigger", "acknowledge", "resolve"];
    const invalid =
      typeof event.routing_key !== "string" ||
      event.routing_key.length === 0 ||
      !actions.includes(event.event_action) ||
      (event.event_action !== "trigger" && typeof event.dedup_key !== "string") ||
      (event.event_action === "trigger" &&
        (event.payload?.summary === undefined ||
          event.payload.source === undefined ||
          !["critical", "error", "warning", "info"].includes(event.payload.severity)));
    if (invalid)
      return {
        status: 400,
        body: JSON.stringify({ status: "invalid event", message: "Event object is invalid" }),
      };
    this.events.push(event);
    const open = this.incidents.find(
      (incident) => incident.dedupKey === event.dedup_key && incident.status !== "resolved",
    );
    if (event.event_action === "trigger" && open === undefined)
      this.incidents.push({ dedupKey: event.dedup_key, status: "triggered" });
    if (event.event_action === "acknowledge" && open !== undefined) open.status = "acknowledged";
    if (event.event_action === "resolve" && open !== undefined) open.status = "resolved";
    return {
      status: 202,
      body: JSON.stringify({ status: "success", message: "Event processed", dedup_key: event.dedup_key }),
    };
  }

  get url(): string {
    return `${this.http.url}/v2/enqueue`;
  }
}
