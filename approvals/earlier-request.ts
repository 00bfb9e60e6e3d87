import type { CommandContext } from "../src/core/command-spec.js";
import { errorReply, type Reply } from "../src/core/reply.js";
import type { ApprovalRequest } from "./approval-store.js";

/**
 * The earlier request an undo names (`offsets restore`, `config restore`), on the cluster the command acts on; a
 * refusal saying what is wrong when there is none by that id, or it ran on another cluster.
 */
export async function earlierRequest(
  context: Pick<CommandContext, "approvals" | "cluster">,
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
  return earlier;
}
