import type { AlertRoute, AlertsConfig } from "../config.js";
import type { ClusterHandle } from "../core/cluster-handle.js";
import type { AlertDelivery } from "./alert-delivery.js";
import { alertNews } from "./alert-news.js";
import { AlertOutbox } from "./alert-outbox.js";
import { evaluateConnector, type Finding, historySamples } from "./alert-rules.js";
import { type Alert, type AlertStore, isSilenced } from "./alert-store.js";
import { thresholdsFor } from "./alert-thresholds.js";
import { collectSamples } from "./collect-samples.js";
import type { ConnectorSample } from "./connector-sample.js";
import type { FiringCopy } from "./firing-copy.js";
import { globMatches } from "./glob.js";

/** What the rules say about one connector at one poll, beside the alerts firing for it before. */
interface Verdict {
  readonly cluster: string;
  readonly connector: string;
  readonly findings: readonly Finding[];
  /** Its alerts that were firing before this poll. */
  readonly firing: readonly Alert[];
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
  readonly now: () => number;
}

/**
 * One cluster's part of an alert poll, in named steps: collect a sample per connector, evaluate the rules on each
 * history, reconcile the findings with the alerts firing (one alert per connector and rule: started, updated,
 * resolved), then deliver the messages. Connect not answering twice in a row is one alert for the cluster.
 */
export class ClusterPoll {
  readonly #store: AlertStore;
  readonly #config: AlertsConfig;
  readonly #firingCopy: FiringCopy;
  readonly #delivery: AlertDelivery;
  readonly #explainedHalts: ClusterPollOptions["explainedHalts"];
  readonly #now: () => number;

  constructor(options: ClusterPollOptions) {
    this.#store = options.store;
    this.#config = options.config;
    this.#firingCopy = options.firingCopy;
    this.#delivery = options.delivery;
    this.#explainedHalts = options.explainedHalts;
    this.#now = options.now;
  }

  /** One cluster's part of a poll: collect samples, evaluate the rules, reconcile with what fires, tell. */
  async poll(cluster: ClusterHandle): Promise<void> {
    const collected = await this.#collect(cluster);
    const now = this.#now();
    const firing = await this.#store.firing(cluster.name);
    const outbox = new AlertOutbox();
    const failures = await this.#store.countUnreachable(cluster.name, !(collected instanceof Error));
    if (collected instanceof Error) {
      // Nothing is judged without samples.
      await this.#noteUnreachable(cluster.name, collected, failures, firing, now, outbox);
    } else {
      for (const verdict of await this.#evaluate(cluster.name, collected, firing, now))
        await this.#reconcile(verdict, now, outbox);
      await this.#resolveClusterWide(cluster.name, collected, firing, now, outbox);
    }
    await this.#delivery.deliver(outbox);
  }

  /** Each connector's sample, or why Connect could not be read. */
  async #collect(cluster: ClusterHandle): Promise<Map<string, ConnectorSample> | Error> {
    const explained = await this.#explainedHalts(cluster.name);
    return collectSamples(cluster, explained, () => this.#now()).catch((error: unknown) =>
      error instanceof Error ? error : new Error(String(error)),
    );
  }

  /** One failed poll can be a blip; two in a row are news: one alert for the cluster. */
  async #noteUnreachable(
    cluster: string,
    error: Error,
    failures: number,
    firing: ReadonlyMap<string, Alert>,
    now: number,
    outbox: AlertOutbox,
  ): Promise<void> {
    const key = unreachableKey(cluster);
    if (failures < 2 || firing.has(key)) return;
    const finding: Finding = {
      rule: "connect-unreachable",
      summary: alertNews.connectDoesNotAnswer(error),
      details: [],
      value: failures,
    };
    const alert = newAlert(key, cluster, "*", finding, now);
    await this.#store.saveFiring(alert);
    this.#firingCopy.keep(alert);
    const channel = this.#channelOf(cluster, "*");
    if (channel !== undefined) outbox.post(channel, alert);
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
    return [...samples].map(([connector, sample]) => {
      const mine = [...firing.values()].filter((alert) => alert.connector === connector);
      return {
        cluster,
        connector,
        findings: evaluateConnector(
          connector,
          histories.get(connector) ?? [sample],
          thresholdsFor(connector, config.thresholds, config.overrides),
          new Set(mine.map((alert) => alert.rule)),
        ),
        firing: mine,
        quiet:
          isSilenced(silences, cluster, connector) !== undefined ||
          (snoozes.get(connector)?.until ?? 0) > now,
      };
    });
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
    const key = `${cluster}/${connector}/${finding.rule}`;
    const before = verdict.firing.find((alert) => alert.rule === finding.rule);
    let news: string | undefined;
    const fresh = { summary: finding.summary, details: [...finding.details], value: finding.value };
    const told =
      before === undefined
        ? newAlert(key, cluster, connector, finding, now)
        : await this.#store.updateFiring(cluster, key, (latest) => {
            const updated = { ...(latest ?? before), ...fresh };
            news = quiet ? undefined : this.#newsOf(updated, now);
            return news === undefined
              ? updated
              : { ...updated, announcedValue: updated.value, remindedAt: now };
          });
    if (told === undefined) return;
    if (before === undefined) await this.#store.saveFiring(told);
    this.#firingCopy.keep(told);
    if (told.message === undefined && !quiet) {
      // New, or not posted yet (Slack refused it last time).
      const channel = this.#channelOf(cluster, connector);
      if (channel !== undefined) outbox.post(channel, told);
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

  #channelOf(cluster: string, connector: string): string | undefined {
    const { routes, channel } = this.#config;
    return routeOf(routes, cluster, connector) ?? channel;
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

  async #resolve(alert: Alert, now: number, news: string, outbox: AlertOutbox): Promise<void> {
    await this.#store.removeFiring(alert);
    this.#firingCopy.forget(alert);
    outbox.change({ ...alert, resolvedAt: now }, news);
  }
}

function unreachableKey(cluster: string): string {
  return `${cluster}/*/connect-unreachable`;
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

function routeOf(routes: readonly AlertRoute[], cluster: string, connector: string): string | undefined {
  return routes.find(
    (route) => globMatches(route.cluster, cluster) && globMatches(route.connector, connector),
  )?.channel;
}
