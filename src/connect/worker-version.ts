/** The oldest Kafka Connect the bot supports: offsets are altered and reset over REST from 3.6 (KIP-875). */
export const minimumConnectVersion = "3.6";

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
 * Whether the worker is older than {@link minimumConnectVersion}. A version the bot cannot read is not called too
 * old: the calls themselves then show what the worker supports.
 */
export function isTooOld(reported: string): boolean {
  const release = kafkaReleaseOf(reported);
  if (release === undefined) return false;
  const [major, minor] = minimumConnectVersion.split(".").map(Number) as [number, number];
  return release[0] < major || (release[0] === major && release[1] < minor);
}
