import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";

/** What a bot of `automation-bot.ts` is started with. */
export interface AutomationBotOptions {
  /** The config file it loads (written by the test). */
  readonly configFile: string;
  readonly keyPrefix: string;
  readonly slack: { readonly botToken: string; readonly apiUrl: string };
}

/**
 * Bot processes of their own (children running `automation-bot.ts`), so a test can kill one with SIGKILL while a
 * backoff, a revert or a window is pending or half done, as a replica crashes. `closeAll` kills those still
 * running; call it in `after`.
 */
export class AutomationBots {
  readonly #children = new Set<ChildProcess>();
  readonly #options: AutomationBotOptions;

  constructor(options: AutomationBotOptions) {
    this.#options = options;
  }

  /** Starts a bot; resolves once it runs its alert polls and its workers. */
  async start(): Promise<ChildProcess> {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "automation-bot.ts")],
      {
        env: {
          ...process.env,
          TEST_KEY_PREFIX: this.#options.keyPrefix,
          CONFIG_FILE: this.#options.configFile,
          SLACK_BOT_TOKEN: this.#options.slack.botToken,
          SLACK_API_URL: this.#options.slack.apiUrl,
        },
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      },
    );
    this.#children.add(child);
    child.once("exit", () => this.#children.delete(child));
    await new Promise<void>((resolve, reject) => {
      child.on("message", (message) => message === "ready" && resolve());
      child.once("exit", (code) => reject(new Error(`the bot exited (${code}) before it was ready`)));
    });
    return child;
  }

  /** Kills a bot with SIGKILL (nothing of it is closed) and waits until it is gone. */
  async kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = once(child, "exit");
    child.kill("SIGKILL");
    await gone;
  }

  async closeAll(): Promise<void> {
    for (const child of [...this.#children]) await this.kill(child);
  }
}
