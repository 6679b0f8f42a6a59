// Directory and state data live in memory as JSON trees of null-prototype objects: looking an id up
// (`roles[id]`) or assigning one (`users[id] = …`) never reaches Object.prototype, whatever the id.

/** Deep copy of a JSON value whose objects have no prototype (arrays stay arrays). */
export function nullProtoCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => nullProtoCopy(item)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value)) out[key] = nullProtoCopy((value as Record<string, unknown>)[key]);
  return out as T;
}

/** A key's own value, never an inherited one. */
export function ownValue<V>(record: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
