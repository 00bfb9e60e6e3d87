import type { CommandContext } from "../src/core/command-spec.js";
import { errorReply, type Reply } from "../src/core/reply.js";
import type { ApprovalRequest } from "./approval-request.js";

/**
 * The earlier request an undo names (`offsets restore`, `config restore`), on the cluster the command acts on; a
 * refusal saying what is wrong when there is none by that id, it ran on another cluster, or the person's operator
 * role does not hold on its connector (the earlier request names the connector: checked before anything is read).
 */
export async function earlierRequest(
  context: Pick<CommandContext, "approvals" | "cluster" | "scopeOn">,
  id: string,
): Promise<ApprovalRequest | { readonly refusal: Reply }> {
  const earlier = await context.approvals.get(id);
  if (earlier === undefined) {
    return { refusal: errorReply("refused", `There is no request ${id}. \`approvals\` lists them.`) };
  }
  if (earlier.cluster !== context.cluster.name) {
    return {
      refusal: errorReply(
        "refused",
        `${earlier.id} ran on cluster ${earlier.cluster}: add \`--cluster ${earlier.cluster}\`.`,
      ),
    };
  }
  const scope = await context.scopeOn(context.cluster.name, {
    fresh: true,
    needed: "operator",
    connector: earlier.connector,
  });
  const inScope = scope.check(earlier.connector, "operator");
  if (!inScope.inScope)
    return { refusal: errorReply("refused", `Restoring ${earlier.id} ${inScope.reason}.`) };
  return earlier;
}
