import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A Connect worker's `GET /connectors?expand=status&expand=info` for sinks of one real topic, answered from the
 * test's table: the alert poll's collect step reads it through the real Connect client (HTTP, zod) and reads the
 * sinks' lag from the real broker. 1,000 real failing connectors would load the shared worker for minutes.
 */
export class ConnectStatuses {
  /** Each listed connector's task state, by name; a connector not in the map does not exist. */
  tasks = new Map<string, "RUNNING" | "FAILED">();
  readonly #server: Server;
  /** This stand-in's own address: the poll probes each worker a status names, and only loopback is ours to call. */
  #workerId = "";

  /** `traceOf` gives the trace a FAILED task of a connector reports. */
  constructor(
    readonly topic: string,
    traceOf: (connector: string) => string,
  ) {
    this.#server = createServer((request, response) => {
      if (request.method !== "GET" || !request.url?.startsWith("/connectors?expand=status")) {
        response.writeHead(404, { "content-type": "application/json" }).end('{"error_code":404}');
        return;
      }
      const listing = Object.fromEntries(
        [...this.tasks].map(([name, state]) => [
          name,
          {
            info: {
              name,
              type: "sink",
              config: { "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", topics: topic },
              tasks: [{ connector: name, task: 0 }],
            },
            status: {
              name,
              type: "sink",
              connector: { state: "RUNNING", worker_id: this.#workerId },
              tasks: [
                {
                  id: 0,
                  state,
                  worker_id: this.#workerId,
                  ...(state === "FAILED" ? { trace: traceOf(name) } : {}),
                },
              ],
            },
          },
        ]),
      );
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(listing));
    });
  }

  async listen(): Promise<string> {
    this.#server.listen(0, "127.0.0.1");
    await once(this.#server, "listening");
    this.#workerId = `127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return `http://${this.#workerId}`;
  }

  async close(): Promise<void> {
    this.#server.close();
    await once(this.#server, "close");
  }
}
