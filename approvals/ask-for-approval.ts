import type { CommandContext } from "../src/core/command-spec.js";
import { errorReply, type Reply, reply } from "../src/core/reply.js";
import type { NewRequest } from "./approval-lifecycle.js";
import type { ApprovalViews } from "./approval-views.js";
import { outcomeReply } from "./approval-words.js";
import type { SinkScope, SinkTarget } from "./offset-plan.js";
import {
  changesNothing,
  describePlan,
  explicitTarget,
  movesOf,
  type OffsetPlan,
  OffsetPlanError,
  planSinkOffsets,
  previewNote,
  resetScopeOf,
  resetTargetOf,
} from "./offset-plan.js";
import { requesterRole } from "./recheck-people.js";

/**
 * Queues a destructive command as an approval request and says what happens next: who must approve and until
 * when, or, where the cluster's policy needs nobody, that it runs now. Refused while the connector has another
 * open request.
 */
export async function askForApproval(
  context: CommandContext,
  input: Pick<
    NewRequest,
    "connector" | "command" | "reason" | "operation" | "planSummary" | "preview" | "previewOffsets"
  >,
  /** What is asked, as a verb phrase: `stop orders-sink`. */
  what: string,
): Promise<Reply> {
  const { actor, cluster, approvals, requestId } = context;
  // Whatever named the connector (a typed name, a button, an earlier request's id), the requester must hold the
  // operator role on it: a grant on payments-* asks nothing of orders-sink.
  const scope = await context.scopeOn(cluster.name, {
    fresh: true,
    needed: requesterRole,
    connector: input.connector,
  });
  const inScope = scope.check(input.connector, requesterRole);
  if (!inScope.inScope) return errorReply("refused", `Asking to ${what} ${inScope.reason}.`);
  const asked = await approvals.request({
    ...input,
    cluster: cluster.name,
    requester: { id: actor.id, name: actor.name, source: actor.source },
    requestId,
    ...(context.channelId === undefined ? {} : { channelId: context.channelId }),
  });
  if (!asked.ok) return errorReply("refused", asked.refusal);
  const { request } = asked;
  const declined =
    request.ruleDeclined === undefined ? "" : ` (not approved by rule: ${request.ruleDeclined})`;
  const text =
    request.state !== "approved"
      ? `${actor.name} ${request.proposal ? "proposes" : "asks"} to ${what} on ${cluster.name}: request ${request.id}, waiting for ${request.approversNeeded === 1 ? "an approver" : `${request.approversNeeded} approvers`} until ${request.expiresAt.slice(11, 16)} UTC${declined}.`
      : request.approvedByRule === undefined
        ? `${actor.name} asked to ${what} on ${cluster.name}: no approval is needed there, so request ${request.id} runs now.`
        : `${actor.name} asked to ${what} on ${cluster.name}: approved by rule ${request.approvedByRule}, so request ${request.id} runs now (checked again on the plan resolved when it runs).`;
  return {
    ...reply(
      text,
      [
        { kind: "text", text },
        {
          kind: "fields",
          fields: [
            ["reason", input.reason],
            request.state === "approved"
              ? ["follow with", "approvals"]
              : ["approve with", `approve ${request.id}`],
          ],
        },
        { kind: "code", text: input.planSummary },
      ],
      "in_channel",
    ),
    queued: request.id,
  };
}

/**
 * A sink's offset change: previews the plan from real offsets, and asks for it unless it would change nothing.
 * The request keeps the target, not the previewed offsets: it is resolved again after the connector is stopped.
 * Every connector is listed first (one request) so the plan finds those that share the sink's consumer group,
 * and refuses before reading Kafka where one is not STOPPED; the sharers it named are kept with the request.
 */
export async function askForSinkChange(
  context: CommandContext,
  input: Pick<NewRequest, "connector" | "command" | "reason"> & {
    readonly config: Readonly<Record<string, string>>;
    readonly target: SinkTarget;
    readonly scope?: SinkScope;
    /** A line above the plan, e.g. which snapshot it restores. */
    readonly heading?: string;
    /** `offsets restore`: the target's partitions come from a snapshot of the whole group. */
    readonly fromSnapshot?: true;
    /** Answer with the plan only, asking nothing: what a form shows before its "Request". */
    readonly previewOnly?: true;
  },
  what: string,
): Promise<Reply> {
  const { connector, command, reason, config, scope, heading, fromSnapshot } = input;
  const now = new Date(context.now());
  const connectors = await context.cluster.connect.listConnectors({ requestId: context.requestId });
  let plan: OffsetPlan;
  try {
    plan = await planSinkOffsets({
      connector,
      config,
      target: resetTargetOf(input.target, now),
      kafka: context.cluster.lag,
      connectors,
      ...(scope === undefined ? {} : { scope: resetScopeOf(scope) }),
      ...(fromSnapshot === undefined ? {} : { fromSnapshot }),
    });
  } catch (error) {
    // A plan that cannot be is the person's answer, not a failure of the bot: nothing was stopped or queued.
    if (error instanceof OffsetPlanError) return errorReply("refused", error.message);
    throw error;
  }
  if (changesNothing(plan)) {
    return nothingToChange(
      connector,
      plan.changes.map((c) => [`${c.topic}:${c.partition}`, c.current === null ? "none" : String(c.current)]),
    );
  }
  // A snapshot's partitions the plan left alone (another connector's) are not part of what is approved.
  const target =
    fromSnapshot && input.target.kind === "explicit"
      ? explicitTarget(new Map(plan.changes.map((c) => [`${c.topic}:${c.partition}`, c.next])))
      : input.target;
  const planSummary = [
    ...(heading === undefined ? [] : [heading]),
    describePlan(plan),
    previewNote(target, now),
  ].join("\n");
  if (input.previewOnly) return planPreview(what, planSummary);
  return askForApproval(
    context,
    {
      connector,
      command,
      reason,
      operation: {
        kind: "sink-offsets",
        target,
        ...(scope === undefined ? {} : { scope }),
        ...(plan.sharedWith.length === 0 ? {} : { sharedWith: [...plan.sharedWith] }),
      },
      planSummary,
      preview: movesOf(plan),
    },
    what,
  );
}

/**
 * The plan a request would carry, shown without asking for it (`--preview`): the same summary the request's
 * message shows, computed by the same code, so a form's preview and the typed command's request cannot differ.
 */
export function planPreview(what: string, planSummary: string): Reply {
  const text = `The plan to ${what}, if it were asked now (nothing was asked):`;
  return reply(`${text}\n${planSummary}`, [
    { kind: "text", text },
    { kind: "code", text: planSummary },
  ]);
}

/** A change that would leave every offset as it is: nothing is queued, and the current offsets are shown. */
export function nothingToChange(connector: string, current: readonly (readonly [string, string])[]): Reply {
  const text = `Nothing would change: ${connector}'s offsets are already there, so no request was queued.`;
  return reply(text, [
    { kind: "text", text },
    { kind: "table", columns: ["partition", "committed now"], rows: current },
  ]);
}

/**
 * Waits (at most `timeoutMs`) for a request that runs at once, where the policy needs no approver, and answers
 * with how it really ended, in the words Slack posts under the request's message; undefined for a request that
 * waits for approvers (nothing runs yet).
 */
export async function awaitExecution(
  approvals: Pick<ApprovalViews, "get" | "awaitOutcome">,
  id: string,
  timeoutMs: number,
): Promise<Reply | undefined> {
  const asked = await approvals.get(id);
  if (asked === undefined || asked.state === "pending") return undefined;
  const done = await approvals.awaitOutcome(id, timeoutMs);
  if (done === undefined) {
    return errorReply(
      "failed",
      `${id} has not finished after ${Math.round(timeoutMs / 1000)} s; \`approvals\` shows how it ends.`,
    );
  }
  return outcomeReply(done);
}
