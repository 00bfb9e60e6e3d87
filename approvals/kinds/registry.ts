import type { Operation } from "../approval-store.js";
import { alterOffsets } from "./alter-offsets.js";
import { configChange } from "./config-change.js";
import { deleteKind } from "./delete.js";
import type { OperationKind, OperationOf } from "./operation-kind.js";
import { recreate } from "./recreate.js";
import { resetOffsets } from "./reset-offsets.js";
import { sinkOffsets } from "./sink-offsets.js";
import { stop } from "./stop.js";

type OperationKinds = { readonly [K in Operation["kind"]]: OperationKind<K> };

/**
 * Every kind of approved operation, by its `kind`: the compiler fails when a kind of `Operation` has no entry
 * here. A new kind is its module plus one line.
 */
const operationKinds: OperationKinds = {
  "sink-offsets": sinkOffsets,
  "alter-offsets": alterOffsets,
  "reset-offsets": resetOffsets,
  stop,
  delete: deleteKind,
  recreate,
  "config-change": configChange,
};

/** The module of an operation's kind, typed for that kind (the operation is passed on as its `OperationOf`). */
export function operationKind<K extends Operation["kind"]>(
  operation: OperationOf<K> & { readonly kind: K },
): OperationKind<K> {
  return operationKinds[operation.kind];
}
