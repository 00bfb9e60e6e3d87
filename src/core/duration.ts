const units: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `90s`, `15m`, `24h`, `7d`, `1h30m`: milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const parts = [
    ...text
      .trim()
      .toLowerCase()
      .matchAll(/(\d+)\s*([smhdw])/g),
  ];
  if (
    parts.length === 0 ||
    parts.map((part) => part[0]).join("") !== text.trim().toLowerCase().replace(/\s+/g, "")
  ) {
    return undefined;
  }
  return parts.reduce((sum, [, count, unit]) => sum + Number(count) * (units[unit ?? ""] ?? 0), 0);
}

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`;
}

/**
 * How long something took, to the second under an hour (`20 s`, `4 min 12 s`), then as {@link formatDuration}: for
 * a final word on a change, where "4 min" would round away what the person waited.
 */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1_000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds >= 3_600) return formatDuration(ms);
  const minutes = Math.floor(seconds / 60);
  return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
}

/** `14:05 UTC` (epoch ms in): how the shell and every notification text write a moment. */
export function utcClock(at: number): string {
  return `${new Date(at).toISOString().slice(11, 16)} UTC`;
}
