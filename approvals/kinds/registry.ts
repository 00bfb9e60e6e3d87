import { z } from "zod";
import { alterOffsets } from "./alter-offsets.js";
import { bulk } from "./bulk.js";
import { configChange } from "./config-change.js";
import { deleteKind } from "./delete.js";
import { logLevel } from "./log-level.js";
import type { OperationKind } from "./operation-kind.js";
import { recreate } from "./recreate.js";
import { resetOffsets } from "./reset-offsets.js";
import { sinkOffsets } from "./sink-offsets.js";
import { stop } from "./stop.js";
import { topicsReset } from "./topics-reset.js";
import { windowKind } from "./window.js";

/**
 * Every kind of approved operation, by its `kind`. A new kind is its module plus one line here: `Operation` (its
 * schema and type) is built from these, and the compiler fails when a key is not its kind's `kind`.
 */
const operationKinds = {
  "sink-offsets": sinkOffsets,
  "alter-offsets": alterOffsets,
  "reset-offsets": resetOffsets,
  stop,
  delete: deleteKind,
  recreate,
  "config-change": configChange,
  bulk,
  window: windowKind,
  "log-level": logLevel,
  "topics-reset": topicsReset,
};

type KindModules = typeof operationKinds;
type OperationIn<T> = T extends OperationKind<infer O> ? O : never;

/** What Connect is asked to do once a request is approved: the operation of one of the registered kinds. */
export type Operation = OperationIn<KindModules[keyof KindModules]>;

/** The stored operation of one kind (`OperationOf<"stop">` is `{ kind: "stop" }`). */
export type OperationOf<K extends Operation["kind"]> = Extract<Operation, { kind: K }>;

/** The registry, as the compiler checks it: each key names the kind whose module it holds. */
const byKind: { readonly [K in Operation["kind"]]: OperationKind<OperationOf<K>> } = operationKinds;

function unionOf<S extends z.ZodObject>(schemas: readonly S[]) {
  const [first, ...rest] = schemas;
  if (first === undefined) throw new Error("no operation kind is registered");
  return z.discriminatedUnion("kind", [first, ...rest]);
}

/** The schema of {@link Operation}: the union of every registered kind's schema, told apart by `kind`. */
export const Operation: z.ZodType<Operation> = unionOf(
  Object.values(operationKinds).map((kind) => kind.schema),
);

/** The module of an operation's kind, typed for that kind (the operation is passed on as its `OperationOf`). */
export function operationKind<K extends Operation["kind"]>(
  operation: OperationOf<K> & { readonly kind: K },
): OperationKind<OperationOf<K>> {
  return byKind[operation.kind];
}

/** The fields of `operation` that hold settings whose secret ones are sealed at rest (its kind's `sealed`). */
export function sealedFieldsOf(operation: Operation): readonly string[] {
  return operationKind(operation).sealed?.map(String) ?? [];
}
