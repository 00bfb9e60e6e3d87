/**
 * Runs slash commands' work after their acknowledgement, at most `concurrency` at a time, in arrival order.
 * Slack wants the acknowledgement within 3 s, and all of a process's requests share one event loop: in a burst,
 * work already acknowledged (Redis, Connect, the audit append, rendering, the reply) would otherwise take the
 * turns the next requests' acknowledgements wait for. Each job starts on a later turn (`setImmediate`), after
 * the acknowledgement has been written and pending requests have been read.
 */
export class CommandQueue {
  readonly #concurrency: number;
  readonly #onError: (error: unknown) => void;
  readonly #waiting: (() => Promise<void>)[] = [];
  readonly #idle: (() => void)[] = [];
  #running = 0;

  /** @param concurrency jobs at once. @param onError receives what a job threw (jobs should not throw). */
  constructor(concurrency: number, onError: (error: unknown) => void) {
    this.#concurrency = concurrency;
    this.#onError = onError;
  }

  push(job: () => Promise<void>): void {
    this.#waiting.push(job);
    this.#startNext();
  }

  /** Resolves once every job pushed so far has finished (for an orderly stop). */
  idle(): Promise<void> {
    if (this.#running === 0 && this.#waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #startNext(): void {
    while (this.#running < this.#concurrency && this.#waiting.length > 0) {
      const job = this.#waiting.shift() as () => Promise<void>;
      this.#running++;
      setImmediate(() => {
        job()
          .catch(this.#onError)
          .finally(() => {
            this.#running--;
            this.#startNext();
            if (this.#running === 0 && this.#waiting.length === 0) {
              for (const resolve of this.#idle.splice(0)) resolve();
            }
          });
      });
    }
  }
}
