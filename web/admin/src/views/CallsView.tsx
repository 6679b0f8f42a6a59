// Phone calls on the loops of the scopes this admin administers (list_calls), with hang-up, and the
// SIP gateway's state (list_sip_status). docs/telephony.md.
import { useEffect, useState } from 'preact/hooks';
import { ConfirmButton } from '../components/ConfirmButton.js';
import { hangup, listCalls, sipStatus } from '../api/telephony-api.js';
import { describeError, isUnsupported } from '../logic/errors.js';
import { notify, requireApi } from '../state/app.js';
import type { ResponseOf } from '../../../../src/protocol/client/index.js';
import { DataTable } from '../components/DataTable.js';

type Calls = ResponseOf<'list_calls'>['calls'];
type Status = ResponseOf<'list_sip_status'>['status'];
type View = { kind: 'loading' } | { kind: 'unsupported' } | { kind: 'error'; text: string } | { kind: 'ok'; calls: Calls; status: Status };

const since = (seconds: number) => new Date(seconds * 1000).toLocaleTimeString();

export function CallsView() {
  const [view, setView] = useState<View>({ kind: 'loading' });
  const load = async () => {
    const api = requireApi();
    try {
      const [calls, status] = await Promise.all([listCalls(api), sipStatus(api)]);
      setView({ kind: 'ok', calls: calls.calls, status: status.status });
    } catch (err) {
      setView(isUnsupported(err) ? { kind: 'unsupported' } : { kind: 'error', text: describeError(err) });
    }
  };
  useEffect(() => {
    void load();
    // Calls come and go by themselves: refresh while the page is open.
    const timer = setInterval(() => void load(), 5000);
    return () => clearInterval(timer);
  }, []);
  const end = async (call: string, loop: string) => {
    try {
      await hangup(requireApi(), call, loop);
      notify('ok', `Call on ${loop} hung up`);
    } catch (err) {
      notify('error', `Hang-up failed: ${describeError(err)}`);
    }
    await load();
  };
  return (
    <div class="card" data-testid="calls-view">
      <div class="card-head">
        <h2>Phone calls</h2>
        <button type="button" class="subtle" data-testid="calls-refresh" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      {view.kind === 'loading' ? <p class="muted">Loading…</p> : null}
      {view.kind === 'unsupported' ? <p class="muted">This server has no telephony events.</p> : null}
      {view.kind === 'error' ? <p class="form-error">{view.text}</p> : null}
      {view.kind === 'ok' ? (
        <>
          <p class="muted small" data-testid="sip-status">
            {view.status.connected
              ? `SIP gateway running (${view.status.transports.join(', ').toUpperCase()}), ${view.status.calls} of ${view.status.max_calls} calls, ${view.status.outbound ? 'calls out through the trunk' : 'no outbound trunk'}.`
              : 'No SIP gateway on this server (configuration block "sip").'}
          </p>
          {view.calls.length === 0 ? <p class="empty">No calls right now.</p> : null}
          {view.calls.length > 0 ? (
            <DataTable label="Calls" columns={['Loop', 'Peer', 'Since', '']} testid="calls-table">
              {view.calls.map((c) => (
                <tr key={c['call-id']} data-testid="call-row">
                  <td class="mono">{c.loop}</td>
                  <td class="mono">{c.peer}</td>
                  <td class="small">{since(c.since)}</td>
                  <td>
                    <ConfirmButton label="Hang up" confirm={`Hang up ${c.peer}?`} testid={`hangup-${c.loop}`} onConfirm={() => void end(c['call-id'], c.loop)} />
                  </td>
                </tr>
              ))}
            </DataTable>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
