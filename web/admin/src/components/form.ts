// Turning a failed request into errors on form fields.
import { belongsTo, describeError, fieldError, RequestError } from '../logic/errors.js';

export type FormErrors = Record<string, string>;

/**
 * Map an error onto the form: a bad field (`parameter`, `invalidChange`) naming one of `fields` goes next to it, anything else
 * under `_form` (shown above the buttons).
 */
export function formErrors(err: unknown, entityId: string | undefined, fields: readonly string[]): FormErrors {
  if (err instanceof RequestError && (err.is('parameter') || err.is('invalidChange'))) {
    const { field, message } = fieldError(err, entityId);
    const owner = fields.find((f) => belongsTo(field, f));
    if (owner) return { [owner]: message };
    return { _form: field ? `${field}: ${message}` : message };
  }
  if (err instanceof RequestError && err.is('auth')) return { _form: `Not allowed: ${err.description}` };
  return { _form: describeError(err) };
}

/** Keep only the problems that exist (validators return undefined when fine). */
export function problems(entries: Record<string, string | undefined>): FormErrors {
  const out: FormErrors = {};
  for (const [k, v] of Object.entries(entries)) if (v) out[k] = v;
  return out;
}
