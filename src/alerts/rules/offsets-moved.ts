import type { ConnectorSample, PartitionSample } from "../../core/ports.js";
import { count, figure } from "./figures.js";
import type { OffsetsRule } from "./rule.js";

/** One partition's committed offset moving between two samples that no approved request explains. */
interface Move {
  readonly name: string;
  readonly from: number;
  readonly to: number;
}

/** `1.2M`, `35K`, `900`: how far an offset moved, as people say it. */
function short(value: number): string {
  if (value >= 1_000_000) return `${(value / 1_000_000).toFixed(1).replace(/\.0$/, "")}M`;
  if (value >= 10_000) return `${Math.round(value / 1_000)}K`;
  return figure(value);
}

/**
 * A sink's committed offset moved in a way its own reading cannot: back (its records will be read again), or
 * forward, while it was halted in both samples, past the log's end at the earlier one (over records it never read), and no approved request of the bot's
 * was working on it in either sample (`underApprovedOperation`, which also covers a request that ended just
 * before). Burrow flags rewinds too; only the bot's own trail tells a sanctioned reset from an accident. It fires
 * while the move is in the kept history, and resolves once it leaves it.
 */
export const offsetsMoved: OffsetsRule = {
  name: "offsets moved unapproved",
  severity: "error",
  reads: "offsets",
  window: null,
  evaluate({ connector, history }) {
    const moves: Move[] = [];
    let earlier: ConnectorSample | undefined;
    for (const sample of history) {
      if (sample.partitions === undefined) continue;
      if (earlier?.partitions !== undefined) moves.push(...unexplained(earlier, sample));
      earlier = sample;
    }
    const first = moves[0];
    if (first === undefined) return undefined;
    const distance = (move: Move) => Math.abs(move.to - move.from);
    const say = (move: Move) =>
      `offsets on ${move.name} moved ${move.to < move.from ? "back" : "forward"} ${short(distance(move))}`;
    return {
      summary: `${connector}: ${say(first)}${moves.length > 1 ? ` (and ${count(moves.length - 1, "more move")})` : ""}, no approved request did this`,
      details: moves
        .slice(0, 5)
        .map(
          (move) =>
            `${say(move)}: committed ${figure(move.from)} → ${figure(move.to)} (${move.to < move.from ? "read again" : "skipped unread"})`,
        ),
      value: moves.reduce((sum, move) => sum + distance(move), 0),
    };
  },
};

function unexplained(before: ConnectorSample, after: ConnectorSample): Move[] {
  if (before.underApprovedOperation || after.underApprovedOperation) return [];
  const halted = (sample: ConnectorSample) => sample.state === "PAUSED" || sample.state === "STOPPED";
  const earlier = new Map<string, PartitionSample>(
    (before.partitions ?? []).map((partition) => [`${partition.topic}:${partition.partition}`, partition]),
  );
  return (after.partitions ?? []).flatMap((partition) => {
    const name = `${partition.topic}:${partition.partition}`;
    const previous = earlier.get(name);
    const from = previous?.committed;
    const to = partition.committed;
    if (previous === undefined || from === undefined || from === null || to === null) return [];
    // Halted in both samples, it read nothing in between: a commit past the log's end before is a skip. A commit
    // below that end may be records it read before it halted, committed late.
    if (to < from || (halted(before) && halted(after) && to > previous.logEnd)) return [{ name, from, to }];
    return [];
  });
}
