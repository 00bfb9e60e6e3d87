import { sinkGroupId } from "../src/core/sink-consumer.js";
import type { ListedConnector } from "./ports.js";

/** A sink's consumer group and the other connectors that commit to it too. */
export interface GroupSharing {
  readonly groupId: string;
  /** Every other sink (or connector of unknown type) whose group is the same, by name. */
  readonly others: readonly ListedConnector[];
}

/**
 * Which other connectors use `connector`'s consumer group: the group of a sink is its `consumer.override.group.id`,
 * else `connect-<name>` (`sinkGroupId`), so two sinks share one when an override names the same group, or names
 * another sink's default group. Source connectors have no consumer group. `connectors` is the expanded listing
 * (`GET /connectors?expand=status&expand=info`, one request); the connector itself is left out.
 */
export function groupSharing(
  connector: string,
  config: Readonly<Record<string, string>>,
  connectors: readonly ListedConnector[],
): GroupSharing {
  const groupId = sinkGroupId(connector, config);
  const others = connectors
    .filter((c) => c.name !== connector && c.type !== "source" && sinkGroupId(c.name, c.config) === groupId)
    .sort((a, b) => a.name.localeCompare(b.name));
  return { groupId, others };
}

/** `b-sink (RUNNING), c-sink (STOPPED)`. */
export function namesWithStates(connectors: readonly Pick<ListedConnector, "name" | "state">[]): string {
  return connectors.map((c) => `${c.name} (${c.state})`).join(", ");
}

/**
 * What `offsets get`, `lag` and `status` say of a shared group, undefined when nobody shares it: with whom, and
 * what that means for reading and changing its offsets (the rule is `sharedGroupRule` in offset-plan.ts).
 */
export function sharedGroupNote(connector: string, sharing: GroupSharing): string | undefined {
  if (sharing.others.length === 0) return undefined;
  return `Consumer group ${sharing.groupId} is shared with ${namesWithStates(sharing.others)}: Connect lists the whole group's offsets under each of them, and an offset change of ${connector} may touch only the partitions of topics no other connector of the group reads.`;
}

/** Every consumer group that more than one connector of `connectors` uses: `group (a, b); group2 (c, d)`, or undefined. */
export function sharedGroupsLine(connectors: readonly ListedConnector[]): string | undefined {
  const byGroup = new Map<string, string[]>();
  for (const c of connectors) {
    if (c.type === "source") continue;
    const groupId = sinkGroupId(c.name, c.config);
    byGroup.set(groupId, [...(byGroup.get(groupId) ?? []), c.name]);
  }
  const shared = [...byGroup].filter(([, names]) => names.length > 1);
  if (shared.length === 0) return undefined;
  return `Sharing a consumer group (their offsets are one set; a change of one touches only topics no other reads): ${shared.map(([groupId, names]) => `${groupId} (${names.join(", ")})`).join("; ")}.`;
}
