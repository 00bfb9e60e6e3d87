import { isPattern } from "../src/core/connector-args.js";
import { formatDuration } from "../src/core/duration.js";
import {
  errorReply,
  inUtc,
  type Reply,
  type ReplyPart,
  type ReplyTime,
  reply,
  time,
} from "../src/core/reply.js";
import { type ApprovalRequest, digestOf } from "./approval-request.js";
import { operationKind } from "./kinds/registry.js";
import type { Lost } from "./recheck-people.js";
import type { Reminder } from "./reminder.js";

/**
 * What approval messages say, built once as neutral replies: the Slack adapter renders them as Block Kit and keeps
 * them up to date, the shell prints them. No adapter writes its own approval wording.
 */

/** The request's message in each state: what it does, its plan, who decided what and when; buttons while pending. */
export function approvalMessage(request: ApprovalRequest): Reply {
  const title = `${request.command} ${request.connector} on ${request.cluster}`;
  const fields: [string, string | ReplyTime][] = [
    [request.proposal ? "Proposed by" : "Requested by", request.requester.name],
    ["Request", request.id],
    ["Reason", request.reason],
  ];
  if (request.state === "pending") {
    fields.push(["Expires", time(Date.parse(request.expiresAt), "date")]);
    if (request.approversNeeded > 1) {
      const names = request.approvedBy.map((person) => person.name).join(", ");
      fields.push([
        "Approvals",
        `${request.approvedBy.length} of ${request.approversNeeded}${names ? `: ${names}` : ""}`,
      ]);
    }
  }
  // The first line a phone's notification shows: who asks for what, on which cluster, in plain words.
  const asks = `${request.requester.name} ${request.proposal ? "proposes" : "asks"} to ${request.command} ${request.connector} on cluster ${request.cluster}`;
  const first = request.state === "pending" ? asks : title;
  const parts: ReplyPart[] = [
    { kind: "heading", text: `${headingOf(request)}: ${first}` },
    { kind: "fields", fields },
    { kind: "code", text: request.planSummary },
    { kind: "timed", as: "note", pieces: statusLine(request) },
  ];
  if (request.state === "pending") parts.push(decisionActions(request));
  return reply(`${headingOf(request)}: ${first} (${request.id})`, parts);
}

/**
 * Approve and Deny. Each names the request and the digest of what it does: a click on an old message whose id now
 * names another request is refused as stale.
 */
function decisionActions(request: ApprovalRequest): ReplyPart {
  const args = { request: request.id, digest: digestOf(request) };
  return {
    kind: "actions",
    actions: [
      {
        label: "Approve",
        style: "primary",
        call: { command: "approve", args },
        typed: `approve ${request.id}`,
      },
      {
        label: "Deny",
        style: "danger",
        call: { command: "deny", args: { ...args, reason: "denied with the button" } },
        typed: `deny ${request.id} --reason "…"`,
      },
    ],
  };
}

function headingOf(request: ApprovalRequest): string {
  switch (request.state) {
    case "pending":
      return "Approval needed";
    case "approved":
    case "executing":
      return "Running";
    case "succeeded":
      return "Done";
    case "failed":
      return "Failed";
    case "denied":
      return "Denied";
    case "expired":
      return "Expired";
    case "cancelled":
      return "Cancelled";
  }
}

/** The request's state in words; the moments it names are written by each adapter (Slack in the reader's zone). */
function statusLine(request: ApprovalRequest): (string | ReplyTime)[] {
  const approved =
    request.approvedBy.length > 0
      ? `approved by ${request.approvedBy.map((person) => person.name).join(" and ")}`
      : `approved by ${request.decidedBy?.name ?? "policy"}`;
  const at = (iso: string | undefined) =>
    iso === undefined ? [] : [" at ", time(Date.parse(iso), "seconds")];
  const took =
    request.finishedAt === undefined || request.decidedAt === undefined
      ? ""
      : ` in ${formatDuration(Date.parse(request.finishedAt) - Date.parse(request.decidedAt))}`;
  switch (request.state) {
    case "pending":
      return [
        ...setBackLine(request),
        ...ruleLine(request),
        "Waiting for an approver. The requester cannot approve their own request.",
      ];
    case "approved":
    case "executing":
      return [
        capitalised(approved),
        ...at(request.decidedAt),
        `; running${request.step === undefined ? "" : ` (done: ${request.step})`}.`,
      ];
    case "succeeded": {
      const result = describeExecution(request);
      return [
        `Succeeded${took}, ${approved}.`,
        ...(result === undefined ? [] : [" ", ...result]),
        request.outcome === undefined ? "" : ` ${request.outcome}`,
      ];
    }
    case "failed":
      return [`${request.outcome ?? "Failed."} (${approved})`];
    case "denied":
      return [
        `Denied by ${request.decidedBy?.name ?? "an approver"}`,
        ...at(request.decidedAt),
        `: ${request.decisionNote ?? "no reason given"}.`,
      ];
    case "expired":
      return [
        "Expired at ",
        time(Date.parse(request.expiresAt)),
        ": nobody decided in time. Ask again if it is still needed.",
      ];
    case "cancelled":
      return [`Cancelled by ${request.requester.name}.`];
  }
}

/** `text` with its first letter in upper case. */
export function capitalised(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/**
 * How a run went against what the approver saw, in the words of its kind: replayed and skipped counts, how far
 * the offsets had moved since the preview. Undefined before it ran, and for kinds that have nothing to compare.
 */
export function describeExecution(request: ApprovalRequest): (string | ReplyTime)[] | undefined {
  return operationKind(request.operation).describeExecution?.(request, request.operation);
}

/**
 * How an execution ended (`succeeded` or `failed`): one line, then, when it succeeded, what it changed (before and
 * after, in its kind's words) and how to undo it. Slack posts it in the request's thread; the shell prints it when
 * a command it ran waits for the execution.
 */
export function outcomeReply(request: ApprovalRequest): Reply {
  const what = `${request.id} (\`${request.command}\` ${request.connector} on ${request.cluster})`;
  if (request.state !== "succeeded") {
    const text = `${what} ${request.state}: ${request.outcome ?? "no reason recorded"}`;
    return errorReply("failed", text, [{ kind: "text", text }, ...wayBackParts(request)]);
  }
  const result = describeExecution(request);
  const pieces = [
    `${what} is done.`,
    ...(result === undefined ? [] : [" ", ...result]),
    request.outcome === undefined || request.outcome === "" ? "" : ` ${request.outcome}`,
  ];
  const changed = operationKind(request.operation).outcomeParts(request, request.operation);
  return reply(inUtc(pieces), [{ kind: "timed", as: "text", pieces }, ...changed]);
}

/**
 * After a failed run that left the connector away from its prior state: the command that puts it back, as a
 * button (the shell shows the command line).
 */
function wayBackParts(request: ApprovalRequest): ReplyPart[] {
  const { wayBack, connector, cluster } = request;
  if (wayBack === undefined) return [];
  const typed = `${wayBack} ${connector}${isPattern(connector) ? " --exact" : ""} --cluster ${cluster}`;
  return [
    { kind: "note", text: `Put it back as it was with \`${typed}\`.` },
    {
      kind: "actions",
      actions: [
        {
          label: wayBack === "resume" ? `Resume ${connector}` : `Pause ${connector}`,
          style: "primary",
          call: { command: wayBack, args: { connector } },
          typed,
        },
      ],
    },
  ];
}

/** What the requester hears of a change of their request, or nothing when the news is their own doing. */
export function newsForRequester(request: ApprovalRequest): Reply | undefined {
  const what = `Your request ${request.id} (\`${request.command} ${request.connector}\` on ${request.cluster})`;
  const news = (text: string) => reply(text, [{ kind: "text", text }]);
  switch (request.state) {
    case "approved":
      return request.decidedBy?.id === "policy"
        ? undefined
        : news(`${what} was approved by ${request.decidedBy?.name}.`);
    case "denied":
      return news(
        `${what} was denied by ${request.decidedBy?.name}: ${request.decisionNote ?? "no reason given"}.`,
      );
    case "expired":
      return news(`${what} expired: nobody decided in time.`);
    case "succeeded":
      return news(`${what} is done.`);
    case "failed":
      return news(`${what} failed. ${request.outcome ?? ""}`.trim());
    default:
      return undefined;
  }
}

/** Tells the requester where their request's message is, when it was posted away from where they asked. */
export function waitingAt(request: ApprovalRequest, link: string): Reply {
  const text = `Your request ${request.id} waits for approval here: ${link}`;
  return reply(text, [{ kind: "text", text }]);
}

/**
 * The request's message could not be shown to approvers (`why`: no approvals channel, the bot is not in it…):
 * the requester learns how it can still be decided.
 */
export function notShownNotice(request: ApprovalRequest, why: string): Reply {
  const text = `Your request ${request.id} could not be posted for approval: ${why} Meanwhile approvers can decide it with \`approve ${request.id}\` or \`deny ${request.id} --reason "…"\`.`;
  return reply(text, [{ kind: "text", text }]);
}

/** What a stale approval message says instead of its plan and buttons: its request is gone or does else now. */
export function staleMessage(id: string, current: ApprovalRequest | undefined): Reply {
  const now =
    current === undefined
      ? `${id} no longer exists (the bot's store lost it)`
      : `${id} now names another request (\`${current.command}\` ${current.connector} on ${current.cluster}, asked by ${current.requester.name})`;
  const text = `Stale: this message no longer shows a request the bot holds. ${now}. Nothing was approved or denied; ask again if the change is still needed.`;
  return reply(`Stale request ${id}`, [
    { kind: "heading", text: `Stale: request ${id}` },
    { kind: "text", text },
  ]);
}

/** Why someone no longer counts for a request, as a clause: "holds no role on cluster prod now, not approver". */
export function lostWords(lost: Lost): string {
  switch (lost.kind) {
    case "role":
      return `holds ${lost.now === undefined ? "no role" : `only the ${lost.now} role`} on ${lost.connector === undefined ? "" : `${lost.connector} of `}cluster ${lost.cluster} now, not ${lost.role}`;
    case "account":
      return {
        deactivated: "this account is deactivated",
        guest: "guests never approve",
        bot: "bots never approve",
      }[lost.account];
    case "unknown":
      return `${lost.service} does not know this account`;
    case "no-source":
      return "the request does not record which adapter they came through (it was asked before the bot recorded it)";
  }
}

/** Why no rule approves a waiting request: one withdrew its approval when the change was about to run, or declined. */
function ruleLine(request: ApprovalRequest): (string | ReplyTime)[] {
  const withdrawn = request.ruleWithdrawn;
  if (withdrawn !== undefined)
    return [
      `Approved by rule ${withdrawn.rule}, then back to waiting at `,
      time(Date.parse(withdrawn.at), "seconds"),
      `: ${withdrawn.why} `,
    ];
  return request.ruleDeclined === undefined ? [] : [`Not approved by rule: ${request.ruleDeclined}. `];
}

/** The pending message's first words after approvals stopped counting: whose, why, when. */
function setBackLine(request: ApprovalRequest): (string | ReplyTime)[] {
  const last = request.setBacks?.at(-1);
  if (last === undefined) return [];
  const whose = last.dropped.map(({ person, why }) => `${person.name}'s approval no longer counts: ${why}`);
  return [
    "Back to waiting at ",
    time(Date.parse(last.at), "seconds"),
    `, when the change was about to run: ${whose.join("; ")}. `,
  ];
}

/** The audit detail of a request set back to waiting. */
export function setBackDetail(request: ApprovalRequest): string {
  const last = request.setBacks?.at(-1);
  const whose = (last?.dropped ?? []).map(({ person, why }) => `${person.name}: ${why}`).join("; ");
  return `approvals no longer count (${whose}); back to waiting, ${request.approvedBy.length} of ${request.approversNeeded} approvals`;
}

/** The outcome of a request whose requester may no longer ask for it when it was about to run. */
export function requesterGoneOutcome(request: ApprovalRequest, lost: Lost): string {
  return `Not run: ${request.requester.name}, who asked, may no longer ask for it (${lostWords(lost)}). Nothing was changed; someone who may still ask for it can ask again.`;
}

/**
 * The outcome of a request whose people the identity source could not confirm before its start bound: an outage
 * is no verdict on them, and an unconfirmed change does not run.
 */
export function unconfirmedOutcome(service: string, reason: string, startBy: Date): string {
  return `Not run: ${service} could not answer whether its requester and approvers still may (${reason}) before ${startBy.toISOString().slice(11, 16)} UTC, the latest it could start, so it failed rather than run unchecked. Nothing was changed; ask again once ${service} answers.`;
}

/**
 * What a reminder says, after the names of those it reminds (each adapter writes its own mentions before it): how
 * long the request has waited, what it does, and how to decide it. When it expires is a moment, which each adapter
 * writes (Slack in the reader's time zone).
 */
export function reminderWords(request: ApprovalRequest, reminder: Reminder): (string | ReplyTime)[] {
  const what = `\`${request.command}\` ${request.connector} on ${request.cluster}, asked by ${request.requester.name} ("${request.reason}")`;
  const waited = formatDuration(reminder.waitedMs);
  const decide = `\`approve ${request.id}\` or \`deny ${request.id} --reason "…"\`; it expires at `;
  const nobody = reminder.approvers.length === 0 ? " No approver is configured for this connector." : "";
  const expires = time(Date.parse(request.expiresAt));
  switch (reminder.kind) {
    case "reminder":
      return [
        `Still waiting for an approver after ${waited}: ${request.id}, ${what}. Decide with ${decide}`,
        expires,
        `.${nobody}`,
      ];
    case "escalation":
      return [
        `Escalated: ${request.id} has waited ${waited} with no decision: ${what}. Decide with ${decide}`,
        expires,
        `.${nobody}`,
      ];
    case "nudge":
      return [
        `${request.requester.name} asks for a decision on ${request.id} (waiting ${waited}): ${what}. Decide with ${decide}`,
        expires,
        `.${nobody}`,
      ];
  }
}
