import type { z } from "zod";

/**
 * The field paths a schema accepts (`clusters.kafka.sasl.tokenFile`): arrays add no segment, a record of settings
 * adds `*`, one of plain values ends the path.
 */
export function fieldPaths(schema: z.core.$ZodType, path: string): string[] {
  const def = schema._zod.def;
  if (def.type === "object") {
    return Object.entries((def as z.core.$ZodObjectDef).shape).flatMap(([key, inner]) =>
      fieldPaths(inner, path === "" ? key : `${path}.${key}`),
    );
  }
  if (
    def.type === "optional" ||
    def.type === "default" ||
    def.type === "prefault" ||
    def.type === "nullable"
  ) {
    return fieldPaths((def as z.core.$ZodOptionalDef).innerType, path);
  }
  if (def.type === "array") return fieldPaths((def as z.core.$ZodArrayDef).element, path);
  if (def.type === "union") {
    return [...new Set((def as z.core.$ZodUnionDef).options.flatMap((option) => fieldPaths(option, path)))];
  }
  if (def.type === "record") {
    // A record of settings (`alerts.receivers.<name>.url`) shows its fields under `*`; one of plain values ends here.
    const inner = fieldPaths((def as z.core.$ZodRecordDef).valueType, `${path}.*`);
    return inner.length === 1 && inner[0] === `${path}.*` ? [path] : inner;
  }
  if (def.type === "pipe") return fieldPaths((def as z.core.$ZodPipeDef).in, path);
  return [path];
}
