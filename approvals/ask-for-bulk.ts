import type { CommandContext } from "../src/core/command-spec.js";
import { errorReply, type Reply, reply, time, timed } from "../src/core/reply.js";
import { capitalised } from "./approval-words.js";
import { askForApproval } from "./ask-for-approval.js";
import type { BulkTarget } from "./bulk-plan.js";
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
  const until = time(context.now() + bulk.previewForMs);
  const text = `Preview: ${what} on ${context.cluster.name}. Nothing is done until someone confirms.`;
  const typed = `${ask.action} "${ask.pattern}"${ask.failedOnly ? " --failed-only" : ""} --confirm ${digest}`;
  return reply(
    text,
    [
      { kind: "text", text },
      ...parts,
      timed(
        "note",
      )`Confirming acts on exactly these ${String(targets.length)}, not on a connector that matches later; good until ${until} (digest ${digest}).`,
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

/**
 * What an agent's `pause`, `resume` or `restart` becomes (`CommandSpec.asProposal`): one approval request of kind
 * `bulk` over exactly the connectors it would touch now (the one named, or a pattern's, narrowed to the agent's
 * scope), whatever `automation.bulk.approvalAbove` says, so a person sees the set and decides it. Approving needs
 * the approver role on the request's connector, which holds the operator role these commands need: whoever
 * approves could have run it. Refused, changing nothing, without a reason (the intent a person reads) or when
 * nothing would change.
 */
export async function proposeBulk(
  context: CommandContext,
  proposal: { readonly ask: BulkAsk; readonly exact: boolean; readonly reason: string | undefined },
): Promise<Reply> {
  const { ask, exact, reason } = proposal;
  const named = `${ask.action} ${exact ? ask.pattern : `"${ask.pattern}"`}`;
  if (reason === undefined)
    return errorReply("refused", `Proposing \`${named}\` needs --reason: the intent a person reads.`);
  const listing = await context.cluster.connect.listConnectors({ requestId: context.requestId });
  const plan = planBulk(exact ? listing.filter((each) => each.name === ask.pattern) : listing, ask);
  const { kept: targets } = await withinActorScope(context, plan.targets);
  if (targets.length === 0) {
    const alone = plan.leftAlone.map((each) => `${each.connector} (${each.why})`).join(", ");
    return errorReply(
      "refused",
      `\`${named}\` would change nothing on ${context.cluster.name}${alone === "" ? ": no connector of yours matches" : `: ${alone}`}. Nothing was proposed.`,
    );
  }
  const what = exact
    ? `${ask.action === "restart" && ask.failedOnly ? "restart the failed parts of" : ask.action} ${ask.pattern}`
    : bulkWhat(ask, targets.length);
  return askForApproval(
    context,
    {
      connector: ask.pattern,
      command: exact ? ask.action : `bulk ${ask.action}`,
      reason,
      operation: {
        kind: "bulk",
        action: ask.action,
        pattern: ask.pattern,
        ...(ask.failedOnly ? { failedOnly: true } : {}),
        targets,
        concurrency: context.automation.bulk.concurrency,
      },
      planSummary: [
        `${capitalised(what)}; exactly these, not one that matches later:`,
        ...targetLines(targets),
      ].join("\n"),
    },
    what,
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
  return [
    `${targets.length} connectors (more than automation.bulk.approvalAbove = ${above}); exactly these, not one that matches later:`,
    ...targetLines(targets),
  ].join("\n");
}

/** One line per connector of a plan: its state now and the tasks it touches. */
function targetLines(targets: readonly BulkTarget[]): string[] {
  return targets.map(
    (target) =>
      `${target.connector}  ${target.state}${target.tasks.length === 0 ? "" : `  tasks ${target.tasks.join(", ")}`}`,
  );
}
