/**
 * Connect says only its own offsets changed when a connector manages offsets itself; the user must hear that
 * the connector's external offsets were not touched. Undefined when Connect's message says nothing of the kind.
 */
export function offsetsChangeWarning(message: string): string | undefined {
  return /framework-managed offsets/i.test(message) ? message : undefined;
}
