import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { hasCode } from "../core/has-code.js";
import type { ConnectReads, FollowStart, LagReads } from "../core/ports.js";
import type { AutomationConfig } from "./automation-config.js";
import type { AutomationJob, AutomationQueue } from "./automation-queue.js";
import { type FollowLook, type FollowWatch, followStep } from "./follow-verdict.js";
import type { Stories } from "./stories.js";

type FollowJob = Extract<AutomationJob, { kind: "follow" }>;

/** What a watch reads of a cluster: the connector's status and type, and a sink's lag. */
export interface FollowClients {
  readonly connect: Pick<ConnectReads, "status" | "info">;
  readonly lag: Pick<LagReads, "lag">;
}

/** What {@link FollowThrough} is given: its settings (ms), the queue its looks run on, and where it reads and tells. */
export interface FollowThroughOptions {
  readonly config: AutomationConfig["followThrough"];
  readonly queue: Pick<AutomationQueue, "schedule">;
  readonly clientsOf: (cluster: string) => FollowClients | undefined;
  /** Each watch's lines are one story (its thread: the approval request's, or a new one in the asking channel). */
  readonly stories: Pick<Stories, "tell" | "adopt">;
  /** The address of approval request `id`'s message (the thread its outcome is told in), when an adapter has one. */
  readonly approvalThread: (id: string) => Promise<string | undefined>;
  readonly now: () => number;
  readonly logger?: Logger | undefined;
}

/**
 * Follows a change through (README, "Following a change through"): after an approved offsets or config change, or
 * a restart, the connector is looked at every `lookEvery` by a BullMQ delayed job that carries the watch and
 * schedules the next look, so a restart of the bot loses nothing and no timer is left behind. What each look means
 * is decided in follow-verdict.ts; the lines go to the request's thread, the requester mentioned on the last one.
 */
export class FollowThrough {
  readonly #options: FollowThroughOptions;

  constructor(options: FollowThroughOptions) {
    this.#options = options;
  }

  /**
   * Starts watching: the first look is due at once. Starting the same watch twice (two replicas telling one
   * outcome) adds it once. With `approval`, the lines go to that request's thread; else a thread opens in `channel`.
   */
  async start(watch: FollowStart): Promise<void> {
    const id = watch.approval ?? `restart-${watch.requestId}`;
    const parsed: FollowWatch = {
      id,
      cluster: watch.cluster,
      connector: watch.connector,
      change: watch.change,
      restart: watch.change === "restart",
      requester: {
        id: watch.requester.id,
        ...(watch.requester.source === undefined ? {} : { source: watch.requester.source }),
      },
      doneAt: this.#options.now(),
      seenUp: false,
    };
    if (watch.approval !== undefined) {
      const thread = await this.#options.approvalThread(watch.approval);
      if (thread !== undefined) await this.#options.stories.adopt(storyOf(id), thread);
    }
    const job: FollowJob = {
      kind: "follow",
      watch: parsed,
      look: 0,
      ...(watch.channel === undefined ? {} : { channel: watch.channel }),
    };
    await this.#options.queue.schedule(followJobId(job), job, 0);
  }

  /** One look: reads the connector, tells what followStep says, and schedules the next look unless it ended. */
  async run(job: FollowJob): Promise<void> {
    const { watch } = job;
    const clients = this.#options.clientsOf(watch.cluster);
    if (clients === undefined) return;
    const config = this.#options.config;
    const look = await this.#look(clients, watch).catch((error: unknown) => {
      // Connect not answering is no verdict: the next look asks again (maxFor still ends the watch).
      this.#options.logger?.warn(
        { err: error, watch: watch.id },
        "a follow-through could not read the connector",
      );
      return undefined;
    });
    if (look === undefined) {
      const again: FollowJob = { ...job, look: job.look + 1 };
      if (this.#options.now() - watch.doneAt < config.maxFor)
        await this.#options.queue.schedule(followJobId(again), again, config.lookEvery);
      return;
    }
    const step = followStep(watch, look, {
      progressEveryMs: config.progressEvery,
      steadyForMs: config.steadyFor,
      maxForMs: config.maxFor,
    });
    const story = storyOf(watch.id);
    if (step.next === "end") {
      const mention = watch.requester.source === undefined || watch.requester.source === "slack";
      await this.#options.stories.tell(story, step.say, {
        ...(job.channel === undefined ? {} : { channel: job.channel }),
        ...(mention ? { mention: watch.requester.id } : {}),
      });
      return;
    }
    if (step.say !== undefined)
      await this.#options.stories.tell(
        story,
        step.say,
        job.channel === undefined ? {} : { channel: job.channel },
      );
    const next: FollowJob = { ...job, watch: step.watch, look: job.look + 1 };
    await this.#options.queue.schedule(followJobId(next), next, config.lookEvery);
  }

  async #look(clients: FollowClients, watch: FollowWatch): Promise<FollowLook> {
    const at = this.#options.now();
    const requestId = `follow-${watch.id}`;
    const status = await clients.connect.status(watch.connector, { requestId }).catch((error: unknown) => {
      if (hasCode(error, "CONNECT_NOT_FOUND")) return undefined;
      throw error;
    });
    if (status === undefined) return { at, state: undefined, failed: [], sink: false, left: undefined };
    const failed = [
      ...(status.connector.state === "FAILED"
        ? [{ part: "the connector", trace: status.connector.trace }]
        : []),
      ...status.tasks
        .filter((task) => task.state === "FAILED")
        .map((task) => ({ part: `task ${task.id}`, trace: task.trace })),
    ];
    return { at, state: status.connector.state, failed, ...(await this.#left(clients, watch, requestId)) };
  }

  /**
   * Whether it is a sink, and a sink's records left to read: undefined for a source, or when its type or lag
   * cannot be read now (logged; a connector whose type is unknown counts as a sink, so it is not called "held").
   */
  async #left(
    clients: FollowClients,
    watch: FollowWatch,
    requestId: string,
  ): Promise<Pick<FollowLook, "sink" | "left">> {
    let sink = true;
    try {
      const info = await clients.connect.info(watch.connector, { requestId });
      sink = info.type === "sink";
      if (!sink) return { sink, left: undefined };
      const lag = await clients.lag.lag(watch.connector, info.config);
      const known = lag.topicsUnknown === undefined && lag.unread.length === 0;
      return { sink, left: known ? lag.total : undefined };
    } catch (error) {
      this.#options.logger?.warn({ err: error, watch: watch.id }, "a follow-through could not read the lag");
      return { sink, left: undefined };
    }
  }
}

/** The story a watch's lines are told in. */
function storyOf(id: string): string {
  return `follow-${id}`;
}

/** `follow-<hash of the watch's id>-<look>`: BullMQ job ids hold no `:`. */
function followJobId(job: FollowJob): string {
  const id = createHash("sha256").update(job.watch.id).digest("hex");
  return `follow-${id.slice(0, 24)}-${job.look}`;
}
