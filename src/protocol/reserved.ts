// Ids are data: any string is a valid id except the few listed here (docs/operations.md "Ids").
// `__proto__` is the one name that JavaScript treats as the prototype instead of a key when it is
// assigned (`record[id] = …`) — in every JS client of the protocol — and that zod records drop
// silently; it is refused with 1008 wherever an id or a key of directory or user data is accepted.
// Every other name (`constructor`, `hasOwnProperty`, `toString`, …) is an ordinary id.
import { z } from 'zod';

export const RESERVED_KEYS: readonly string[] = ['__proto__'];

export const RESERVED_KEY_MESSAGE = `is reserved (${RESERVED_KEYS.map((k) => `"${k}"`).join(', ')} cannot be an id or a key)`;

export function isReservedKey(key: string): boolean {
  return RESERVED_KEYS.includes(key);
}

/** Path to the first reserved own key anywhere inside a JSON value (iterative: any depth), or undefined. */
export function reservedKeyPath(value: unknown): (string | number)[] | undefined {
  const stack: Array<{ value: unknown; path: (string | number)[] }> = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop() as { value: unknown; path: (string | number)[] };
    if (typeof current !== 'object' || current === null) continue;
    if (Array.isArray(current)) {
      current.forEach((item, i) => stack.push({ value: item, path: [...path, i] }));
      continue;
    }
    for (const key of Object.keys(current)) {
      if (isReservedKey(key)) return [...path, key];
      stack.push({ value: (current as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return undefined;
}

/** `schema`, but a reserved key anywhere in the input is an issue at its path (zod would drop it silently). */
export function withoutReservedKeys<T extends z.ZodType>(schema: T): z.ZodPipe<z.ZodUnknown, T> {
  return z
    .unknown()
    .superRefine((value, ctx) => {
      const path = reservedKeyPath(value);
      if (path) ctx.addIssue({ code: 'custom', path, message: RESERVED_KEY_MESSAGE });
    })
    .pipe(schema);
}
