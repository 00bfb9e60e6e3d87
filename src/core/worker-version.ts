/** The oldest Kafka Connect the bot supports: offsets are altered and reset over REST from 3.6 (KIP-875). */
export const minimumConnectVersion = "3.6";

/**
 * The REST features newer than {@link minimumConnectVersion} that the bot may use, with the release that brought
 * each (KAFKA-CONNECT.md, "Versions"). A call that needs one asks the worker's version first and is refused before
 * anything is sent to an older worker, which would answer 400 ("Unrecognized field") or 404 instead.
 */
export const connectFeatures = {
  initialState: { since: "3.7", what: "creating a connector STOPPED or PAUSED (initial_state, KIP-980)" },
  clusterLoggerScope: { since: "3.7", what: "setting a log level on every worker (scope=cluster, KIP-976)" },
  patchConfig: { since: "3.8", what: "changing some keys of a config (PATCH config, KIP-477)" },
  health: { since: "3.9", what: "the worker's health (GET /health, KIP-1017)" },
  pluginVersions: { since: "4.1", what: "picking one of a plugin's versions (?version=, KIP-891)" },
} as const satisfies Record<string, { readonly since: string; readonly what: string }>;

export type ConnectFeature = keyof typeof connectFeatures;

/**
 * The Apache Kafka release a worker's `GET /` version stands for, as [major, minor]: "3.9.1" → [3, 9]. Confluent
 * Platform reports its own numbers with a `-ccs` or `-ce` suffix; its 7.x line ships Kafka 3.x and 8.x ships
 * Kafka 4.x with the same minor ("7.6.0-ccs" → [3, 6]). Undefined when the text is neither.
 */
export function kafkaReleaseOf(reported: string): readonly [number, number] | undefined {
  const match = /^(\d+)\.(\d+)(?:\.\d+)?(?:-(ccs|ce))?/.exec(reported.trim());
  if (match === null) return undefined;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return match[3] !== undefined && major >= 7 ? [major - 4, minor] : [major, minor];
}

/**
 * Whether the worker's reported version is older than `release` ("3.7"). A version the bot cannot read is not
 * called older: the calls themselves then show what the worker supports.
 */
export function isOlderThan(reported: string, release: string): boolean {
  const found = kafkaReleaseOf(reported);
  if (found === undefined) return false;
  const [major, minor] = release.split(".").map(Number) as [number, number];
  return found[0] < major || (found[0] === major && found[1] < minor);
}

/** Whether the worker is older than {@link minimumConnectVersion}. */
export function isTooOld(reported: string): boolean {
  return isOlderThan(reported, minimumConnectVersion);
}
