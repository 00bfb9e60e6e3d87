import type { CommandContext } from "../src/core/command-spec.js";
import { errorReply, type Reply, reply } from "../src/core/reply.js";
import type { BulkTarget } from "./approval-store.js";
import { capitalised } from "./approval-words.js";
import { askForApproval } from "./ask-for-approval.js";
import {
  type BulkAsk,
  bulkDigest,
  bulkWhat,
  outcomeCount,
  outcomeTable,
  planBulk,
  previewParts,
  runBulk,
  withinActorScope,
} from "./bulk-plan.js";

/** How a bulk command was typed: the ask, and whether it confirms a preview (`--confirm`) or skips it (`--yes`). */
export interface BulkInvocation {
  readonly ask: BulkAsk;
  /** The digest of the preview being confirmed (the Slack button sends it). */
  readonly confirm?: string | undefined;
  /** The shell's confirmation: act on the set as listed now. */
  readonly yes: boolean;
  readonly reason?: string | undefined;
}

/**
 * `pause "orders-*"`, `resume …`, `restart … [--failed-only]`: the set is read from one expanded listing and
 * narrowed to the person's scope. Up to `automation.bulk.approvalAbove` connectors: a preview with a Confirm button
 * whose value carries the digest of exactly that set (`--yes` in the shell acts at once); confirming acts on the
 * kept set, never on a new listing. Above it: one approval request (kind `bulk`) whose digest covers the set.
 */
export async function bulkCommand(context: CommandContext, invocation: BulkInvocation): Promise<Reply> {
  const { ask } = invocation;
  const { bulk } = context.automation;
  if (invocation.confirm !== undefined) {
    const kept = await bulk.previews.take(invocation.confirm);
    if (
      kept === undefined ||
      kept.cluster !== context.cluster.name ||
      kept.action !== ask.action ||
      kept.pattern !== ask.pattern
    ) {
      return errorReply(
        "refused",
        `No preview ${invocation.confirm} of \`${ask.action} "${ask.pattern}"\` on ${context.cluster.name} waits: it was confirmed already, or it expired (a preview is good for ${Math.round(bulk.previewForMs / 60_000)} min). Nothing was done; ask again for a new preview.`,
      );
    }
    return act(context, { ...ask, failedOnly: kept.failedOnly }, kept.targets, kept.digest);
  }
  const listing = await context.cluster.connect.listConnectors({ requestId: context.requestId });
  const plan = planBulk(listing, ask);
  const scoped = await withinActorScope(context, plan.targets);
  const targets = scoped.kept;
  const leftOut = { count: scoped.leftOut, ...(scoped.why === undefined ? {} : { why: scoped.why }) };
  if (targets.length === 0 && scoped.leftOut > 0) {
    return errorReply(
      "refused",
      `${scoped.leftOut} connector${scoped.leftOut === 1 ? "" : "s"} matching "${ask.pattern}" on ${context.cluster.name} would change, and none is yours to act on: ${scoped.why}. Nothing was done.`,
    );
  }
  if (targets.length === 0) {
    const alone = plan.leftAlone.map((each) => `${each.connector} (${each.why})`).join(", ");
    return errorReply(
      "refused",
      `No connector matching "${ask.pattern}" on ${context.cluster.name} would change${alone === "" ? ": none matches" : `: ${alone}`}. Nothing was done.`,
    );
  }
  const parts = previewParts(ask, targets, plan.leftAlone, leftOut);
  const what = bulkWhat(ask, targets.length);
  if (targets.length > bulk.approvalAbove) {
    return askForApproval(
      context,
      {
        connector: ask.pattern,
        command: `bulk ${ask.action}`,
        reason: invocation.reason ?? `${what} (more than ${bulk.approvalAbove})`,
        operation: {
          kind: "bulk",
          action: ask.action,
          pattern: ask.pattern,
          ...(ask.failedOnly ? { failedOnly: true } : {}),
          targets,
          concurrency: bulk.concurrency,
        },
        planSummary: summaryText(targets, bulk.approvalAbove),
      },
      what,
    );
  }
  const digest = bulkDigest(context.cluster.name, ask, targets);
  if (invocation.yes) return act(context, ask, targets, digest);
  await bulk.previews.save({ digest, cluster: context.cluster.name, ...ask, targets });
  const until = new Date(context.now() + bulk.previewForMs).toISOString().slice(11, 16);
  const text = `Preview: ${what} on ${context.cluster.name}. Nothing is done until someone confirms.`;
  const typed = `${ask.action} "${ask.pattern}"${ask.failedOnly ? " --failed-only" : ""} --confirm ${digest}`;
  return reply(
    text,
    [
      { kind: "text", text },
      ...parts,
      {
        kind: "note",
        text: `Confirming acts on exactly these ${targets.length}, not on a connector that matches later; good until ${until} UTC (digest ${digest}).`,
      },
      {
        kind: "actions",
        actions: [
          {
            label: `${capitalised(ask.action)} ${targets.length} connector${targets.length === 1 ? "" : "s"}`,
            style: "primary",
            call: {
              command: ask.action,
              // `restart` names its one positional `target` (it also takes `<connector>/<task>`).
              args: { [ask.action === "restart" ? "target" : "connector"]: ask.pattern, confirm: digest },
              cluster: context.cluster.name,
            },
            typed,
          },
        ],
      },
    ],
    "in_channel",
  );
}

/** Acts on exactly `targets`: one audit entry per connector, the story's thread ending with the outcome table. */
async function act(
  context: CommandContext,
  ask: BulkAsk,
  targets: readonly BulkTarget[],
  digest: string,
): Promise<Reply> {
  const { actor, cluster, requestId, automation, audit } = context;
  const story = `bulk-${digest}-${requestId}`;
  const what = bulkWhat(ask, targets.length);
  await automation.stories.tell(story, `${actor.name} is about to ${what} on ${cluster.name}.`);
  const started = context.now();
  const outcomes = await runBulk(cluster.connect, ask, targets, {
    concurrency: automation.bulk.concurrency,
    requestId,
  });
  for (const each of outcomes) {
    await audit.append({
      actorId: actor.id,
      actorName: actor.name,
      source: actor.source,
      cluster: cluster.name,
      connector: each.connector,
      command: `bulk ${ask.action}`,
      args: `"${ask.pattern}"${ask.failedOnly ? " --failed-only" : ""} (${digest})`,
      outcome: each.outcome === "done" ? "succeeded" : "failed",
      detail: each.detail,
      durationMs: context.now() - started,
      requestId,
    });
  }
  const text = `${actor.name} asked to ${what} on ${cluster.name}: ${outcomeCount(outcomes)}.`;
  const done = reply(text, [{ kind: "text", text }, outcomeTable(outcomes)], "in_channel");
  await automation.stories.tell(story, done);
  return outcomes.every((each) => each.outcome === "failed") ? { ...done, outcome: "failed" } : done;
}

/** The request's plan, as text: the approver sees every connector and task it touches. */
function summaryText(targets: readonly BulkTarget[], above: number): string {
  const lines = targets.map(
    (target) =>
      `${target.connector}  ${target.state}${target.tasks.length === 0 ? "" : `  tasks ${target.tasks.join(", ")}`}`,
  );
  return [
    `${targets.length} connectors (more than automation.bulk.approvalAbove = ${above}); exactly these, not one that matches later:`,
    ...lines,
  ].join("\n");
}
