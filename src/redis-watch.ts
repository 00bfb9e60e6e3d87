import type { Redis } from "ioredis";

export interface RedisWatchOptions {
  /** Where Redis is, as people read it (`describeRedis`): never the URL, which may hold a password. */
  readonly where: string;
  /** What brings it back, e.g. the command that starts a local server. */
  readonly howToFix: string;
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
  readonly #howToFix: string;
  readonly #report: (line: string) => void;
  #outage: string | undefined;

  constructor(clients: readonly Redis[], options: RedisWatchOptions) {
    this.#where = options.where;
    this.#howToFix = options.howToFix;
    this.#report = options.report;
    for (const client of clients) {
      client.on("error", (error: Error) => this.notice(error));
      client.on("ready", () => this.#up());
    }
  }

  /**
   * An error from BullMQ's queue or worker. Only a lost connection counts as the outage (its own connections may
   * notice first); anything else (a job whose keys vanished, a script error) is not Redis being down, and is
   * returned to the caller to log.
   */
  notice(error: Error): Error | undefined {
    if (!isConnectionError(error)) return error;
    this.#down(error);
    return undefined;
  }

  /** What is down, where and how to bring it back, while Redis does not answer; undefined when it does. */
  get outage(): string | undefined {
    return this.#outage;
  }

  #down(error: Error): void {
    if (this.#outage !== undefined) return;
    const cause = (error as { code?: string }).code ?? error.message;
    this.#outage = `Redis at ${this.#where} is not answering (${cause}): commands, approvals and the audit trail need it. ${this.#howToFix}; the bot keeps retrying.`;
    this.#report(this.#outage);
  }

  #up(): void {
    if (this.#outage === undefined) return;
    this.#outage = undefined;
    this.#report(`Redis at ${this.#where} answers again.`);
  }
}

/** Node's socket errors (ECONNREFUSED, ECONNRESET, ETIMEDOUT…) and ioredis's closed or retried-out connection. */
function isConnectionError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return true;
  return /Connection is closed|MaxRetriesPerRequest|Reached the max retries/i.test(error.message);
}
