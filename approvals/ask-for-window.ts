import type { CommandContext } from "../src/core/command-spec.js";
import { isPattern } from "../src/core/connector-args.js";
import { globMatches } from "../src/core/glob.js";
import { errorReply, inUtc, type Reply, reply, time } from "../src/core/reply.js";
import { utc, type WindowTimesInput, windowTimes } from "../src/core/window-time.js";
import { capitalised } from "./approval-words.js";
import { askForApproval } from "./ask-for-approval.js";
import { withinActorScope } from "./bulk-plan.js";

/** `pause <connector|pattern> --from … --until … --reason "…"`, or the same for `stop`. */
interface WindowAsk {
  readonly action: "pause" | "stop";
  readonly target: string;
  readonly exact: boolean;
  readonly times: WindowTimesInput;
  readonly reason: string;
}

/** The arguments of `pause` and `stop` a window reads (the commands' schemas refuse a window without a reason). */
export interface WindowArgs {
  readonly connector: string;
  readonly exact?: true | undefined;
  readonly from?: string | undefined;
  readonly until?: string | undefined;
  readonly for?: number | undefined;
  readonly reason?: string | undefined;
}

/**
 * Schedules a maintenance window after checking its times (UTC; refused in the past, too far ahead or longer than
 * `automation.windows.maxLength`) and resolving its connectors once (a pattern's matches now, narrowed to the
 * person's scope: one that matches later is not held). Decided up front by the same policy as other changes: a stop
 * window asks for approval as `stop` does, a pause window over more than `automation.bulk.approvalAbove`
 * connectors as a bulk action does; such a window opens only once its request has succeeded.
 */
export async function askForWindow(
  context: CommandContext,
  action: WindowAsk["action"],
  args: WindowArgs,
): Promise<Reply> {
  const ask: WindowAsk = {
    action,
    target: args.connector,
    exact: args.exact === true,
    times: { from: args.from, until: args.until, forMs: args.for },
    reason: args.reason ?? "",
  };
  const { cluster, actor, automation } = context;
  const { windows } = automation;
  const times = windowTimes(ask.times, context.now(), windows);
  if ("refusal" in times)
    return errorReply("refused", `${capitalised(times.refusal)}. Nothing was scheduled.`);
  const connectors = await connectorsOf(context, ask);
  if (typeof connectors === "string") return errorReply("refused", connectors);
  const needsApproval = ask.action === "stop" || connectors.length > automation.bulk.approvalAbove;
  const id = await windows.newId();
  const span = `from ${utc(times.from)} until ${utc(times.until)}`;
  let asked: Reply | undefined;
  if (needsApproval) {
    asked = await askForApproval(
      context,
      {
        connector: ask.target,
        command: ask.action === "stop" ? "stop" : "bulk pause",
        reason: ask.reason,
        operation: {
          kind: "window",
          window: id,
          action: ask.action,
          connectors,
          from: new Date(times.from).toISOString(),
          until: new Date(times.until).toISOString(),
        },
        planSummary: `Window ${id}: ${ask.action} ${connectors.length} connector(s) ${span}, then put each back as it was:\n${connectors.join("\n")}`,
      },
      `${ask.action} ${ask.target} ${span} (window ${id})`,
    );
    if (asked.outcome !== "succeeded" || asked.queued === undefined) return asked;
  }
  const window = await windows.schedule({
    id,
    cluster: cluster.name,
    target: ask.target,
    action: ask.action,
    connectors,
    from: times.from,
    until: times.until,
    reason: ask.reason,
    by: { id: actor.id, name: actor.name, source: actor.source },
    needsApproval,
    ...(asked?.queued === undefined ? {} : { approval: asked.queued }),
  });
  // Typed times are read as UTC; Slack shows these in each reader's own zone, the shell in UTC.
  const said = [
    `${actor.name} scheduled window ${window.id} on ${cluster.name}: ${ask.action} ${connectors.join(", ")} from `,
    time(times.from, "date"),
    " until ",
    time(times.until, "date"),
    " (typed times are read as UTC).",
  ];
  return reply(
    inUtc(said),
    [
      { kind: "timed", as: "text", pieces: said },
      ...(asked === undefined
        ? []
        : [{ kind: "text" as const, text: `It opens only once approved: ${asked.summary}` }]),
      {
        kind: "fields",
        fields: [
          ["reason", ask.reason],
          ["end it early", `cancel ${window.id}`],
          ...(window.approval === undefined
            ? []
            : ([["opens only once approved", `approve ${window.approval}`]] as const)),
        ],
      },
      {
        kind: "note",
        text: "While it is open their alerts are held (the unexpectedly-halted one too) and auto-restart leaves them alone; at the end each goes back to the state it had, and the window's thread says whether it came back healthy.",
      },
    ],
    "in_channel",
  );
}

/** The window's connectors: the one named (it must exist), or a pattern's matches now within the person's scope. */
async function connectorsOf(context: CommandContext, ask: WindowAsk): Promise<string[] | string> {
  const { cluster, requestId } = context;
  if (ask.exact || !isPattern(ask.target)) {
    await cluster.connect.status(ask.target, { requestId });
    return [ask.target];
  }
  const listing = await cluster.connect.listConnectors({ requestId });
  const matched = listing
    .filter((each) => globMatches(ask.target, each.name))
    .map((each) => ({ connector: each.name }));
  const scoped = await withinActorScope(context, matched);
  if (scoped.kept.length === 0)
    return `No connector on ${cluster.name} matches "${ask.target}"${scoped.leftOut === 0 ? "" : ` within your scope (${scoped.leftOut} left out: ${scoped.why ?? "outside your scope"})`}. Nothing was scheduled.`;
  return scoped.kept.map((each) => each.connector);
}
