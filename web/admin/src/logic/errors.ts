// Server errors as the console shows them. A 1008 names the offending field, either as
// `parameter <field>: <problem>` or `invalid change: <json path>: <problem>` (docs/protocol.md):
// map both to a path relative to the edited entity so the form can show it next to that field.

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
  ) {
    super(description);
    this.name = 'ApiError';
  }

  /** The server does not know the event (an extension it does not implement yet). */
  get unknownEvent(): boolean {
    return this.code === 1008 && this.description.startsWith('unknown event');
  }
}

export interface FieldError {
  /** Path inside the entity record, e.g. `multicast.port`; `''` when no field is named. */
  field: string;
  message: string;
}

/** `$.loops["a b"].multicast.port` → ['loops', 'a b', 'multicast', 'port']. */
export function parseJsonPath(path: string): string[] {
  const segments: string[] = [];
  const re = /\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  re.lastIndex = path.startsWith('$') ? 1 : 0;
  for (let m = re.exec(path); m; m = re.exec(path)) {
    segments.push(m[1] ?? m[2] ?? (JSON.parse(m[3] ?? '""') as string));
    if (re.lastIndex >= path.length) break;
  }
  return segments;
}

const COLLECTIONS = new Set(['users', 'roles', 'loops']);

/** Which field of the entity `id` a server error is about (see the module comment). */
export function fieldError(description: string, entityId?: string): FieldError {
  const param = /^parameter ([^:]+): (.*)$/s.exec(description);
  if (param) {
    const field = (param[1] ?? '').replace(/^data\./, '');
    return { field: field === '(parameter)' ? '' : field, message: param[2] ?? description };
  }
  const change = /^invalid change: (\$\S*): (.*)$/s.exec(description);
  if (change) {
    let segments = parseJsonPath(change[1] ?? '$');
    // $.loops.<id>.rest → rest, when the error is about the entity being edited.
    if (segments.length >= 2 && COLLECTIONS.has(segments[0] ?? '') && (entityId === undefined || segments[1] === entityId)) segments = segments.slice(2);
    return { field: segments.join('.'), message: change[2] ?? description };
  }
  return { field: '', message: description };
}

/** Does an error path belong to a form field (`multicast` owns `multicast.port`)? */
export function belongsTo(errorField: string, formField: string): boolean {
  return errorField === formField || errorField.startsWith(`${formField}.`);
}

export function describeError(err: unknown): string {
  if (err instanceof ApiError) return `${err.description} (${err.code})`;
  return err instanceof Error ? err.message : String(err);
}
