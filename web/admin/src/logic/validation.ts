// Client-side checks that mirror the server's rules, so most mistakes are shown on the field before
// a request is sent. The server stays the authority: it validates every change again.

/** Same rule as the server's idSchema: ids become file names (src/directory/schema.ts). */
export function idProblem(id: string): string | undefined {
  if (id.length === 0) return 'required';
  if (id.length > 128) return 'at most 128 characters';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[/\\\u0000-\u001f\u007f]/.test(id)) return 'must not contain slashes or control characters';
  if (id.startsWith('.')) return 'must not start with "."';
  if (id !== id.trim()) return 'must not start or end with spaces';
  return undefined;
}

export const MIN_PASSWORD_LENGTH = 8;

/** The strength rule (the server enforces the length too: update_password answers 1008 below 8). */
export function passwordProblem(password: string, userId = ''): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > 1024) return 'at most 1024 characters';
  if (userId !== '' && password.toLowerCase() === userId.toLowerCase()) return 'must not be the user id';
  if (/^(.)\1*$/.test(password)) return 'must not repeat a single character';
  return undefined;
}

/** Colours are stored as `#rrggbb` (what <input type=color> produces and the keyset renders). */
export function colorProblem(color: string): string | undefined {
  if (color === '') return undefined;
  return /^#[0-9a-fA-F]{6}$/.test(color) ? undefined : 'use the form #rrggbb';
}

export function abbreviationProblem(abbreviation: string): string | undefined {
  return abbreviation.length > 12 ? 'at most 12 characters (it must fit on a key)' : undefined;
}
