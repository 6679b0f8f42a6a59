// Server errors as the console shows them. Errors arrive with their catalogue name and, for a bad field, its path
// (docs/protocol.md "Errors"): `parameter` names a path in the request's parameter, `invalidChange` a path in the
// scope's directory data. Both map to a path relative to the edited entity so the form can show it there.
import { RequestError, type FieldPath } from '../../../../src/protocol/client/index.js';

export { RequestError };

export interface FieldError {
  /** Path inside the entity record, e.g. `multicast.port`; `''` when no field is named. */
  field: string;
  message: string;
}

const COLLECTIONS = new Set(['users', 'roles', 'loops']);

function relativePath(err: RequestError, entityId: string | undefined): FieldPath {
  const path = err.field ?? [];
  // update/update_key carry the record under `data`.
  if (err.is('parameter')) return path[0] === 'data' ? path.slice(1) : path;
  // loops.<id>.rest → rest, when the error is about the entity being edited.
  if (path.length >= 2 && COLLECTIONS.has(String(path[0])) && (entityId === undefined || path[1] === entityId)) return path.slice(2);
  return path;
}

/** Which field of the entity `id` a `parameter` or `invalidChange` error is about. */
export function fieldError(err: RequestError, entityId?: string): FieldError {
  const problem = err.details?.problem;
  return { field: relativePath(err, entityId).join('.'), message: typeof problem === 'string' ? problem : err.description };
}

/** Does an error path belong to a form field (`multicast` owns `multicast.port`)? */
export function belongsTo(errorField: string, formField: string): boolean {
  return errorField === formField || errorField.startsWith(`${formField}.`);
}

/** The server does not know the event (an extension it does not implement yet). */
export function isUnsupported(err: unknown): boolean {
  return err instanceof RequestError && err.is('unknownEvent');
}

export function describeError(err: unknown): string {
  if (err instanceof RequestError) return `${err.description} (${err.code})`;
  return err instanceof Error ? err.message : String(err);
}
