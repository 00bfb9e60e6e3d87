import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { AuditLog } from "../core/audit-log.js";
import type { Clock } from "../core/clock.js";
import type {
  AutomationServices,
  ConnectorSample,
  FollowStart,
  MaintenanceWindowActions,
} from "../core/ports.js";
import { AutoRestart, type RestartConnect } from "./auto-restart.js";
import type { AutomationConfig } from "./automation-config.js";
import { AutomationQueue } from "./automation-queue.js";
import { BulkPreviews } from "./bulk-previews.js";
import { type FollowClients, FollowThrough } from "./follow-through.js";
import { type LoggerConnect, LogLevels } from "./log-levels.js";
import { MaintenanceWindows, type WindowConnect } from "./maintenance-windows.js";
import { Stories } from "./stories.js";
import type { StoryNotifier } from "./story-notifier.js";

export interface AutomationOptions {
  /** Redis for BullMQ: a connection of its own, with maxRetriesPerRequest null. */
  readonly connection: Redis;
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly config: AutomationConfig;
  readonly clusters: readonly {
    readonly name: string;
    readonly connect: RestartConnect & LoggerConnect & WindowConnect & FollowClients["connect"];
    readonly lag: FollowClients["lag"];
  }[];
  readonly audit: AuditLog;
  /** Says a line in the thread of a connector's alert messages (Alerts.tell). */
  readonly tellAlert: (cluster: string, connector: string, news: string) => Promise<void>;
  /** Connectors an approved request holds right now, per cluster (Approvals.explainedHalts). */
  readonly approvalHolds: (cluster: string) => Promise<ReadonlyMap<string, "operating" | "stopped">>;
  /** The state of an approval request by id (Approvals.get): a window needing approval opens only once it succeeded. */
  readonly approvalState: (id: string) => Promise<string | undefined>;
  /** Where approval request `id`'s outcome is told (its message's address for the story notifier), if anywhere. */
  readonly approvalThread?: (id: string) => Promise<string | undefined>;
  readonly notifier?: StoryNotifier | undefined;
  /** Where stories are told (automation.channel, else the alerts channel). */
  readonly channel?: string | undefined;
  readonly now?: Clock;
  readonly logger?: Logger | undefined;
  readonly onConnectionError?: (error: Error) => void;
}

/**
 * Work the bot does by itself, on one BullMQ queue (`automation`): auto-restart of transient failures, log levels
 * that put themselves back, maintenance windows that open and close, changes followed through. Every process may start the worker; each due
 * job runs once, on one of them, on time after a restart of the bot. Bulk previews are kept here too.
 */
export class Automation implements AutomationServices {
  readonly queue: AutomationQueue;
  readonly autoRestart: AutoRestart;
  readonly stories: Stories;
  readonly logLevels: LogLevels;
  readonly maintenanceWindows: MaintenanceWindows;
  readonly followThrough: FollowThrough;
  /** See AutomationServices. */
  readonly bulk: AutomationServices["bulk"];
  readonly #options: AutomationOptions;

  constructor(options: AutomationOptions) {
    this.#options = options;
    const now = options.now ?? Date.now;
    this.queue = new AutomationQueue({
      connection: options.connection,
      keyPrefix: options.keyPrefix,
      logger: options.logger,
      onConnectionError: options.onConnectionError,
    });
    this.stories = new Stories({
      redis: options.redis,
      keyPrefix: options.keyPrefix,
      notifier: options.notifier,
      channel: options.channel,
      logger: options.logger,
    });
    this.autoRestart = new AutoRestart({
      redis: options.redis,
      keyPrefix: options.keyPrefix,
      config: options.config,
      queue: this.queue,
      connectOf: (cluster) => options.clusters.find((each) => each.name === cluster)?.connect,
      tell: options.tellAlert,
      audit: options.audit,
      heldBy: (cluster, connector) => this.heldBy(cluster, connector),
      now,
    });
    // What log levels and windows share: the store, the queue, the stories, the audit, each cluster's client.
    const scheduled = {
      redis: options.redis,
      keyPrefix: options.keyPrefix,
      queue: this.queue,
      stories: this.stories,
      audit: options.audit,
      connectOf: (cluster: string) => options.clusters.find((each) => each.name === cluster)?.connect,
      now,
    };
    this.logLevels = new LogLevels(scheduled);
    this.maintenanceWindows = new MaintenanceWindows({ ...scheduled, approvalState: options.approvalState });
    this.followThrough = new FollowThrough({
      config: options.config.followThrough,
      queue: this.queue,
      clientsOf: (cluster) => options.clusters.find((each) => each.name === cluster),
      stories: this.stories,
      approvalThread: options.approvalThread ?? (async () => undefined),
      now,
      logger: options.logger,
    });
    const { bulk } = options.config;
    this.bulk = {
      previews: new BulkPreviews({
        redis: options.redis,
        keyPrefix: options.keyPrefix,
        previewForMs: bulk.previewFor,
      }),
      approvalAbove: bulk.approvalAbove,
      concurrency: bulk.concurrency,
      previewForMs: bulk.previewFor,
    };
  }

  /** See AutomationServices: windows with their limits. */
  get windows(): MaintenanceWindowActions {
    const windows = this.maintenanceWindows;
    const { maxLength, maxAhead } = this.#options.config.windows;
    return {
      newId: () => windows.newId(),
      schedule: (window) => windows.schedule(window),
      discard: (id) => windows.discard(id),
      get: (id) => windows.get(id),
      list: (since) => windows.list(since),
      end: (id, by) => windows.end(id, by),
      maxLengthMs: maxLength,
      maxAheadMs: maxAhead,
    };
  }

  /** Starts this process's worker. */
  start(): void {
    this.queue.start({
      restart: (job) => this.autoRestart.run(job),
      "logger-revert": async (job) => {
        await this.logLevels.revert(job.id);
      },
      "window-open": (job) => this.maintenanceWindows.open(job.id, job.attempt),
      "window-close": async (job) => {
        await this.maintenanceWindows.close(job.id);
      },
      follow: (job) => this.followThrough.run(job),
    });
  }

  /** See AutomationServices. */
  follow(change: FollowStart): Promise<void> {
    return this.followThrough.start(change);
  }

  /** Called after each alert poll of a cluster (see AutoRestart.afterPoll). */
  async afterPoll(
    cluster: string,
    samples: ReadonlyMap<string, ConnectorSample>,
    readFrom: number,
  ): Promise<void> {
    await this.autoRestart.afterPoll(cluster, samples, readFrom).catch((error: unknown) => {
      this.#options.logger?.warn({ err: error, cluster }, "auto-restart could not judge a poll");
    });
  }

  /** What holds a connector so that nothing automatic touches it: an approved change, a window, or undefined. */
  async heldBy(cluster: string, connector: string): Promise<string | undefined> {
    if ((await this.#options.approvalHolds(cluster)).get(connector) === "operating")
      return "an approved change";
    return this.maintenanceWindows.heldBy(cluster, connector);
  }

  /** The connectors whose alerts an open maintenance window holds (the alert polls' `held`). */
  held(cluster: string): Promise<ReadonlySet<string>> {
    return this.maintenanceWindows.held(cluster);
  }

  /** See AutomationServices. */
  get loggerMaxForMs(): number {
    return this.#options.config.loggers.maxFor;
  }

  async close(drainMs: number): Promise<void> {
    await this.queue.close(drainMs);
  }
}
