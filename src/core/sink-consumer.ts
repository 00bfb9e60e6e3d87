/**
 * Where a sink connector starts and what it reads: the rules lag and offset plans share, as the Connect worker
 * applies them to its sink consumers.
 */

/** How a consumer treats transactional records: Kafka's `isolation.level`. */
export type IsolationLevel = "read_uncommitted" | "read_committed";

/** Kafka's `auto.offset.reset`: where a consumer starts on a partition with no valid committed offset. */
export type AutoOffsetReset = "earliest" | "latest" | "none";

/**
 * The worker's own consumer settings (`consumer.auto.offset.reset`, `consumer.isolation.level` in its properties),
 * when the cluster's config states them: the bot cannot read a worker's properties file.
 */
export interface WorkerConsumerDefaults {
  readonly autoOffsetReset?: AutoOffsetReset;
  readonly isolationLevel?: IsolationLevel;
}

/** Where a setting came from: the connector's override, the worker's default, or Connect's own default. */
export type SettingSource = "connector" | "worker" | "Connect default";

/** The consumer settings a sink's tasks run with, as far as lag and offset plans depend on them. */
export interface SinkConsumerSettings {
  readonly autoOffsetReset: AutoOffsetReset;
  readonly autoOffsetResetFrom: SettingSource;
  readonly isolationLevel: IsolationLevel;
  readonly isolationLevelFrom: SettingSource;
}

const resets: readonly AutoOffsetReset[] = ["earliest", "latest", "none"];
const isolations: readonly IsolationLevel[] = ["read_uncommitted", "read_committed"];

/**
 * The one rule for a sink's consumer settings, shared by lag and offset plans: the connector's
 * `consumer.override.<name>`, else the worker's default, else Connect's. Connect's sink consumers use
 * `auto.offset.reset=earliest` (the worker sets it, unlike Kafka's own default `latest`) and Kafka's default
 * `isolation.level=read_uncommitted` (the worker leaves it alone): checked against the test bed's worker, whose
 * sinks write the records of aborted transactions.
 */
export function sinkConsumerSettings(
  config: Readonly<Record<string, string>>,
  worker: WorkerConsumerDefaults = {},
): SinkConsumerSettings {
  const reset = pick(
    resets,
    config["consumer.override.auto.offset.reset"],
    worker.autoOffsetReset,
    "earliest",
  );
  const isolation = pick(
    isolations,
    config["consumer.override.isolation.level"],
    worker.isolationLevel,
    "read_uncommitted",
  );
  return {
    autoOffsetReset: reset.value,
    autoOffsetResetFrom: reset.from,
    isolationLevel: isolation.value,
    isolationLevelFrom: isolation.from,
  };
}

/**
 * Where the sink reads next on a partition: its committed offset, unless retention has overtaken it (the
 * consumer's fetch is then out of range); with no commit, or an overtaken one, where `auto.offset.reset` sends it.
 * `none` makes the task fail instead; it is counted from the log start, as everything retained is unread. A
 * commit past `logEnd` is kept: the commits and the log ends come from separate requests, not from one instant.
 */
export function sinkPosition(
  settings: Pick<SinkConsumerSettings, "autoOffsetReset">,
  committed: number | null,
  logStart: number,
  logEnd: number,
): number {
  if (committed !== null && committed >= logStart) return committed;
  return settings.autoOffsetReset === "latest" ? logEnd : logStart;
}

function pick<T extends string>(
  allowed: readonly T[],
  override: string | undefined,
  worker: T | undefined,
  connect: T,
): { value: T; from: SettingSource } {
  const overridden = allowed.find((value) => value === override?.trim().toLowerCase());
  if (overridden !== undefined) return { value: overridden, from: "connector" };
  if (worker !== undefined) return { value: worker, from: "worker" };
  return { value: connect, from: "Connect default" };
}

/**
 * The consumer group a sink connector commits to: `connect-<name>`, unless its config overrides the group id,
 * exactly as the Connect worker derives it.
 */
export function sinkGroupId(connectorName: string, config: Readonly<Record<string, string>>): string {
  return config["consumer.override.group.id"] ?? `connect-${connectorName}`;
}
