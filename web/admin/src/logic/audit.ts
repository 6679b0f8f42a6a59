// The audit log's data (event `admin_audit`, docs/protocol.md § Extensions and web/admin/LIVE_API.md).

export interface AuditEntry {
  time: string;
  user: string;
  event: string;
  /** null for changes without one entity (save, load, broadcast). */
  target: { type: string; id: string } | null;
  /** `project <id>` or `domain <id>`: where the change happened. */
  scope: string;
  summary: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function parseAudit(v: unknown): AuditEntry[] {
  const raw = isObject(v) ? v : {};
  const entries: AuditEntry[] = [];
  for (const e of Array.isArray(raw.entries) ? raw.entries : []) {
    if (!isObject(e) || typeof e.time !== 'string' || typeof e.event !== 'string') continue;
    const target = isObject(e.target) ? { type: str(e.target.type), id: str(e.target.id) } : null;
    const scope = typeof e.project === 'string' ? `project ${e.project}` : typeof e.domain === 'string' ? `domain ${e.domain}` : '';
    entries.push({ time: e.time, user: str(e.user), event: e.event, target, scope, summary: str(e.summary) });
  }
  // Newest first, whatever order the server used.
  entries.sort((a, b) => b.time.localeCompare(a.time));
  return entries;
}

/** Case-insensitive filter over user, event, target and summary. */
export function filterAudit(entries: readonly AuditEntry[], text: string): AuditEntry[] {
  const needle = text.trim().toLowerCase();
  if (needle === '') return [...entries];
  return entries.filter((e) => [e.user, e.event, e.target?.type ?? '', e.target?.id ?? '', e.scope, e.summary].some((f) => f.toLowerCase().includes(needle)));
}

export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
