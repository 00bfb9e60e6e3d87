// needs: redis
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { type LineAdapter, LineConfig, lineAdapter } from "./line-adapter/line-adapter.js";
import { testRedis } from "./support/redis-prefix.js";

/** A person at the line adapter: says who they are, then types commands and reads each answer up to its ".". */
class LineClient {
  readonly #socket: Socket;
  #buffer = "";

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.#buffer += chunk;
    });
  }

  static async connect(port: number): Promise<LineClient> {
    const socket = connect(port, "127.0.0.1");
    await once(socket, "connect");
    return new LineClient(socket);
  }

  /** Sends one line and resolves with the answer, without its closing ".". */
  async say(line: string): Promise<string> {
    this.#socket.write(`${line}\n`);
    for (;;) {
      const end = this.#buffer.indexOf("\n.\n");
      if (end >= 0) {
        const answer = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 3);
        return answer;
      }
      await once(this.#socket, "data");
    }
  }

  close(): void {
    this.#socket.end();
  }
}

describe("a new chat adapter is its folder plus one line in the adapter list", () => {
  const { redis, prefix, cleanup } = testRedis("line-adapter");
  // Its config section, as the config document would hold it under `line:`.
  const line: LineAdapter = lineAdapter(LineConfig.parse({ people: { ann: "operator" } }));
  let app: App;
  let operationsUrl: string;
  let closed = false;

  before(async () => {
    app = createApp({
      // No Connect or Kafka answers there: nothing here reaches a cluster.
      config: loadConfig({
        CONNECT_URL: "http://127.0.0.1:9",
        KAFKA_BROKERS: "127.0.0.1:9",
        LOG_LEVEL: "silent",
      }),
      keyPrefix: prefix,
      adapters: [line],
    });
    const server = await app.start(0);
    assert.ok(server);
    operationsUrl = server.url;
  });
  after(async () => {
    if (!closed) await app.close();
    await cleanup();
  });

  test("a person its config names runs commands over it, with the role it gives them", async () => {
    const ann = await LineClient.connect(line.port());
    try {
      assert.equal(await ann.say("I am ann"), "hello ann");
      assert.match(await ann.say("whoami"), /default\s+operator/);
      assert.match(await ann.say("help"), /whoami/);
    } finally {
      ann.close();
    }
  });

  test("someone its config does not name has no role: refused even a read (identity fails closed)", async () => {
    const eve = await LineClient.connect(line.port());
    try {
      await eve.say("I am eve");
      assert.match(await eve.say("list"), /needs the viewer role on cluster default; you have no role there/);
      const [entry] = await app.audit.query({ limit: 1 });
      assert.equal(entry?.source, "line");
      assert.equal(entry?.actorId, "eve");
    } finally {
      eve.close();
    }
  });

  test("the operations server answers probes and the route it mounted, on the one port", async () => {
    assert.equal((await fetch(`${operationsUrl}/healthz`)).status, 200);
    assert.equal(await (await fetch(`${operationsUrl}/line`)).text(), "0 connected\n");
    assert.equal((await fetch(`${operationsUrl}/slack/events`, { method: "POST" })).status, 404);
  });

  test("what it keeps is under its own name, apart from every other adapter's and the core's", async () => {
    const ann = await LineClient.connect(line.port());
    try {
      await ann.say("I am ann");
    } finally {
      ann.close();
    }
    assert.ok(await redis.get(`${prefix}line:last-seen:ann`));
  });

  test("closing the app drains and stops it: nobody new is taken", async () => {
    const port = line.port();
    await app.close();
    closed = true;
    const refused = connect(port, "127.0.0.1");
    const [error] = (await once(refused, "error")) as [NodeJS.ErrnoException];
    assert.equal(error.code, "ECONNREFUSED");
  });
});
