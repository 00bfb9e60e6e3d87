import type { Redis } from "ioredis";

export interface RedisWatchOptions {
  /** The configured URL; only its host and port are ever shown (it may hold a password). */
  readonly url: string;
  /** Told once when Redis stops answering, and once when it answers again. */
  readonly report: (line: string) => void;
}

/**
 * Watches the bot's Redis connections. ioredis reconnects on its own, forever (its default retry strategy), and
 * without a listener prints every failed attempt with its stack; this turns an outage into one line when it starts
 * and one when it ends, and lets the dispatcher answer at once while it lasts.
 */
export class RedisWatch {
  readonly #where: string;
  readonly #report: (line: string) => void;
  #outage: string | undefined;

  constructor(clients: readonly Redis[], options: RedisWatchOptions) {
    const url = new URL(options.url);
    this.#where = `${url.hostname}:${url.port || "6379"}`;
    this.#report = options.report;
    for (const client of clients) {
      client.on("error", (error: Error) => this.#down(error));
      client.on("ready", () => this.#up());
    }
  }

  /** What is down, where and how to bring it back, while Redis does not answer; undefined when it does. */
  get outage(): string | undefined {
    return this.#outage;
  }

  #down(error: Error): void {
    if (this.#outage !== undefined) return;
    const cause = (error as { code?: string }).code ?? error.message;
    this.#outage = `Redis at ${this.#where} is not answering (${cause}): commands, approvals and the audit trail need it. Start it (\`redis-server --daemonize yes --port ${this.#where.split(":").at(-1)}\`) or set REDIS_URL; the bot keeps retrying.`;
    this.#report(this.#outage);
  }

  #up(): void {
    if (this.#outage === undefined) return;
    this.#outage = undefined;
    this.#report(`Redis at ${this.#where} answers again.`);
  }
}
