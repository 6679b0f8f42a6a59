// Live view: connected operators, their roles, loop states, talkers and media quality (`admin_live`,
// see web/admin/LIVE_API.md), and the system broadcasts page_update / server_switch.
import { useEffect, useState } from 'preact/hooks';
import { PermissionIcon } from '../components/icons.js';
import { describeError, isUnsupported } from '../logic/errors.js';
import { loopsIn, mediaQuality, parseLiveSnapshot, type LiveSnapshot } from '../logic/live.js';
import { change, requireApi } from '../state/app.js';
import { DataTable } from '../components/DataTable.js';

type Status = { kind: 'loading' } | { kind: 'unsupported' } | { kind: 'error'; text: string } | { kind: 'live'; snapshot: LiveSnapshot };

/** admin_live is a request (no push yet): poll while the view is open, one request in flight at most. */
const POLL_MS = 2000;

function useLive(): Status {
  const [status, setStatus] = useState<Status>({ kind: 'loading' });
  useEffect(() => {
    const api = requireApi();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const poll = () => {
      api
        .live()
        .then((r) => {
          setStatus({ kind: 'live', snapshot: parseLiveSnapshot(r) });
          if (!stopped) timer = setTimeout(poll, POLL_MS);
        })
        .catch((err: unknown) => setStatus(isUnsupported(err) ? { kind: 'unsupported' } : { kind: 'error', text: describeError(err) }));
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  return status;
}

function Broadcasts() {
  const [server, setServer] = useState('');
  return (
    <div class="card">
      <h2>System broadcasts</h2>
      <p class="muted">Reach every logged-in operator in the scopes you administer.</p>
      <div class="actions">
        <button type="button" class="subtle" data-testid="send-page-update" onClick={() => void change('Page update sent', (api) => api.broadcast({ type: 'page_update' })).catch(() => undefined)}>
          Ask keysets to reload (page_update)
        </button>
      </div>
      <form class="inline-form" onSubmit={(e) => (e.preventDefault(), void change(`Server switch to ${server} sent`, (api) => api.broadcast({ type: 'server_switch', server })).catch(() => undefined))}>
        <input aria-label="Backup server URL" placeholder="wss://backup.example/api" value={server} onInput={(e) => setServer(e.currentTarget.value)} />
        <button type="submit" class="subtle" disabled={!/^wss?:\/\/\S+$/.test(server)} data-testid="send-server-switch">
          Switch operators to this server
        </button>
      </form>
    </div>
  );
}

export function LiveView() {
  const status = useLive();
  return (
    <div class="stack">
      <div class="card">
        <div class="card-head">
          <h2>Live view</h2>
          {status.kind === 'live' ? <span class="muted">{status.snapshot.sockets.length} connected</span> : null}
        </div>
        {status.kind === 'loading' ? <p class="muted">Connecting…</p> : null}
        {status.kind === 'unsupported' ? (
          <p class="muted" data-testid="live-unsupported">
            This server does not provide live monitoring yet (<code>admin_live</code>). Broadcasts below still work.
          </p>
        ) : null}
        {status.kind === 'error' ? <p class="form-error">{status.text}</p> : null}
        {status.kind === 'live' ? (
          // Focusable so that a keyboard can scroll it when it is wider than a phone.
          <DataTable label="Connected operators" columns={['Operator', 'Role', 'Monitor', 'Talk', 'Talking', 'Media']} testid="live-table">
            {status.snapshot.sockets.map((s) => {
              const quality = mediaQuality(s.media);
              return (
                <tr key={s.client} data-testid={`live-${s.user}`}>
                  <td>
                    <strong>{s.user}</strong>
                    <div class="muted small mono">
                      {s.address} · {s.scope}
                    </div>
                  </td>
                  <td>{s.role ?? <span class="muted">choosing role</span>}</td>
                  <td>{loopsIn(s, 'recv').join(', ')}</td>
                  <td>{loopsIn(s, 'send').join(', ')}</td>
                  <td>{s.talking.length > 0 ? <span class="chip perm-talk"><PermissionIcon permission="talk" /> {s.talking.join(', ')}</span> : null}</td>
                  <td>
                    <span class={`quality q-${quality}`}>{quality}</span>
                    {s.media?.connected ? (
                      <div class="muted small">
                        {(s.media.loss * 100).toFixed(1)} % loss · {s.media.jitter.toFixed(0)} ms jitter · {s.media.packetsIn} in / {s.media.packetsOut} out
                      </div>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </DataTable>
        ) : null}
      </div>
      <Broadcasts />
    </div>
  );
}
