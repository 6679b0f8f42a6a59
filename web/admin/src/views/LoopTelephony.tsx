// Telephony of one loop (docs/telephony.md): the number phones dial, the roles that may call out, and
// the call permissions (openvocs permit_call / revoke_call: a caller may call in, or the loop's talkers
// may call a callee, within a time window). Shown under the loop editor of an existing loop.
import { useState } from 'preact/hooks';
import { Field } from '../components/Field.js';
import { problems } from '../components/form.js';
import { useFormSubmit } from '../components/use-form-submit.js';
import { permitCall, revokeCall } from '../api/telephony-api.js';
import { sortedIds } from '../logic/model.js';
import { epochOfLocal, formatEpoch, isActive, loopSipOf, partyProblem, withNumber, type CallPermission } from '../logic/telephony.js';
import { change, record } from '../state/app.js';
import { DataTable } from '../components/DataTable.js';

const NUMBER_FIELDS = ['sip.number', 'sip.callout'] as const;
const PERMIT_FIELDS = ['caller', 'callee', 'valid_from', 'valid_until'] as const;

function NumberForm(props: { loopId: string }) {
  const data = record.value;
  const loop = data?.loops[props.loopId];
  const sip = loopSipOf(loop);
  const [number, setNumber] = useState(sip.number ?? '');
  const [callout, setCallout] = useState<string[]>(sip.callout ?? []);
  const { errors, busy, submit } = useFormSubmit(NUMBER_FIELDS);
  if (!data) return null;
  const save = async (e: Event) => {
    e.preventDefault();
    const local = problems({ 'sip.number': number.trim() ? partyProblem(number) : undefined });
    await submit(local, props.loopId, async () => {
      // Re-read the loop's sip object at save time: call permissions may have changed meanwhile.
      const next = withNumber(loopSipOf(record.value?.loops[props.loopId]), number, callout);
      await change(`Telephony of loop ${props.loopId} saved`, (api) => api.updateKey('loop', props.loopId, 'sip', next));
    });
  };
  const toggle = (role: string, on: boolean) => setCallout(on ? [...callout, role].sort() : callout.filter((r) => r !== role));
  return (
    <form class="editor card" onSubmit={(e) => void save(e)} data-testid="loop-telephony">
      <h2>Telephony</h2>
      <Field label="Phone number" name="sip.number" value={number} onInput={setNumber} error={errors['sip.number']} placeholder="none" hint="What phones dial to reach this loop; empty: not reachable by phone." />
      <fieldset class="field">
        <legend class="field-label">Roles that may call out of this loop</legend>
        {sortedIds(data.roles).map((role) => (
          <label key={role} class="check">
            <input type="checkbox" data-testid={`callout-${role}`} checked={callout.includes(role)} onChange={(e) => toggle(role, e.currentTarget.checked)} /> {role}
          </label>
        ))}
        <span class="field-hint">They also need talk permission on the loop. Other talkers may call only numbers permitted below.</span>
      </fieldset>
      {errors._form ? <p class="form-error">{errors._form}</p> : null}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy} data-testid="telephony-save">
          Save telephony
        </button>
      </div>
    </form>
  );
}

function PermissionForm(props: { loopId: string }) {
  const [direction, setDirection] = useState<'caller' | 'callee'>('caller');
  const [party, setParty] = useState('');
  const [from, setFrom] = useState('');
  const [until, setUntil] = useState('');
  const { errors, busy, submit } = useFormSubmit(PERMIT_FIELDS);
  const add = async (e: Event) => {
    e.preventDefault();
    const permission: CallPermission = { [direction]: party.trim(), loop: props.loopId, valid_from: epochOfLocal(from), valid_until: epochOfLocal(until) };
    const local = problems({ [direction]: partyProblem(party), valid_until: permission.valid_until !== 0 && permission.valid_until <= permission.valid_from ? 'must be after the start' : undefined });
    await submit(local, undefined, async () => {
      await change(`Call permission for ${party.trim()} on ${props.loopId} added`, (api) => permitCall(api, permission));
      setParty('');
    });
  };
  return (
    <form class="editor" onSubmit={(e) => void add(e)} data-testid="permit-form">
      <label>
        <span class="field-label">Who</span>
        <select value={direction} data-testid="permit-direction" onChange={(e) => setDirection(e.currentTarget.value as 'caller' | 'callee')}>
          <option value="caller">may call in (caller id or account)</option>
          <option value="callee">may be called (number)</option>
        </select>
      </label>
      <Field label="Number" name="permit-party" value={party} onInput={setParty} error={errors[direction]} />
      <label>
        <span class="field-label">From</span>
        <input type="datetime-local" aria-label="Valid from" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
      </label>
      <label>
        <span class="field-label">Until</span>
        <input type="datetime-local" aria-label="Valid until" value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
        {errors.valid_until ? <span class="field-error" role="alert">{errors.valid_until}</span> : null}
      </label>
      <button type="submit" class="primary" disabled={busy || !party.trim()} data-testid="permit-add">
        Permit
      </button>
      {errors._form ? <p class="form-error">{errors._form}</p> : null}
    </form>
  );
}

function Permissions(props: { loopId: string }) {
  const list = loopSipOf(record.value?.loops[props.loopId]).whitelist ?? [];
  const now = Math.floor(Date.now() / 1000);
  const revoke = (p: CallPermission) => change(`Call permission for ${p.caller ?? p.callee ?? ''} on ${props.loopId} revoked`, (api) => revokeCall(api, p)).catch(() => undefined);
  return (
    <div class="editor card" data-testid="call-permissions">
      <h2>Call permissions</h2>
      {list.length === 0 ? <p class="empty">No call permissions: only the accounts and caller ids of the server's configuration reach this loop, with their roles' rights.</p> : null}
      {list.length > 0 ? (
        <DataTable label="Call permissions" columns={['Caller', 'Callee', 'From', 'Until', 'Now', '']}>
          {list.map((p, i) => (
            <tr key={`${p.caller ?? ''}|${p.callee ?? ''}|${p.valid_from}|${p.valid_until}|${i}`} data-testid="call-permission">
              <td class="mono">{p.caller ?? ''}</td>
              <td class="mono">{p.callee ?? ''}</td>
              <td class="small">{formatEpoch(p.valid_from, 'always')}</td>
              <td class="small">{formatEpoch(p.valid_until, 'open')}</td>
              <td>{isActive(p, now) ? <span class="chip perm-send">active</span> : <span class="chip">inactive</span>}</td>
              <td>
                <button type="button" class="subtle" data-testid="permit-revoke" onClick={() => void revoke(p)}>
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      <PermissionForm loopId={props.loopId} />
    </div>
  );
}

export function LoopTelephony(props: { loopId: string }) {
  return (
    <>
      <NumberForm key={props.loopId} loopId={props.loopId} />
      <Permissions loopId={props.loopId} />
    </>
  );
}
