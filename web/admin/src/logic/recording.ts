// Pure helpers of the console's recording page: UTC time fields, hold descriptions, export file names.

/** The value of a `datetime-local` field that shows `ms` as UTC (to the minute). */
export function toUtcField(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

/** A `datetime-local` value read as UTC; undefined when incomplete. */
export function fromUtcField(value: string): number | undefined {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(value)) return undefined;
  const ms = Date.parse(`${value}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

/** `2026-11-30 06:33 UTC` */
export function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** What a hold form is missing, or undefined when it can be sent. */
export function holdProblem(from: number | undefined, to: number | undefined, reason: string): string | undefined {
  if (from === undefined || to === undefined) return 'Enter a complete start and end time.';
  if (to < from) return 'The end must not be before the start.';
  if (!reason.trim()) return 'Give the reason (case or request number): it is in the audit log.';
  return undefined;
}

export function exportFileName(user: string, exportedAt: string): string {
  return `loopcast-recordings-${user.replace(/[^A-Za-z0-9._-]+/g, '_')}-${exportedAt.slice(0, 19).replace(/:/g, '')}Z.json`;
}
