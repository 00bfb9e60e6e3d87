import type { Reply } from "../reply.js";
import type { Person } from "./alerts.js";
import type { ConnectorState } from "./connect-vocabulary.js";

/**
 * What commands may do with the work the bot does by itself (src/automation's `Automation` implements it): log
 * levels that put themselves back, maintenance windows, bulk actions' previews and their story threads. Times are
 * ms since the epoch, durations ms. The store calls fail only as the store (Redis) fails; Connect calls with a
 * Connect code (see `ConnectReads`).
 */

/** Who asked, and through which adapter (`slack`, `shell`). */
export interface SourcedPerson extends Person {
  readonly source: string;
}

/** One log level changed for a while: put back to `before` at `until`. */
export interface LevelChange {
  /** `log-<n>`; the story thread's id too. */
  readonly id: string;
  readonly cluster: string;
  readonly logger: string;
  readonly level: string;
  /** The worker a worker-scope change reached (its origin); a cluster-scope change reached every worker. */
  readonly worker: string;
  /** Each worker's level (by origin) read just before the change: what each gets back at the end. */
  readonly before: Readonly<Record<string, string>>;
  /** `cluster`: every worker (KIP-976, 3.7+); `worker`: only the worker named (or the configured one). */
  readonly scope: "worker" | "cluster";
  readonly until: number;
  readonly reason: string;
  readonly by: Person;
  readonly state: "open" | "reverted";
}

/**
 * One maintenance window. `scheduled` until it opens at `from` (later when its approval comes late), `opening`
 * while it halts its connectors one by one, `open` while it holds them, `closing` while they are put back, then
 * `closed`; `cancelled` when ended before it opened, `lapsed` when its approval never succeeded before `until`.
 */
export interface MaintenanceWindow {
  /** `w<n>-<4 letters>`, from {@link MaintenanceWindowActions.newId}. */
  readonly id: string;
  readonly cluster: string;
  /** The connector or pattern as typed. */
  readonly target: string;
  readonly action: "pause" | "stop";
  /** Exactly the connectors it holds, resolved when it was asked. */
  readonly connectors: string[];
  readonly from: number;
  readonly until: number;
  readonly reason: string;
  readonly by: SourcedPerson;
  /** The approval request it waits for (a stop window, or one above automation.bulk.approvalAbove). */
  readonly approval?: string | undefined;
  readonly needsApproval: boolean;
  readonly state: "scheduled" | "opening" | "open" | "closing" | "closed" | "cancelled" | "lapsed";
  /** Each connector's state just before the window halted it: what closing puts back. */
  readonly prior?: Readonly<Record<string, ConnectorState>> | undefined;
  readonly openedAt?: number | undefined;
  readonly closedAt?: number | undefined;
  /** Who ended it early, if someone did. */
  readonly endedBy?: string | undefined;
}

/** One connector of a bulk action's set: its state and task ids when previewed. */
export interface BulkTarget {
  readonly connector: string;
  readonly state: ConnectorState;
  readonly tasks: number[];
}

/** A bulk action's preview as kept for its confirmation: exactly the set it showed. */
export interface BulkPreview {
  /** Names the preview: the confirmation asks for it. */
  readonly digest: string;
  readonly cluster: string;
  readonly action: "pause" | "resume" | "restart";
  readonly pattern: string;
  readonly failedOnly: boolean;
  readonly targets: BulkTarget[];
}

/** Log levels that put themselves back at the end of their time. */
export interface LogLevelChanges {
  /**
   * Every logger of one worker (`worker`, an origin from {@link workers}; the configured one by default), with its
   * level. Connect's failures, by code.
   */
  list(
    cluster: string,
    requestId: string,
    worker?: string,
  ): Promise<Record<string, { readonly level: string }>>;
  /**
   * The group's workers as origins (`scheme://host:port`): the configured URL and each `worker_id` a connector's
   * or task's status names. Only these may be named with `--worker`. Connect's failures, by code.
   */
  workers(cluster: string, requestId: string): Promise<string[]>;
  /**
   * Changes `logger` to `level` until `forMs` from now and schedules putting it back; the level before is kept
   * from an earlier open change of the same logger. Connect's failures, by code (`CONNECT_TOO_OLD` for cluster
   * scope before 3.7).
   */
  set(input: {
    readonly cluster: string;
    readonly logger: string;
    readonly level: string;
    readonly scope: "worker" | "cluster";
    /** The worker's origin, one of {@link workers}; for worker scope only. */
    readonly worker?: string | undefined;
    readonly forMs: number;
    readonly reason: string;
    readonly by: SourcedPerson;
    readonly requestId: string;
  }): Promise<LevelChange>;
  /** Puts a change's level back now; false when it was already back. */
  revert(id: string, by?: SourcedPerson): Promise<boolean>;
  /** The open change of a logger, if one is waiting to be put back. */
  openChange(cluster: string, logger: string): Promise<LevelChange | undefined>;
}

/** Maintenance windows, with the limits of what may be asked. */
export interface MaintenanceWindowActions {
  /** A new window id. */
  newId(): Promise<string>;
  /** Saves a window and schedules its opening and closing; its thread opens with what was asked. */
  schedule(
    window: Omit<MaintenanceWindow, "state" | "prior" | "openedAt" | "closedAt" | "endedBy">,
  ): Promise<MaintenanceWindow>;
  /** Drops a window that was never announced (its approval request was refused). */
  discard(id: string): Promise<void>;
  get(id: string): Promise<MaintenanceWindow | undefined>;
  /** Windows that end after `sinceMs` (default: a day ago), soonest end first. */
  list(sinceMs?: number): Promise<MaintenanceWindow[]>;
  /**
   * Ends a window early: one not yet open is cancelled, an open one closes now. Undefined when there is no such
   * window; the window unchanged when it had ended already. `by` is the person's name.
   */
  end(id: string, by: string): Promise<MaintenanceWindow | undefined>;
  /** automation.windows.maxLength, ms. */
  readonly maxLengthMs: number;
  /** automation.windows.maxAhead, ms. */
  readonly maxAheadMs: number;
}

/**
 * A change to follow through (src/automation/follow-through.ts): the bot watches the connector for a while and
 * tells, in the change's thread, the replay's progress and how it ended, mentioning `requester` on the last line.
 */
export interface FollowStart {
  readonly cluster: string;
  readonly connector: string;
  /** What was done, in words: `offsets reset`, `config change`, `restart`. */
  readonly change: string;
  readonly requester: { readonly id: string; readonly source?: string | undefined };
  /** The approval request whose thread the lines go to. */
  readonly approval?: string | undefined;
  /** Without `approval`: the channel a thread opens in (where the command was typed); without either, logged only. */
  readonly channel?: string | undefined;
  /** The command's request id: names the watch without an approval. */
  readonly requestId: string;
}

/** What commands may do with the bot's own scheduled work. */
export interface AutomationServices {
  readonly logLevels: LogLevelChanges;
  /** The longest `--for` of a log level change (automation.loggers.maxFor), ms. */
  readonly loggerMaxForMs: number;
  /** One thread per story in the automation channel (a bulk action's). */
  readonly stories: {
    /** Tells one line of story `id`; a chat failure is logged and never fails the work the story is about. */
    tell(id: string, line: string | Reply): Promise<void>;
  };
  readonly bulk: {
    readonly previews: {
      save(preview: BulkPreview): Promise<void>;
      /** The preview, once: a second take of the same digest is undefined, as is an expired one. */
      take(digest: string): Promise<BulkPreview | undefined>;
    };
    /** More connectors than this: one approval request (automation.bulk.approvalAbove). */
    readonly approvalAbove: number;
    /** Connect calls in flight at once (automation.bulk.concurrency). */
    readonly concurrency: number;
    /** How long a preview can be confirmed, ms (automation.bulk.previewFor). */
    readonly previewForMs: number;
  };
  readonly windows: MaintenanceWindowActions;
  /** Follows a change through; a Redis failure is thrown, nothing else (the watch itself runs later). */
  follow(change: FollowStart): Promise<void>;
}
