import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import { createInterface } from "node:readline/promises";
import { awaitExecution } from "../../approvals/ask-for-approval.js";
import type { Adapter } from "../adapter-host.js";
import type { App } from "../app.js";
import type { Actor } from "../core/command-spec.js";
import type { Dispatcher } from "../core/dispatcher.js";
import { redactText } from "../core/redact.js";
import type { Reply } from "../core/reply.js";
import { renderText } from "./render-text.js";

/** The local operator: the person at this terminal, audited under their login name. */
function localActor(): Actor {
  const name = userInfo().username;
  return { id: `local:${name}`, name, source: "shell", environment: (variable) => process.env[variable] };
}

/** Exit codes of `--command`: 0 done, 1 failed, 2 refused (bad input or missing role). */
export function exitCodeOf(reply: Reply): number {
  return reply.outcome === "succeeded" ? 0 : reply.outcome === "failed" ? 1 : 2;
}

export async function runOnce(
  dispatcher: Pick<Dispatcher, "dispatch">,
  text: string,
  out: NodeJS.WritableStream,
): Promise<number> {
  const reply = await dispatcher.dispatch({ actor: localActor(), text, requestId: randomUUID() });
  out.write(`${redactText(renderText(reply))}\n`);
  return exitCodeOf(reply);
}

/**
 * `npm start -- --command "…"`: runs one command. One that starts a change at once (a cluster whose policy needs
 * no approver) waits for that execution, bounded by the stale bound plus five minutes, runs it in this process
 * if no other does, and exits with its real outcome: 0 done, 1 failed.
 */
export async function runCommandOnce(app: App, text: string, out: NodeJS.WritableStream): Promise<number> {
  // Through the shell's host: a request Slack would not post is said in the answer.
  const reply = await app.hostFor("shell").dispatch({ actor: localActor(), text, requestId: randomUUID() });
  out.write(`${renderText(reply)}\n`);
  if (reply.queued === undefined || (await app.approvals.get(reply.queued))?.state === "pending")
    return exitCodeOf(reply);
  await app.approvals.startWorker();
  const outcome = await awaitExecution(app.approvals, reply.queued, app.approvals.startWithinMs + 5 * 60_000);
  if (outcome === undefined) return exitCodeOf(reply);
  out.write(`${renderText(outcome)}\n`);
  return exitCodeOf(outcome);
}

/** `connect> ` prompt: the same commands as Slack's /connect, against the configured clusters. */
export async function runShell(
  dispatcher: Pick<Dispatcher, "dispatch">,
  input: NodeJS.ReadableStream,
  out: NodeJS.WritableStream,
) {
  const terminal = createInterface({
    input,
    output: out,
    prompt: "connect> ",
    terminal: process.stdin.isTTY === true,
  });
  out.write(
    "connect-ops shell: the /connect commands, run as the local operator. `help` lists them, Ctrl-D leaves.\n",
  );
  // Piped input closes the reader while its last lines still wait to be run: no prompt after that.
  let closed = false;
  terminal.once("close", () => {
    closed = true;
  });
  terminal.prompt();
  for await (const line of terminal) {
    const text = line.trim();
    if (text === "exit" || text === "quit") break;
    if (text !== "") await runOnce(dispatcher, text, out);
    if (!closed) terminal.prompt();
  }
  terminal.close();
}

/**
 * The terminal shell as an adapter: the `connect> ` prompt over `input` and `out` (default this process's terminal),
 * run as the local operator; it ends (and the process with it) on Ctrl-D, `exit` or the end of piped input.
 */
export function shellAdapter(
  input: NodeJS.ReadableStream = process.stdin,
  out: NodeJS.WritableStream = process.stdout,
): Adapter {
  let end: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    end = resolve;
  });
  return {
    name: "shell",
    ended,
    async start(host) {
      void runShell(host, input, out)
        .catch((error: unknown) => host.log("warn", `the shell failed: ${String(error)}`))
        .finally(end);
    },
    // A person at a terminal: nothing to refuse or close before the process exits.
    drain: async () => {},
    stop: async () => {},
  };
}
