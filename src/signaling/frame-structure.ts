// Bounds on the shape of a parsed frame. JSON.parse in V8 is iterative and survives any nesting that
// fits in a frame, but everything after it (JSON.stringify of the echoed request, zod, structuredClone,
// the directory's deep copies) recurses: a 60 KiB `[[[[…]]]]` would overflow the stack there. This walk
// is iterative and runs once, right after JSON.parse, so nothing recursive ever sees such a value.

export interface StructureLimits {
  /** Containers inside containers; the envelope itself is depth 1. */
  maxDepth: number;
  /** Values in the whole frame (every object, array, key's value and array element counts one). */
  maxNodes: number;
  /** Characters of any string, object keys included. */
  maxStringLength: number;
}

export const DEFAULT_STRUCTURE_LIMITS: StructureLimits = { maxDepth: 32, maxNodes: 10_000, maxStringLength: 32_768 };

/** What exceeded which limit, phrased for a 1008 description; undefined when the value is within limits. */
export function structureProblem(value: unknown, limits: StructureLimits): string | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop() as { value: unknown; depth: number };
    if (++nodes > limits.maxNodes) return `too many values (limit ${limits.maxNodes})`;
    if (typeof current === 'string') {
      if (current.length > limits.maxStringLength) return `string too long (${current.length} characters, limit ${limits.maxStringLength})`;
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > limits.maxDepth) return `nesting too deep (limit ${limits.maxDepth})`;
    if (Array.isArray(current)) {
      for (const item of current as unknown[]) stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    for (const key of Object.keys(current)) {
      if (key.length > limits.maxStringLength) return `object key too long (${key.length} characters, limit ${limits.maxStringLength})`;
      stack.push({ value: (current as Record<string, unknown>)[key], depth: depth + 1 });
    }
  }
  return undefined;
}
