// Audit log: who changed what and when (server event `admin_audit`, see web/admin/LIVE_API.md).
import { useEffect, useState } from 'preact/hooks';
import { filterAudit, formatTime, parseAudit, type AuditEntry } from '../logic/audit.js';
import { describeError, isUnsupported } from '../logic/errors.js';
import { requireApi } from '../state/app.js';
import { DataTable } from '../components/DataTable.js';

/** The server keeps the newest 5000 in memory; 500 is a screenful of history without a slow page. */
const LIMIT = 500;

type Status = { kind: 'loading' } | { kind: 'unsupported' } | { kind: 'error'; text: string } | { kind: 'ok'; entries: AuditEntry[] };

export function AuditView() {
  const [status, setStatus] = useState<Status>({ kind: 'loading' });
  const [filter, setFilter] = useState('');
  const load = () =>
    requireApi()
      .auditLog(LIMIT)
      .then((r) => setStatus({ kind: 'ok', entries: parseAudit(r) }))
      .catch((err: unknown) => setStatus(isUnsupported(err) ? { kind: 'unsupported' } : { kind: 'error', text: describeError(err) }));
  useEffect(() => void load(), []);
  const shown = status.kind === 'ok' ? filterAudit(status.entries, filter) : [];
  return (
    <div class="card">
      <div class="card-head">
        <h2>Audit log</h2>
        <div class="inline-form">
          <input aria-label="Filter" placeholder="Filter by user, event, target…" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
          <button type="button" class="subtle" data-testid="audit-refresh" onClick={() => void load()}>
            Refresh
          </button>
        </div>
      </div>
      {status.kind === 'loading' ? <p class="muted">Loading…</p> : null}
      {status.kind === 'unsupported' ? (
        <p class="muted" data-testid="audit-unsupported">
          This server does not keep an audit log yet (<code>admin_audit</code>).
        </p>
      ) : null}
      {status.kind === 'error' ? <p class="form-error">{status.text}</p> : null}
      {status.kind === 'ok' ? (
        <DataTable label="Audit entries" columns={['Time', 'Who', 'Change', 'Target', 'Where', 'Summary']} testid="audit-table">
          {shown.map((e, i) => (
            <tr key={`${e.time}-${i}`} data-testid="audit-entry">
              <td class="mono small">{formatTime(e.time)}</td>
              <td>{e.user}</td>
              <td class="mono">{e.event}</td>
              <td>{e.target ? <><span class="muted">{e.target.type}</span> <span class="mono">{e.target.id}</span></> : null}</td>
              <td class="muted small">{e.scope}</td>
              <td>{e.summary}</td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      {status.kind === 'ok' && shown.length === 0 ? <p class="empty">{filter.trim() ? 'No entry matches the filter.' : 'No changes recorded yet.'}</p> : null}
      {status.kind === 'ok' && status.entries.length >= LIMIT ? <p class="muted small">The newest {LIMIT} entries are shown; all are in the server's audit.jsonl.</p> : null}
    </div>
  );
}
