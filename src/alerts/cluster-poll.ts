import type { Clock } from "../core/clock.js";
import type { ClusterHandle } from "../core/cluster-handle.js";
import type { ConnectorSample } from "../core/ports.js";
import { healthWords, workerHealth } from "../core/worker-health.js";
import type { AlertDelivery } from "./alert-delivery.js";
import { alertNews } from "./alert-news.js";
import { AlertOutbox } from "./alert-outbox.js";
import { type AlertDestination, destinationOf } from "./alert-receivers.js";
import { type AlertRule, evaluateConnector, type Finding, historySamples } from "./alert-rules.js";
import { type Alert, type AlertStore, isSilenced } from "./alert-store.js";
import { thresholdsFor } from "./alert-thresholds.js";
import type { AlertsConfig } from "./alerts-config.js";
import { collectSamples } from "./collect-samples.js";
import type { FiringCopy } from "./firing-copy.js";

/** What the rules say about one connector at one poll, beside the alerts firing for it before. */
interface Verdict {
  readonly cluster: string;
  readonly connector: string;
  readonly findings: readonly Finding[];
  /** Its alerts that were firing before this poll. */
  readonly firing: readonly Alert[];
  /** Its alerts that resolved within the flap window and fire again now, by rule: reopened, not posted anew. */
  readonly resolved: ReadonlyMap<string, Alert>;
  /** Snoozed or silenced: its alerts are kept up to date, but nobody is told. */
  readonly quiet: boolean;
}

export interface ClusterPollOptions {
  readonly store: AlertStore;
  readonly config: AlertsConfig;
  readonly firingCopy: FiringCopy;
  readonly delivery: AlertDelivery;
  /** Connectors whose halt an approved request explains (see Approvals.explainedHalts). */
  readonly explainedHalts: (cluster: string) => Promise<ReadonlyMap<string, "operating" | "stopped">>;
  readonly now: Clock;
  /**
   * Told each cluster's samples once its alerts are delivered (auto-restart reads the failures), with the time the
   * poll began reading Connect (epoch ms): the samples show Connect as it was at some moment after it.
   */
  readonly afterPoll?: (
    cluster: string,
    samples: ReadonlyMap<string, ConnectorSample>,
    readFrom: number,
  ) => Promise<void>;
  /** Connectors whose alerts are held (a maintenance window): kept up to date, told to nobody, halts explained. */
  readonly held?: (cluster: string) => Promise<ReadonlySet<string>>;
}

/**
 * One cluster's part of an alert poll, in named steps: collect a sample per connector, evaluate the rules on each
 * history, reconcile the findings with the alerts firing (one alert per connector and rule: started, updated,
 * resolved), then deliver the messages. Connect not answering twice in a row is one alert for the cluster.
 *
 * An alert that resolved less than `flapWindowMs` ago and fires again is reopened: the same alert in the same
 * message, back to FIRING with its flap count, the return told in its thread. A task that fails, is restarted
 * and fails again is one alert however often it does, not a message each time.
 */
export class ClusterPoll {
  readonly #store: AlertStore;
  readonly #config: AlertsConfig;
  readonly #firingCopy: FiringCopy;
  readonly #delivery: AlertDelivery;
  readonly #explainedHalts: ClusterPollOptions["explainedHalts"];
  readonly #now: Clock;
  readonly #afterPoll: ClusterPollOptions["afterPoll"];
  readonly #held: ClusterPollOptions["held"];

  constructor(options: ClusterPollOptions) {
    this.#store = options.store;
    this.#config = options.config;
    this.#firingCopy = options.firingCopy;
    this.#delivery = options.delivery;
    this.#explainedHalts = options.explainedHalts;
    this.#now = options.now;
    this.#afterPoll = options.afterPoll;
    this.#held = options.held;
  }

  /** One cluster's part of a poll: collect samples, evaluate the rules, reconcile with what fires, tell. */
  async poll(cluster: ClusterHandle): Promise<void> {
    const readFrom = this.#now();
    const collected = await this.#collect(cluster);
    const now = this.#now();
    const firing = await this.#store.firing(cluster.name);
    const outbox = new AlertOutbox();
    const failures = await this.#store.countUnreachable(cluster.name, !(collected instanceof Error));
    if (collected instanceof Error) {
      // Nothing is judged without samples.
      await this.#noteUnreachable(cluster, collected, failures, firing, now, outbox);
    } else {
      for (const verdict of await this.#evaluate(cluster.name, collected, firing, now))
        await this.#reconcile(verdict, now, outbox);
      await this.#resolveClusterWide(cluster.name, collected, firing, now, outbox);
    }
    await this.#delivery.deliver(outbox);
    if (!(collected instanceof Error)) await this.#afterPoll?.(cluster.name, collected, readFrom);
  }

  /** Each connector's sample, or why Connect could not be read. */
  async #collect(cluster: ClusterHandle): Promise<Map<string, ConnectorSample> | Error> {
    const explained = new Map(await this.#explainedHalts(cluster.name));
    // A connector in a maintenance window is halted on purpose, as under an approved operation.
    for (const connector of (await this.#held?.(cluster.name)) ?? []) explained.set(connector, "operating");
    return collectSamples(cluster, explained, () => this.#now()).catch((error: unknown) =>
      error instanceof Error ? error : new Error(String(error)),
    );
  }

  /**
   * One failed poll can be a blip; two in a row are news: one alert for the cluster. It says whether the worker
   * answers at all, or answers but calls itself starting or unhealthy (`GET /health`, KIP-1017): a worker waiting
   * on its group holds every herder request, so the poll failed although the worker is up.
   */
  async #noteUnreachable(
    cluster: ClusterHandle,
    error: Error,
    failures: number,
    firing: ReadonlyMap<string, Alert>,
    now: number,
    outbox: AlertOutbox,
  ): Promise<void> {
    const key = unreachableKey(cluster.name);
    if (failures < 2 || firing.has(key)) return;
    const health = await workerHealth(cluster.connect);
    const finding: Finding = {
      rule: "connect-unreachable",
      summary:
        health.kind === "unhealthy"
          ? alertNews.connectUnhealthy(healthWords(health))
          : alertNews.connectDoesNotAnswer(error),
      details: [],
      value: failures,
    };
    const { channel, receivers } = this.#destinationOf(cluster.name, "*", finding.rule);
    const alert = withReceivers(newAlert(key, cluster.name, "*", finding, now), receivers);
    await this.#store.saveFiring(alert);
    this.#firingCopy.keep(alert);
    if (channel !== undefined) outbox.post(channel, alert);
    outbox.notify(alert.receivers, "fired", alert, now);
  }

  /** Records the samples and runs the rules on each connector's history. */
  async #evaluate(
    cluster: string,
    samples: ReadonlyMap<string, ConnectorSample>,
    firing: ReadonlyMap<string, Alert>,
    now: number,
  ): Promise<Verdict[]> {
    const config = this.#config;
    const silences = await this.#store.silences(now);
    const histories = await this.#store.recordSamples(cluster, samples, historySamples(config));
    const snoozes = await this.#store.snoozes(cluster, [...samples.keys()]);
    const held = (await this.#held?.(cluster)) ?? new Set<string>();
    const byConnector = new Map<string, Alert[]>();
    for (const alert of firing.values())
      byConnector.set(alert.connector, [...(byConnector.get(alert.connector) ?? []), alert]);
    const judged = [...samples].map(([connector, sample]) => {
      const mine = byConnector.get(connector) ?? [];
      return {
        connector,
        mine,
        findings: evaluateConnector(
          connector,
          histories.get(connector) ?? [sample],
          thresholdsFor(connector, config.thresholds, config.overrides),
          new Set(mine.map((alert) => alert.rule)),
        ),
      };
    });
    // Only alerts about to start are looked up: one round trip, and none in a quiet poll.
    const resolved = await this.#store.recentlyResolved(
      judged.flatMap(({ connector, mine, findings }) =>
        findings
          .filter((finding) => !mine.some((alert) => alert.rule === finding.rule))
          .map((finding) => alertKey(cluster, connector, finding.rule)),
      ),
    );
    return judged.map(({ connector, mine, findings }) => ({
      cluster,
      connector,
      findings,
      firing: mine,
      resolved: new Map(
        findings.flatMap((finding) => {
          const back = resolved.get(alertKey(cluster, connector, finding.rule));
          return back === undefined ? [] : [[finding.rule, back] as const];
        }),
      ),
      quiet:
        isSilenced(silences, cluster, connector) !== undefined ||
        (snoozes.get(connector)?.until ?? 0) > now ||
        held.has(connector),
    }));
  }

  /** Starts, updates and resolves one connector's alerts so that they match its findings: one alert per rule. */
  async #reconcile(verdict: Verdict, now: number, outbox: AlertOutbox): Promise<void> {
    for (const finding of verdict.findings) await this.#fire(verdict, finding, now, outbox);
    for (const alert of verdict.firing) {
      if (!verdict.findings.some((finding) => finding.rule === alert.rule))
        await this.#resolve(alert, now, alertNews.resolved(alert, now), outbox);
    }
  }

  /** A finding starts an alert, or updates the one firing for its rule (with news in its thread when due). */
  async #fire(verdict: Verdict, finding: Finding, now: number, outbox: AlertOutbox): Promise<void> {
    const { cluster, connector, quiet } = verdict;
    const key = alertKey(cluster, connector, finding.rule);
    const before = verdict.firing.find((alert) => alert.rule === finding.rule);
    const back = verdict.resolved.get(finding.rule);
    if (before === undefined && back !== undefined) return this.#reopen(back, finding, quiet, now, outbox);
    let news: string | undefined;
    const fresh = { summary: finding.summary, details: [...finding.details], value: finding.value };
    const destination = this.#destinationOf(cluster, connector, finding.rule);
    // Receivers hear of it once, when it is first told to anyone (not while snoozed, silenced or held).
    const firstTold = (alert: Alert) =>
      quiet || alert.receivers !== undefined ? alert : withReceivers(alert, destination.receivers);
    const told =
      before === undefined
        ? firstTold(newAlert(key, cluster, connector, finding, now))
        : await this.#store.updateFiring(cluster, key, (latest) => {
            const updated = firstTold({ ...(latest ?? before), ...fresh });
            news = quiet ? undefined : this.#newsOf(updated, now);
            return news === undefined
              ? updated
              : { ...updated, announcedValue: updated.value, remindedAt: now };
          });
    if (told === undefined) return;
    if (before === undefined) await this.#store.saveFiring(told);
    this.#firingCopy.keep(told);
    const receiversBefore = before?.receivers;
    outbox.notify(told.receivers, receiversBefore === undefined ? "fired" : "still-firing", told, now);
    if (told.message === undefined && !quiet) {
      // New, or not posted yet (Slack refused it last time).
      if (destination.channel !== undefined) outbox.post(destination.channel, told);
    } else if (before !== undefined && (news !== undefined || before.summary !== told.summary)) {
      outbox.change(told, news);
    }
  }

  /** Resolves the cluster's Connect-unreachable alert (it answered) and the alerts of connectors now gone. */
  async #resolveClusterWide(
    cluster: string,
    samples: ReadonlyMap<string, ConnectorSample>,
    firing: ReadonlyMap<string, Alert>,
    now: number,
    outbox: AlertOutbox,
  ): Promise<void> {
    const unreachable = firing.get(unreachableKey(cluster));
    if (unreachable !== undefined)
      await this.#resolve(unreachable, now, alertNews.connectAnswers(unreachable, now), outbox);
    for (const alert of firing.values()) {
      if (alert.rule !== "connect-unreachable" && !samples.has(alert.connector))
        await this.#resolve(alert, now, alertNews.connectorGone(alert), outbox);
    }
  }

  /**
   * The alert resolved within the flap window fires again: the same alert, one flap more, in its message. The
   * acknowledgement is cleared (the fix did not hold: someone must own it again); its first start is kept.
   */
  async #reopen(
    back: Alert,
    finding: Finding,
    quiet: boolean,
    now: number,
    outbox: AlertOutbox,
  ): Promise<void> {
    const { resolvedAt, remindedAt, acknowledgedBy, receivers, ...kept } = back;
    const destination = this.#destinationOf(back.cluster, back.connector, back.rule);
    const told = quiet
      ? receivers
      : (receivers ?? (destination.receivers.length > 0 ? [...destination.receivers] : undefined));
    const alert: Alert = {
      ...kept,
      ...(told === undefined ? {} : { receivers: told }),
      summary: finding.summary,
      details: [...finding.details],
      value: finding.value,
      announcedValue: finding.value,
      flaps: (back.flaps ?? 0) + 1,
      lastFiredAt: now,
    };
    await this.#store.saveFiring(alert);
    await this.#store.forgetResolved(alert);
    this.#firingCopy.keep(alert);
    // Told again with the same key: PagerDuty's incident is still open (its resolve waits out the flap window).
    outbox.notify(alert.receivers, quiet ? "still-firing" : "fired", alert, now);
    if (alert.message !== undefined) {
      outbox.change(alert, quiet ? undefined : alertNews.firedAgain(alert, now - (resolvedAt ?? now)));
      return;
    }
    if (destination.channel !== undefined && !quiet) outbox.post(destination.channel, alert);
  }

  #destinationOf(cluster: string, connector: string, rule: AlertRule): AlertDestination {
    return destinationOf(this.#config, cluster, connector, rule);
  }

  /** A thread reply is due when the value moved by a quarter or more, or a reminder is due. */
  #newsOf(alert: Alert, now: number): string | undefined {
    const moved = Math.abs(alert.value - alert.announcedValue) >= Math.max(1, alert.announcedValue / 4);
    if (moved) return alertNews.moved(alert);
    const since = alert.remindedAt ?? alert.firedAt;
    if (alert.acknowledgedBy === undefined && now - since >= this.#config.repeatIntervalMs) {
      return alertNews.stillFiring(alert, now);
    }
    return undefined;
  }

  /** Resolves the alert in its message, and keeps it for the flap window in case it fires again. */
  async #resolve(alert: Alert, now: number, news: string, outbox: AlertOutbox): Promise<void> {
    const resolved = { ...alert, resolvedAt: now };
    await this.#store.keepResolved(resolved, this.#config.flapWindowMs);
    await this.#store.removeFiring(alert);
    this.#firingCopy.forget(alert);
    outbox.change(resolved, news);
    outbox.notify(resolved.receivers, "resolved", resolved, now);
  }
}

function unreachableKey(cluster: string): string {
  return alertKey(cluster, "*", "connect-unreachable");
}

/** `<cluster>/<connector>/<rule>`: names cannot hold a `/` (Connect refuses them). */
function alertKey(cluster: string, connector: string, rule: Finding["rule"]): string {
  return `${cluster}/${connector}/${rule}`;
}

/** A new alert for a finding, firing from `now` (epoch ms). */
export function newAlert(
  key: string,
  cluster: string,
  connector: string,
  finding: Finding,
  now: number,
): Alert {
  return {
    key,
    cluster,
    connector,
    rule: finding.rule,
    summary: finding.summary,
    details: [...finding.details],
    value: finding.value,
    firedAt: now,
    announcedValue: finding.value,
  };
}

/** The alert, noting the receivers it is told to (none: left as it is). */
function withReceivers(alert: Alert, receivers: readonly string[]): Alert {
  return receivers.length === 0 ? alert : { ...alert, receivers: [...receivers] };
}
