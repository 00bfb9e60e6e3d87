import type { ApprovalRequest } from "../approvals/approval-request.js";
import { diffLines } from "../approvals/config-diff.js";
import { defineCommand } from "../src/core/command-spec.js";
import { oneConnector } from "../src/core/connector-args.js";
import { reply } from "../src/core/reply.js";

/** How many of the newest requests (on every connector) the history reads. */
const readAtMost = 500;

export const configHistory = defineCommand({
  name: "config history",
  summary: "The config changes the bot made to a connector.",
  details:
    "The config changes the bot made to a connector (`config set`, `config restore`, `create`), newest first: when, who asked, who approved, and the diff as approved (secrets hidden). Read from the approval requests the bot keeps, which hold the diff; `audit <connector>` has the hash-chained trail of each step.",
  examples: ["config history orders-sink"],
  ...oneConnector,
  role: "viewer",
  risk: "read",
  async run({ cluster, approvals }, { connector }) {
    const changes = (await approvals.recent(readAtMost)).filter(
      (r) => r.cluster === cluster.name && r.connector === connector && changedConfig(r),
    );
    const note = `From the bot's approval requests (the newest ${readAtMost} on any connector), which keep each diff as approved; \`audit ${connector}\` has the hash-chained record of every step. Changes made outside the bot are not here.`;
    if (changes.length === 0) {
      const text = `The bot has made no config change to ${connector} on ${cluster.name}.`;
      return reply(text, [
        { kind: "text", text },
        { kind: "note", text: note },
      ]);
    }
    return reply(`config history of ${connector} on ${cluster.name}: ${changes.length} change(s)`, [
      { kind: "heading", text: `${connector} on ${cluster.name}: config changes, newest first` },
      {
        kind: "table",
        columns: ["request", "finished", "asked by", "approved by", "outcome", "change"],
        rows: changes.map((r) => [
          r.id,
          `${(r.finishedAt ?? r.createdAt).slice(0, 16).replace("T", " ")} UTC`,
          r.requester.name,
          r.approvedBy.length > 0 ? r.approvedBy.map((p) => p.name).join(", ") : (r.decidedBy?.name ?? "—"),
          r.state,
          changeOf(r),
        ]),
      },
      { kind: "note", text: note },
    ]);
  },
});

/** A request that changed the connector's config: sent its change, and has ended. */
function changedConfig(request: ApprovalRequest): boolean {
  const kind = request.operation.kind;
  const configKind = kind === "config-change" || (kind === "recreate" && request.command === "create");
  return (
    configKind && request.changeSent === true && (request.state === "succeeded" || request.state === "failed")
  );
}

function changeOf(request: ApprovalRequest): string {
  const { operation } = request;
  if (operation.kind === "config-change") return diffLines(operation.diff).join("; ");
  if (operation.kind === "recreate") {
    return `created ${operation.priorState} with ${Object.keys(operation.config).length} settings`;
  }
  return "";
}
