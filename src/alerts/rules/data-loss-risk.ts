import { retentionOvertook } from "../connector-sample.js";
import { count, figure } from "./figures.js";
import type { OffsetsRule } from "./rule.js";

/** Retention deleted records past a partition's committed offset: the sink will never read them. */
export const dataLossRisk: OffsetsRule = {
  name: "data-loss risk",
  severity: "critical",
  reads: "offsets",
  window: null,
  evaluate({ partitions }) {
    const overtaken = partitions.flatMap((sample) => {
      const { topic, partition, committed, logStart } = sample;
      return committed !== null && retentionOvertook(sample)
        ? [{ name: `${topic}:${partition}`, committed, logStart, deleted: logStart - committed }]
        : [];
    });
    if (overtaken.length === 0) return undefined;
    const deleted = overtaken.reduce((sum, partition) => sum + partition.deleted, 0);
    return {
      summary: `retention deleted ${count(deleted, "message")} before the sink read them (${count(overtaken.length, "partition")})`,
      details: overtaken.map(
        (partition) =>
          `${partition.name} committed ${figure(partition.committed)}, log starts at ${figure(partition.logStart)} ` +
          `(${count(partition.deleted, "message")} deleted unread)`,
      ),
      value: deleted,
    };
  },
};
