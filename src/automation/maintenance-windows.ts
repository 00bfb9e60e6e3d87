import { randomInt } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { AuditLog } from "../core/audit-log.js";
import { awaitState } from "../core/await-state.js";
import type { Clock } from "../core/clock.js";
import type { ConnectorStates, MaintenanceWindow, StatusReader } from "../core/ports.js";
import { ConnectorState } from "../core/ports.js";
import { type Reply, reply } from "../core/reply.js";
import { utc } from "../core/window-time.js";
import { RedisKeys } from "../redis-keys.js";
import type { AutomationJob, AutomationQueue } from "./automation-queue.js";
import type { Stories } from "./stories.js";

/** What a window needs of a cluster's Connect client. */
export interface WindowConnect extends StatusReader<ConnectorStates> {
  pause(name: string, options?: { readonly requestId?: string }): Promise<void>;
  resume(name: string, options?: { readonly requestId?: string }): Promise<void>;
  stop(name: string, options?: { readonly requestId?: string }): Promise<void>;
}

const Person = z.object({ id: z.string(), name: z.string(), source: z.string() });

/**
 * One maintenance window, as stored. `scheduled` until it opens at `from` (later when its approval comes late),
 * `opening` while it halts its connectors one by one, `open` while it holds them, `closing` while they are put back,
 * then `closed`; `cancelled` when ended before it opened, `lapsed` when its approval never succeeded before `until`.
 */
const StoredWindow = z.object({
  id: z.string(),
  cluster: z.string(),
  /** The connector or pattern as typed. */
  target: z.string(),
  action: z.enum(["pause", "stop"]),
  /** Exactly the connectors it holds, resolved when it was asked. */
  connectors: z.array(z.string()).min(1),
  from: z.number(),
  until: z.number(),
  reason: z.string(),
  by: Person,
  /** The approval request it waits for (a stop window, or one above automation.bulk.approvalAbove). */
  approval: z.string().optional(),
  needsApproval: z.boolean(),
  state: z.enum(["scheduled", "opening", "open", "closing", "closed", "cancelled", "lapsed"]),
  /**
   * Each connector's state just before the window halted it, saved before the halt is sent: what closing puts back.
   * A connector without an entry was never touched by the window, and closing leaves it alone.
   */
  prior: z.record(z.string(), ConnectorState).optional(),
  openedAt: z.number().optional(),
  closedAt: z.number().optional(),
  /** Who ended it early, if someone did. */
  endedBy: z.string().optional(),
}) satisfies z.ZodType<MaintenanceWindow>;

export interface MaintenanceWindowsOptions {
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly queue: Pick<AutomationQueue, "schedule" | "cancel">;
  readonly stories: Pick<Stories, "tell">;
  readonly audit: AuditLog;
  readonly connectOf: (cluster: string) => WindowConnect | undefined;
  /** The state of an approval request (Approvals.get), or undefined when there is none. */
  readonly approvalState: (id: string) => Promise<string | undefined>;
  readonly now: Clock;
  /** How long after resuming the bot waits for a connector to run again before it calls it unhealthy. */
  readonly settleMs?: number;
  /** How often an opening that waits for its approval looks again. @defaultValue 10,000 ms */
  readonly approvalRecheckMs?: number;
}

/** The states in which a window holds its connectors: their alerts are held and auto-restart keeps off. */
const holdingStates: readonly MaintenanceWindow["state"][] = ["opening", "open", "closing"];
/** The bot itself, as the audit trail names it when a window acts at its time. */
const bot = { actorId: "connect-ops", actorName: "connect-ops", source: "system" } as const;
const keptSeconds = 30 * 86_400;
/** Letters only: `w7-kmxp` can never read as an approval request id (see `WindowId` in connector-args.ts). */
const tailAlphabet = "abcdefghjkmnpqrstuvwxyz";

/**
 * Maintenance windows: a scheduled pause (or stop) of exactly a set of connectors and their return at the end,
 * as two BullMQ delayed jobs on the `automation` queue (`window-open-<id>-<n>`, `window-close-<id>`), so they run
 * once, on whichever replica is up, after a bot restart too. While a window is open its connectors' alerts are
 * held (`held`, fed to the alert polls) and auto-restart leaves them alone (`heldBy`). Its story is one thread:
 * when it was asked, when it paused, when it resumed and whether the connectors came back healthy.
 */
export class MaintenanceWindows {
  readonly #options: MaintenanceWindowsOptions;
  readonly #keys: RedisKeys;

  constructor(options: MaintenanceWindowsOptions) {
    this.#options = options;
    this.#keys = new RedisKeys(options.keyPrefix);
  }

  /** A new window's id (`w<n>-<4 letters>`): the counter may start over if Redis loses its data, the tail not. */
  async newId(): Promise<string> {
    const n = await this.#options.redis.incr(this.#keys.automationCounter);
    const tail = Array.from({ length: 4 }, () => tailAlphabet.charAt(randomInt(tailAlphabet.length))).join(
      "",
    );
    return `w${n}-${tail}`;
  }

  /** Saves a window and schedules its opening and closing; its thread opens with what was asked. */
  async schedule(
    window: Omit<MaintenanceWindow, "state" | "prior" | "openedAt" | "closedAt" | "endedBy">,
  ): Promise<MaintenanceWindow> {
    const saved: MaintenanceWindow = { ...window, state: "scheduled" };
    const now = this.#options.now();
    await this.#options.redis
      .multi()
      .set(this.#keys.maintenanceWindow(saved.id), JSON.stringify(saved))
      .zadd(this.#keys.maintenanceWindowIndex, saved.until, saved.id)
      // Ended windows' JSON expires after 30 days; their index entries go with it.
      .zremrangebyscore(this.#keys.maintenanceWindowIndex, "-inf", now - keptSeconds * 1000)
      .exec();
    await this.#options.queue.schedule(openJobId(saved.id, 0), openJob(saved.id, 0), saved.from - now);
    await this.#options.queue.schedule(
      closeJobId(saved.id),
      { kind: "window-close", id: saved.id },
      saved.until - now,
    );
    await this.#options.stories.tell(
      saved.id,
      `${saved.by.name} scheduled window ${saved.id} on ${saved.cluster}: ${saved.action} ${saved.connectors.join(", ")} from ${utc(saved.from)} until ${utc(saved.until)} (${saved.reason}).${saved.approval === undefined ? "" : ` It opens only once request ${saved.approval} is approved.`}`,
    );
    return saved;
  }

  /** Drops a window that was never announced (its approval request was refused). */
  async discard(id: string): Promise<void> {
    await this.#options.queue.cancel(openJobId(id, 0));
    await this.#options.queue.cancel(closeJobId(id));
    await this.#options.redis
      .multi()
      .del(this.#keys.maintenanceWindow(id))
      .zrem(this.#keys.maintenanceWindowIndex, id)
      .exec();
  }

  async get(id: string): Promise<MaintenanceWindow | undefined> {
    const text = await this.#options.redis.get(this.#keys.maintenanceWindow(id));
    if (text === null) return undefined;
    const parsed = StoredWindow.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  }

  /** Windows that end after `sinceMs` (default: a day ago), soonest end first. */
  async list(sinceMs = this.#options.now() - 86_400_000): Promise<MaintenanceWindow[]> {
    const ids = await this.#options.redis.zrangebyscore(this.#keys.maintenanceWindowIndex, sinceMs, "+inf");
    const windows = await Promise.all(ids.map((id) => this.get(id)));
    return windows.filter((window) => window !== undefined);
  }

  /** The connectors of a cluster an open window holds: their alerts are held, their halt explained. */
  async held(cluster: string): Promise<ReadonlySet<string>> {
    return new Set((await this.#holding(cluster)).flatMap((window) => window.connectors));
  }

  /** Words for what holds a connector (`maintenance window w7-kmxp`), or undefined. */
  async heldBy(cluster: string, connector: string): Promise<string | undefined> {
    const window = (await this.#holding(cluster)).find((each) => each.connectors.includes(connector));
    return window === undefined ? undefined : `maintenance window ${window.id}`;
  }

  async #holding(cluster: string): Promise<MaintenanceWindow[]> {
    // A day back: an open window whose closing is late (every bot process was down) still holds.
    return (await this.list(this.#options.now() - 86_400_000)).filter(
      (window) => window.cluster === cluster && holdingStates.includes(window.state),
    );
  }

  /**
   * The opening job: halts each connector, noting its state before. Each connector's prior state is saved (a
   * compare-and-set on the window, which must still be `opening`) before its halt is sent, so a run killed midway
   * is taken up again by BullMQ (a stalled job) and goes on from there: a connector already noted is halted again
   * (pause and stop are idempotent) without being read again, so one the window paused never counts as paused
   * before it. A window that needs approval opens only once its request has succeeded: while the request is still
   * open it looks again shortly, and lapses when the request ended otherwise or the window's end came first.
   */
  async open(id: string, attempt: number): Promise<void> {
    const window = await this.get(id);
    if (window?.state !== "scheduled" && window?.state !== "opening") return;
    const now = this.#options.now();
    if (window.state === "scheduled" && window.needsApproval) {
      const state =
        window.approval === undefined ? undefined : await this.#options.approvalState(window.approval);
      if (state !== "succeeded") {
        const waiting = state === "pending" || state === "approved" || state === "executing";
        const recheck = this.#options.approvalRecheckMs ?? 10_000;
        if (waiting && now + recheck < window.until) {
          await this.#options.queue.schedule(openJobId(id, attempt + 1), openJob(id, attempt + 1), recheck);
          return;
        }
        if (!(await this.#transition(id, ["scheduled"], (w) => ({ ...w, state: "lapsed", closedAt: now }))))
          return;
        await this.#options.queue.cancel(closeJobId(id));
        await this.#options.stories.tell(
          id,
          `Window ${id} did not open: request ${window.approval ?? "(none)"} is ${state ?? "gone"}, not approved. Nothing was changed.`,
        );
        return;
      }
    }
    const resumed = window.state === "opening";
    if (
      !resumed &&
      !(await this.#transition(id, ["scheduled"], (w) => ({
        ...w,
        state: "opening",
        openedAt: now,
        prior: {},
      })))
    )
      return;
    const connect = this.#connect(window.cluster);
    const requestId = `window-open-${id}`;
    const lines: string[] = [];
    for (const connector of window.connectors) {
      const started = this.#options.now();
      try {
        let before = (await this.get(id))?.prior?.[connector];
        if (before === undefined) {
          const state = (await connect.status(connector, { requestId })).connector.state;
          const noted = await this.#transition(id, ["opening"], (w) => ({
            ...w,
            prior: { ...w.prior, [connector]: state },
          }));
          // Ended (or closed by its time) while opening: nothing more is halted.
          if (!noted) return;
          before = state;
        }
        if (window.action === "pause") await connect.pause(connector, { requestId });
        else await connect.stop(connector, { requestId });
        lines.push(`${connector} (was ${before})`);
        await this.#audit(
          window,
          connector,
          "succeeded",
          `${window.action} at the window's start`,
          started,
          requestId,
        );
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        lines.push(`${connector}: failed, ${why}`);
        await this.#audit(window, connector, "failed", why, started, requestId);
      }
    }
    if (!(await this.#transition(id, ["opening"], (w) => ({ ...w, state: "open" })))) return;
    const openedAt = window.openedAt ?? now;
    const late =
      openedAt - window.from > 60_000
        ? ` (${Math.round((openedAt - window.from) / 60_000)} min late: it waited for its approval)`
        : "";
    const again = resumed ? " (the bot stopped while opening it; another run went on where it stopped)" : "";
    await this.#options.stories.tell(
      id,
      `Window ${id} ${window.action === "pause" ? "paused" : "stopped"} at ${utc(openedAt)}${late}${again}: ${lines.join(", ")}. Their alerts are held until ${utc(window.until)}.`,
    );
  }

  /**
   * The closing job, or `end` early: puts each connector back as it was before the window (RUNNING resumes, PAUSED
   * stays or returns to PAUSED, STOPPED stays), waits for it to run, and says whether it came back healthy. A
   * connector the window never noted (its opening was cut short) is left as it is.
   */
  async close(id: string, endedBy?: string): Promise<MaintenanceWindow | undefined> {
    const window = await this.get(id);
    if (window?.state !== "open" && window?.state !== "opening") return window;
    if (
      !(await this.#transition(id, ["open", "opening"], (w) => ({
        ...w,
        state: "closing",
        ...(endedBy === undefined ? {} : { endedBy }),
      })))
    )
      return this.get(id);
    // Read after the switch to `closing`: an opening cut short can note no connector after it.
    const prior = (await this.get(id))?.prior ?? {};
    const connect = this.#connect(window.cluster);
    const requestId = `window-close-${id}`;
    const now = this.#options.now();
    const results = await Promise.all(
      window.connectors.map(async (connector) => {
        const before = prior[connector];
        const started = this.#options.now();
        try {
          if (before === undefined)
            return { connector, healthy: true, after: "left as it is: the window never halted it" };
          if (before === "STOPPED" || (before === "PAUSED" && window.action === "pause"))
            return { connector, healthy: true, after: `left ${before}, as it was before` };
          await connect.resume(connector, { requestId });
          if (before === "PAUSED") await connect.pause(connector, { requestId });
          const wanted = before === "PAUSED" ? "PAUSED" : "RUNNING";
          const { reached, status } = await awaitState(connect, connector, wanted, {
            timeoutMs: this.#options.settleMs ?? 30_000,
            requestId,
          });
          const failed = status.tasks.filter((task) => task.state === "FAILED").length;
          const after = reached
            ? `${wanted}, healthy`
            : `NOT healthy: ${status.connector.state}${failed === 0 ? "" : ` with ${failed} task(s) FAILED`}`;
          await this.#audit(
            window,
            connector,
            "succeeded",
            `back to ${before}: ${after}`,
            started,
            requestId,
          );
          return { connector, healthy: reached, after };
        } catch (error) {
          const why = error instanceof Error ? error.message : String(error);
          await this.#audit(window, connector, "failed", why, started, requestId);
          return { connector, healthy: false, after: `could not be put back (${why})` };
        }
      }),
    );
    await this.#transition(id, ["closing"], (w) => ({
      ...w,
      state: "closed",
      closedAt: this.#options.now(),
    }));
    const healthy = results.every((result) => result.healthy);
    const who = endedBy === undefined ? "" : ` (${endedBy} ended it early)`;
    const verdict = healthy ? "everything came back healthy" : "NOT everything came back healthy";
    const said: Reply = reply(`Window ${id} ended at ${utc(now)}${who}: ${verdict}.`, [
      {
        kind: "text",
        text: `Window ${id} ended at ${utc(now)}${who}; ${window.action === "pause" ? "resumed" : "started again"}: ${verdict}.`,
      },
      {
        kind: "table",
        columns: ["connector", "after the window"],
        rows: results.map((result) => [result.connector, result.after]),
      },
    ]);
    await this.#options.stories.tell(id, said);
    return this.get(id);
  }

  /**
   * Ends a window early: one not yet open is cancelled (its jobs removed), an open one closes now. Undefined when
   * there is no such window; the window unchanged when it had ended already.
   */
  async end(id: string, by: string): Promise<MaintenanceWindow | undefined> {
    const window = await this.get(id);
    if (window === undefined) return undefined;
    if (window.state === "scheduled") {
      const now = this.#options.now();
      if (
        !(await this.#transition(id, ["scheduled"], (w) => ({
          ...w,
          state: "cancelled",
          closedAt: now,
          endedBy: by,
        })))
      )
        return this.end(id, by);
      // A later opening attempt (one waiting for approval) finds the window cancelled and does nothing.
      await this.#options.queue.cancel(openJobId(id, 0));
      await this.#options.queue.cancel(closeJobId(id));
      await this.#options.stories.tell(
        id,
        `${by} cancelled window ${id} before it opened: nothing was changed.`,
      );
      return this.get(id);
    }
    if (!holdingStates.includes(window.state) || window.state === "closing") return window;
    await this.#options.queue.cancel(closeJobId(id));
    return this.close(id, by);
  }

  /**
   * Replaces the window only if it is still in one of `from`, as one compare-and-set on its JSON: a job and a person
   * (or two replicas) never both act on one window.
   */
  async #transition(
    id: string,
    from: readonly MaintenanceWindow["state"][],
    change: (window: MaintenanceWindow) => MaintenanceWindow,
  ): Promise<boolean> {
    const key = this.#keys.maintenanceWindow(id);
    const text = await this.#options.redis.get(key);
    const current = text === null ? undefined : StoredWindow.safeParse(JSON.parse(text)).data;
    if (text === null || current === undefined || !from.includes(current.state)) return false;
    const next = change(current);
    const ended = next.state === "closed" || next.state === "cancelled" || next.state === "lapsed";
    const swapped = await this.#options.redis.eval(
      `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
       if ARGV[3] == '0' then redis.call('SET', KEYS[1], ARGV[2]) else redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) end
       return 1`,
      1,
      key,
      text,
      JSON.stringify(next),
      ended ? keptSeconds : 0,
    );
    return swapped === 1;
  }

  async #audit(
    window: MaintenanceWindow,
    connector: string,
    outcome: "succeeded" | "failed",
    detail: string,
    started: number,
    requestId: string,
  ): Promise<void> {
    await this.#options.audit.append({
      ...bot,
      cluster: window.cluster,
      connector,
      command: `window ${window.action}`,
      args: `${window.id} ${utc(window.from)} – ${utc(window.until)} (${window.reason}, asked by ${window.by.name})`,
      outcome,
      detail,
      durationMs: this.#options.now() - started,
      requestId,
    });
  }

  #connect(cluster: string): WindowConnect {
    const connect = this.#options.connectOf(cluster);
    if (connect === undefined) throw new Error(`Cluster ${cluster} is not configured`);
    return connect;
  }
}

function openJob(id: string, attempt: number): AutomationJob {
  return { kind: "window-open", id, attempt };
}

function openJobId(id: string, attempt: number): string {
  return `window-open-${id}-${attempt}`;
}

function closeJobId(id: string): string {
  return `window-close-${id}`;
}
