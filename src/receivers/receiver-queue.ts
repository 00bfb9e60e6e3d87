import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { z } from "zod";
import type { AlertReceivers, ReceiverNotice } from "../alerts/alert-receivers.js";
import type { ReceiverConfig } from "../alerts/alerts-config.js";
import { timeLimit } from "../core/time-limit.js";
import { RedisKeys } from "../redis-keys.js";
import { alertmanagerAlerts } from "./alertmanager-alerts.js";
import { pagerDutyEvent } from "./pagerduty-events.js";
import { postJson, ReceiverError } from "./receiver-http.js";
import { webhookBody } from "./webhook-body.js";
import { webhookHeaders, webhookSignature } from "./webhook-signature.js";

/** Each receiver's deliveries are a queue of their own: one that hangs fills its own slots, never another's. */
const queueNameOf = (receiver: string) => `alert-receiver-${receiver}`;
/** Deliveries to one receiver under way at once in one process. */
const concurrency = 4;
/** How long a slot's newest delivery time is kept (ms). */
const sentTtlMs = 7 * 86_400_000;

/** One delivery to one receiver, as queued: the body less its secret, and what it is about. */
const ReceiverJob = z.object({
  receiver: z.string(),
  /** What this delivery is about, for its log lines: an event and an alert key, or `batch` and a cluster. */
  event: z.string(),
  /** An alert's key, or an Alertmanager batch's cluster: an older delivery of the same slot is never sent after a newer one. */
  slot: z.string(),
  /** When the news was decided (epoch ms). */
  at: z.number(),
  body: z.unknown(),
});
type ReceiverJob = z.infer<typeof ReceiverJob>;

/** Sets the slot's time to ARGV[2] unless a newer one is there; returns 1 when it was set. */
const recordNewest = `
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if current > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

export interface ReceiverQueueOptions {
  /** Redis for BullMQ (maxRetriesPerRequest null). */
  readonly connection: Redis;
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly receivers: readonly ReceiverConfig[];
  /** Alertmanager's alerts end this long after each re-send unless sent again (ms): four poll intervals. */
  readonly expiresAfterMs: number;
  readonly logger?: Logger | undefined;
  /** Told each attempt's outcome (metrics). */
  readonly onAttempt?: (receiver: ReceiverConfig, outcome: "ok" | "failed") => void;
  /** Told when a delivery is given up (metrics); the dead-letter log line is written here. */
  readonly onDeadLetter?: (receiver: ReceiverConfig) => void;
  readonly now?: () => number;
}

/**
 * Delivers alert notices to Alertmanager, PagerDuty and webhooks through a BullMQ queue, so the poll only queues
 * them: each delivery is a job in its receiver's own queue, tried `attempts` times with exponential backoff (first
 * wait `backoff`), by any replica, a few at once, so one receiver that hangs or fails holds up neither the others
 * nor the poll. A
 * delivery given up is one error log line (the dead letter) and a count in `/metrics`. A delivery older than one
 * already made for the same alert (a trigger still retrying after the resolve went through) is dropped.
 * PagerDuty's resolve waits `resolveAfter`: if the alert fires again meanwhile, its trigger (newer) supersedes
 * the resolve, and the incident stays the one open.
 */
export class ReceiverQueue implements AlertReceivers {
  readonly #options: ReceiverQueueOptions;
  readonly #receivers: ReadonlyMap<string, ReceiverConfig>;
  readonly #keys: RedisKeys;
  /** By receiver name. */
  readonly #queues: ReadonlyMap<string, Queue>;
  #workers: Worker[] = [];

  constructor(options: ReceiverQueueOptions) {
    this.#options = options;
    this.#receivers = new Map(options.receivers.map((receiver) => [receiver.name, receiver]));
    this.#keys = new RedisKeys(options.keyPrefix);
    this.#queues = new Map(
      options.receivers.map((receiver) => {
        const queue = new Queue(queueNameOf(receiver.name), {
          connection: options.connection,
          prefix: this.#keys.bullPrefix,
        });
        // BullMQ reconnects by itself; the alerts' queue already says when Redis is away.
        queue.on("error", () => undefined);
        return [receiver.name, queue] as const;
      }),
    );
  }

  async start(): Promise<void> {
    if (this.#workers.length > 0) return;
    this.#workers = this.#options.receivers.map((receiver) => {
      const worker = new Worker(queueNameOf(receiver.name), (job) => this.#deliver(job), {
        connection: this.#options.connection,
        prefix: this.#keys.bullPrefix,
        concurrency,
      });
      worker.on("error", () => undefined);
      return worker;
    });
  }

  async close(drainMs: number): Promise<void> {
    await Promise.all(this.#workers.map((worker) => timeLimit(worker.close(), drainMs)));
    await Promise.all([...this.#queues.values()].map((queue) => queue.close()));
  }

  /** The receivers' deliveries by state, over every receiver (for `/metrics`). */
  async jobCounts(): Promise<Record<string, number>> {
    const total: Record<string, number> = {};
    for (const queue of this.#queues.values()) {
      for (const [state, count] of Object.entries(
        await queue.getJobCounts("waiting", "active", "delayed", "failed"),
      ))
        total[state] = (total[state] ?? 0) + count;
    }
    return total;
  }

  async send(notices: readonly ReceiverNotice[]): Promise<void> {
    const jobs: { name: string; data: ReceiverJob; opts: { delay?: number } }[] = [];
    const byReceiver = new Map<string, ReceiverNotice[]>();
    for (const notice of notices)
      byReceiver.set(notice.receiver, [...(byReceiver.get(notice.receiver) ?? []), notice]);
    for (const [name, mine] of byReceiver) {
      const receiver = this.#receivers.get(name);
      if (receiver === undefined) continue;
      if (receiver.type === "alertmanager") {
        for (const [cluster, ofCluster] of groupBy(mine, (notice) => notice.alert.cluster)) {
          const body = alertmanagerAlerts(ofCluster, this.#options.expiresAfterMs);
          const at = Math.max(...ofCluster.map((notice) => notice.at));
          if (body.length > 0) jobs.push(job(receiver, { event: "batch", slot: cluster, at, body }));
        }
        continue;
      }
      for (const { event, alert, at } of mine) {
        const body =
          receiver.type === "pagerduty" ? pagerDutyEvent(event, alert) : webhookBody(event, alert, at);
        if (body === undefined) continue;
        const delay = receiver.type === "pagerduty" && event === "resolved" ? receiver.resolveAfterMs : 0;
        jobs.push(job(receiver, { event, slot: alert.key, at, body }, delay));
      }
    }
    for (const [receiver, queue] of this.#queues) {
      const mine = jobs.filter((job) => job.data.receiver === receiver);
      if (mine.length > 0) await queue.addBulk(mine);
    }
  }

  /** One attempt of one delivery; @throws to be retried, UnrecoverableError when retrying cannot help. */
  async #deliver(job: Job): Promise<void> {
    const parsed = ReceiverJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`job ${job.id} holds no receiver delivery`);
    const data = parsed.data;
    const receiver = this.#receivers.get(data.receiver);
    if (receiver === undefined)
      throw new UnrecoverableError(`no receiver "${data.receiver}" in this process's config`);
    const sentKey = this.#keys.alertReceiverSent(receiver.name);
    const newest = Number((await this.#options.redis.hget(sentKey, data.slot)) ?? 0);
    if (newest > data.at) return;
    try {
      await this.#post(receiver, data, job.id ?? "");
      this.#options.onAttempt?.(receiver, "ok");
    } catch (error) {
      this.#options.onAttempt?.(receiver, "failed");
      const retriable = !(error instanceof ReceiverError) || error.retriable;
      const attempts = job.opts.attempts ?? 1;
      if (!retriable || job.attemptsMade + 1 >= attempts) {
        this.#options.onDeadLetter?.(receiver);
        this.#options.logger?.error(
          {
            receiver: receiver.name,
            type: receiver.type,
            event: data.event,
            about: data.slot,
            attempts: job.attemptsMade + 1,
            reason: error instanceof Error ? error.message : String(error),
          },
          "dead letter: an alert receiver's delivery was given up",
        );
      }
      if (!retriable) throw new UnrecoverableError(error instanceof Error ? error.message : String(error));
      throw error;
    }
    await this.#options.redis.eval(recordNewest, 1, sentKey, data.slot, String(data.at), String(sentTtlMs));
  }

  /** Sends one delivery, its secret added here (never queued): the routing key, or the signature. */
  async #post(receiver: ReceiverConfig, data: ReceiverJob, deliveryId: string): Promise<void> {
    switch (receiver.type) {
      case "alertmanager":
        await postJson(`${receiver.url.replace(/\/+$/, "")}/api/v2/alerts`, JSON.stringify(data.body));
        return;
      case "pagerduty":
        await postJson(
          receiver.url,
          JSON.stringify({ routing_key: receiver.routingKey, ...(data.body as object) }),
        );
        return;
      case "webhook": {
        const body = JSON.stringify(data.body);
        const timestamp = Math.floor((this.#options.now ?? Date.now)() / 1000);
        await postJson(receiver.url, body, {
          [webhookHeaders.timestamp]: String(timestamp),
          [webhookHeaders.signature]: webhookSignature(receiver.secret, timestamp, body),
          [webhookHeaders.delivery]: deliveryId,
        });
        return;
      }
    }
  }
}

/** A queued delivery with its receiver's retry policy; `delay` (ms) holds it back (a PagerDuty resolve). */
function job(
  receiver: ReceiverConfig,
  data: Omit<ReceiverJob, "receiver">,
  delay = 0,
): { name: string; data: ReceiverJob; opts: Record<string, unknown> } {
  return {
    name: receiver.type,
    data: { receiver: receiver.name, ...data },
    opts: {
      attempts: receiver.attempts,
      backoff: { type: "exponential", delay: receiver.backoffMs },
      removeOnComplete: 100,
      removeOnFail: 500,
      ...(delay > 0 ? { delay } : {}),
    },
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
