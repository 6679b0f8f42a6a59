// Recording: retention and legal holds of a scope the admin administers (picked here, the selected scope
// first), and a person's erasure or export (every scope the admin administers). Which loops are recorded is
// the loop editor's "Recorded" box.
import { useEffect, useRef, useState } from 'preact/hooks';
import { RecordingApi, type RecordingSettings } from '../api/recording-api.js';
import { ConfirmButton } from '../components/ConfirmButton.js';
import { describeError, isUnsupported } from '../logic/errors.js';
import { exportFileName, fromUtcField, holdProblem, toUtcField, utc } from '../logic/recording.js';
import { scopeKey, type ScopeRef } from '../logic/model.js';
import { current, domains, notify, projects, requireApi } from '../state/app.js';
import { DataTable } from '../components/DataTable.js';

/** `key`: the scope the settings belong to — a form is never shown for one scope with another's values. */
type Status = { kind: 'loading' } | { kind: 'unsupported' } | { kind: 'error'; text: string } | { kind: 'ok'; key: string; settings: RecordingSettings };

const recordingApi = () => new RecordingApi(requireApi().client);

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function Retention(props: { scope: ScopeRef; settings: RecordingSettings; onChange: (s: RecordingSettings) => void }) {
  const [days, setDays] = useState(String(props.settings.retention_days));
  const [error, setError] = useState('');
  const save = async (e: Event) => {
    e.preventDefault();
    const value = Number(days);
    if (!Number.isFinite(value) || value <= 0 || value > 36_500) return setError('Between 1 and 36500 days.');
    setError('');
    try {
      props.onChange(await recordingApi().settings(props.scope, value));
      notify('ok', `Recordings are kept ${value} days`);
    } catch (err) {
      setError(describeError(err));
    }
  };
  return (
    <form class="card" onSubmit={(e) => void save(e)} data-testid="recording-retention">
      <h2>Retention</h2>
      <p class="muted">Talks older than this are deleted (audio first, then the record), unless a legal hold covers them. Recorded loops: {props.settings.recorded.length > 0 ? props.settings.recorded.join(', ') : 'none'}.</p>
      <div class="inline-form">
        <label class="field-label" for="retention-days">
          Keep recordings for
        </label>
        <input id="retention-days" type="number" min={1} max={36_500} step="any" value={days} onInput={(e) => setDays(e.currentTarget.value)} data-testid="retention-days" style={{ width: '7rem' }} />
        <span>days</span>
        <button type="submit" class="primary" data-testid="retention-save">
          Save
        </button>
      </div>
      {error ? <p class="form-error">{error}</p> : null}
    </form>
  );
}

function Holds(props: { scope: ScopeRef; settings: RecordingSettings; reload: () => Promise<void> }) {
  const [loop, setLoop] = useState('');
  const [from, setFrom] = useState(() => toUtcField(Date.now() - 86_400_000));
  const [to, setTo] = useState(() => toUtcField(Date.now()));
  const [reason, setReason] = useState('');
  const [error, setError] = useState('');
  const add = async (e: Event) => {
    e.preventDefault();
    const [f, t] = [fromUtcField(from), fromUtcField(to)];
    const problem = holdProblem(f, t, reason);
    if (problem || f === undefined || t === undefined) return setError(problem ?? '');
    setError('');
    try {
      await recordingApi().hold(props.scope, { ...(loop ? { loop } : {}), from: f, to: t, reason: reason.trim() });
      notify('ok', `Legal hold on ${loop || 'all loops'} ${utc(f)} – ${utc(t)}`);
      setReason('');
      await props.reload();
    } catch (err) {
      setError(describeError(err));
    }
  };
  const release = async (id: number) => {
    try {
      await recordingApi().release(props.scope, id);
      notify('ok', `Legal hold ${id} released`);
    } catch (err) {
      notify('error', `Releasing hold ${id} failed: ${describeError(err)}`);
    }
    await props.reload();
  };
  const holds = props.settings.holds;
  return (
    <div class="card" data-testid="recording-holds">
      <h2>Legal holds</h2>
      <p class="muted">A hold keeps every talk overlapping its range from the purge, and keeps the audio of an erased person (under a pseudonym), until it is released.</p>
      {holds.length > 0 ? (
        <DataTable label="Legal holds" columns={['Loop', 'From', 'To', 'Reason', 'By', '']}>
          {holds.map((h) => (
            <tr key={h.id} data-testid="hold-row">
              <td class="mono">{h.loop ?? <span class="muted">all loops</span>}</td>
              <td class="mono small">{utc(h.from)}</td>
              <td class="mono small">{utc(h.to)}</td>
              <td>{h.reason}</td>
              <td>{h.by}</td>
              <td>
                <ConfirmButton label="Release" confirm="Release: purge may delete" testid={`hold-release-${h.id}`} onConfirm={() => void release(h.id)} />
              </td>
            </tr>
          ))}
        </DataTable>
      ) : (
        <p class="empty">No legal hold.</p>
      )}
      <form class="field-row" style={{ flexWrap: 'wrap', alignItems: 'flex-end', marginTop: '12px' }} onSubmit={(e) => void add(e)}>
        <label class="field">
          <span class="field-label">Loop</span>
          <select value={loop} onChange={(e) => setLoop(e.currentTarget.value)} data-testid="hold-loop">
            <option value="">All loops</option>
            {props.settings.recorded.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span class="field-label">From (UTC)</span>
          <input type="datetime-local" value={from} onInput={(e) => setFrom(e.currentTarget.value)} data-testid="hold-from" />
        </label>
        <label class="field">
          <span class="field-label">To (UTC)</span>
          <input type="datetime-local" value={to} onInput={(e) => setTo(e.currentTarget.value)} data-testid="hold-to" />
        </label>
        <label class="field" style={{ flex: '1 1 14rem' }}>
          <span class="field-label">Reason</span>
          <input value={reason} maxLength={500} onInput={(e) => setReason(e.currentTarget.value)} placeholder="e.g. incident 2026-114" data-testid="hold-reason" />
        </label>
        <div class="actions">
          <button type="submit" class="primary" data-testid="hold-add">
            Place hold
          </button>
        </div>
      </form>
      {error ? <p class="form-error">{error}</p> : null}
    </div>
  );
}

function Person() {
  const [user, setUser] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState('');
  const run = async (what: string, step: (id: string) => Promise<string>) => {
    const id = user.trim();
    if (!id) return setResult('Enter the user id first.');
    setBusy(true);
    try {
      const text = await step(id);
      setResult(text);
      notify('ok', text);
    } catch (err) {
      setResult(`${what} failed: ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  };
  const exportUser = () =>
    run('Export', async (id) => {
      const doc = await recordingApi().exportUser(id);
      download(exportFileName(id, doc.exportedAt), JSON.stringify(doc, null, 2));
      return `Exported ${doc.records.length} talks of ${id}`;
    });
  const erase = () =>
    run('Erasure', async (id) => {
      const r = await recordingApi().erase(id);
      return `Erased ${r.erased} talks of ${id}; ${r.pseudonymised} kept under a pseudonym (legal hold); ${r.pending} still being recorded (erase again once closed)`;
    });
  return (
    <div class="card" data-testid="recording-person">
      <h2>A person's recordings</h2>
      <p class="muted">For a data subject's request: export everything recorded of one user (talk records with their audio, as JSON), or erase their voice. Erasure covers every scope you administer and cannot be undone.</p>
      <div class="inline-form">
        <input aria-label="User id" placeholder="user id" value={user} onInput={(e) => setUser(e.currentTarget.value)} data-testid="person-user" />
        <button type="button" class="subtle" disabled={busy} onClick={() => void exportUser()} data-testid="person-export">
          Export
        </button>
        <ConfirmButton label="Erase" confirm={`Erase ${user.trim() || 'user'}'s voice`} testid="person-erase" onConfirm={() => void erase()} />
      </div>
      {result ? (
        <p class="muted" role="status" data-testid="person-result">
          {result}
        </p>
      ) : null}
    </div>
  );
}

/** The scopes the admin administers, as `type:id` keys for the picker. */
function administered(): ScopeRef[] {
  return [...domains.value.map((id): ScopeRef => ({ type: 'domain', id })), ...projects.value.map((p): ScopeRef => ({ type: 'project', id: p.id }))];
}

function ScopePicker(props: { scope: ScopeRef; onPick: (scope: ScopeRef) => void }) {
  const scopes = administered();
  const pick = (key: string) => {
    const picked = scopes.find((s) => scopeKey(s) === key);
    if (picked) props.onPick(picked);
  };
  return (
    <label class="inline-form">
      <span class="field-label">Retention and holds of</span>
      <select value={scopeKey(props.scope)} onChange={(e) => pick(e.currentTarget.value)} data-testid="recording-scope">
        {scopes.map((s) => (
          <option key={scopeKey(s)} value={scopeKey(s)}>
            {s.type === 'domain' ? 'Domain' : 'Project'} {s.id}
          </option>
        ))}
      </select>
    </label>
  );
}

export function RecordingView() {
  const [scope, setScope] = useState<ScopeRef | undefined>(() => current.value ?? administered()[0]);
  const [status, setStatus] = useState<Status>({ kind: 'loading' });
  // The scope picked last: an answer for a scope picked before it arrives too late to be shown.
  const latest = useRef('');
  const load = async () => {
    if (!scope) return setStatus({ kind: 'error', text: 'You administer no scope.' });
    const key = scopeKey(scope);
    latest.current = key;
    const settle = (next: Status) => {
      if (latest.current === key) setStatus(next);
    };
    await recordingApi()
      .settings(scope)
      .then((settings) => settle({ kind: 'ok', key, settings }))
      .catch((err: unknown) => settle(isUnsupported(err) ? { kind: 'unsupported' } : { kind: 'error', text: describeError(err) }));
  };
  useEffect(() => {
    setStatus({ kind: 'loading' });
    void load();
  }, [scope && scopeKey(scope)]);
  return (
    <div class="stack" data-testid="recording-view">
      {scope ? <ScopePicker scope={scope} onPick={setScope} /> : null}
      <p class="muted">
        History and playback: <a href="/history.html">Recordings</a>.
      </p>
      {status.kind === 'loading' || (status.kind === 'ok' && scope && status.key !== scopeKey(scope)) ? <p class="muted">Loading…</p> : null}
      {status.kind === 'unsupported' ? <p class="muted">Recording is not available on this server.</p> : null}
      {status.kind === 'error' ? <p class="form-error">{status.text}</p> : null}
      {status.kind === 'ok' && scope && status.key === scopeKey(scope) ? (
        <div class="stack" key={status.key}>
          <Retention scope={scope} settings={status.settings} onChange={(settings) => setStatus({ kind: 'ok', key: status.key, settings })} />
          <Holds scope={scope} settings={status.settings} reload={load} />
        </div>
      ) : null}
      <Person />
    </div>
  );
}
