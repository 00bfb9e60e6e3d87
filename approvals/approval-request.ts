import { createHash } from "node:crypto";
import type { z } from "zod";
import { canonicalJson } from "../src/core/canonical-json.js";
import { Operation } from "./kinds/registry.js";
import { RequestRecord } from "./request-record.js";

/** One request, as stored and read back by the worker (parsed: job data is an edge), with its kind's operation. */
export const ApprovalRequest = RequestRecord.extend({ operation: Operation });
export type ApprovalRequest = z.infer<typeof ApprovalRequest>;

/**
 * What a request does, as a short digest: its cluster, connector, command and operation (with its targets). A
 * button carries it, so a click on an old message whose id now names another request is refused.
 */
export function digestOf(
  request: Pick<ApprovalRequest, "cluster" | "connector" | "command" | "operation">,
): string {
  const { cluster, connector, command, operation } = request;
  return createHash("sha256")
    .update(canonicalJson({ cluster, connector, command, operation }))
    .digest("hex")
    .slice(0, 12);
}
