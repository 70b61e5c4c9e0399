/**
 * Which keys a zod object schema accepts at a given path, so an unknown-key error can suggest the intended one.
 */
import * as z from 'zod';

/** Peel wrappers (optional, default, nullable, pipes) off a schema. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable || current instanceof z.ZodDefault) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      return current;
    }
  }
}

/** All schemas a path could lead to (unions fan out). */
function schemasAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): z.ZodType[] {
  const current = unwrap(schema);
  if (current instanceof z.ZodUnion) {
    return (current.options as z.ZodType[]).flatMap((option) => schemasAt(option, path));
  }
  if (path.length === 0) return [current];
  const [head, ...rest] = path;
  if (current instanceof z.ZodObject) {
    const child = (current.shape as Record<string, z.ZodType>)[String(head)];
    return child ? schemasAt(child, rest) : [];
  }
  if (current instanceof z.ZodArray) return schemasAt(current.element as z.ZodType, rest);
  if (current instanceof z.ZodRecord) return schemasAt(current.valueType as z.ZodType, rest);
  return [];
}

/** The keys the object schema(s) at `path` accept. */
export function knownKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  const keys = new Set<string>();
  for (const candidate of schemasAt(schema, path)) {
    if (candidate instanceof z.ZodObject) for (const key of Object.keys(candidate.shape)) keys.add(key);
  }
  return [...keys].sort();
}
