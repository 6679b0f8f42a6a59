// Loops of the selected scope: name, abbreviation, highlight colour and multicast group:port
// (allocated automatically when left empty; conflicts with other loops are refused before saving);
// an existing loop's telephony (number, call-out roles, call permissions) below its editor.
import { useState } from 'preact/hooks';
import { ColorField, Field } from '../components/Field.js';
import { EntityList } from '../components/EntityList.js';
import { FormActions } from '../components/FormActions.js';
import { problems } from '../components/form.js';
import { useFormSubmit } from '../components/use-form-submit.js';
import { permissionOf, PERMISSION_LABEL } from '../logic/matrix.js';
import { sortedIds, type Multicast } from '../logic/model.js';
import { loopSipOf } from '../logic/telephony.js';
import { allocateMulticast, conflictingLoop, DEFAULT_GROUP, formatMulticast, parseMulticast, type KnownLoop } from '../logic/multicast.js';
import { abbreviationProblem, colorProblem, idProblem } from '../logic/validation.js';
import { change, current, loadAllScopes, record, requireApi } from '../state/app.js';
import { saveKeys } from './entity-save.js';
import { LoopTelephony } from './LoopTelephony.js';

const FIELDS = ['id', 'name', 'abbreviation', 'color', 'multicast'] as const;

/** Every loop this admin can see, in every scope it administers (fresh from the server). */
async function knownLoops(): Promise<KnownLoop[]> {
  const scopes = await loadAllScopes();
  return scopes.flatMap((s) => Object.values(s.loops).map((l) => ({ id: l.id, multicast: l.multicast })));
}

function LoopEditor(props: { loopId: string | null; onDone: () => void }) {
  const data = record.value;
  const existing = props.loopId ? data?.loops[props.loopId] : undefined;
  const isNew = props.loopId === null;
  const [id, setId] = useState(props.loopId ?? '');
  const [name, setName] = useState(existing?.name ?? '');
  const [abbreviation, setAbbreviation] = useState(existing?.abbreviation ?? '');
  const [color, setColor] = useState(existing?.color ?? '');
  const [multicast, setMulticast] = useState(formatMulticast(existing?.multicast));
  const [recorded, setRecorded] = useState(existing?.recorded === true);
  const { errors, setErrors, busy, submit } = useFormSubmit(FIELDS);

  const save = async (e: Event) => {
    e.preventDefault();
    const scope = current.value;
    if (!scope) return;
    const parsed = parseMulticast(multicast);
    const local = problems({
      id: isNew ? idProblem(id) : undefined,
      abbreviation: abbreviationProblem(abbreviation),
      color: colorProblem(color),
      multicast: parsed.ok ? undefined : parsed.problem,
    });
    await submit(local, id, async () => {
      if (!parsed.ok) return; // a problem in `local` already
      const loops = await knownLoops();
      let address: Multicast;
      if (parsed.value) {
        const other = conflictingLoop(parsed.value, loops, id);
        if (other) {
          setErrors({ multicast: `${formatMulticast(parsed.value)} is already used by loop ${other}: two loops on one address would hear each other` });
          return;
        }
        address = parsed.value;
      } else {
        address = allocateMulticast(await requireApi().highestPort(), loops.filter((l) => l.id !== id));
      }
      await change(isNew ? `Loop ${id} created on ${formatMulticast(address)}` : `Loop ${id} saved`, async (api) => {
        if (isNew) await api.create('loop', id, scope);
        await saveKeys(api, 'loop', id, existing, { name: name.trim(), abbreviation: abbreviation.trim(), color, multicast: address, recorded: recorded || undefined });
      });
      props.onDone();
    });
  };

  return (
    <form class="editor card" onSubmit={(e) => void save(e)} data-testid="loop-editor">
      <h2>{isNew ? 'New loop' : `Edit ${props.loopId}`}</h2>
      <Field label="Loop id" name="id" value={id} onInput={setId} error={errors.id} disabled={!isNew} />
      <Field label="Name" name="name" value={name} onInput={setName} error={errors.name} placeholder="e.g. FD LOOP" />
      <div class="field-row">
        <Field label="Abbreviation" name="abbreviation" value={abbreviation} onInput={setAbbreviation} error={errors.abbreviation} />
        <ColorField label="Highlight colour" name="color" value={color} onInput={setColor} error={errors.color} />
      </div>
      <Field
        label="Multicast group:port"
        name="multicast"
        value={multicast}
        onInput={setMulticast}
        error={errors.multicast}
        placeholder="automatic"
        hint={`Leave empty to allocate the next free port in ${DEFAULT_GROUP}.`}
      />
      <label class="check">
        <input type="checkbox" name="recorded" data-testid="loop-recorded" checked={recorded} onChange={(e) => setRecorded(e.currentTarget.checked)} /> Recorded
        <span class="field-hint">every talk is kept for the record (retention and holds: Recording)</span>
      </label>
      <FormActions kind="loop" isNew={isNew} busy={busy} error={errors._form} onCancel={props.onDone} />
    </form>
  );
}

export function LoopsView() {
  const data = record.value;
  const [editing, setEditing] = useState<string | null | undefined>(undefined);
  if (!data) return null;
  const roles = sortedIds(data.roles);
  return (
    <EntityList
      kind="loop"
      ids={sortedIds(data.loops).filter((id) => data.loops[id] !== undefined)}
      columns={['Loop', 'Name', 'Multicast', 'Phone', 'Roles']}
      editing={editing}
      onEdit={setEditing}
      editor={
        <div class="editor">
          <LoopEditor key={editing ?? '+'} loopId={editing ?? null} onDone={() => setEditing(undefined)} />
          {editing ? <LoopTelephony key={`tel-${editing}`} loopId={editing} /> : null}
        </div>
      }
      cells={(id) => {
        const loop = data.loops[id];
        if (!loop) return null;
        return (
          <>
            <td>
              {loop.color ? <span class="swatch" style={{ background: loop.color }} /> : null}
              <span class="mono">{id}</span>
            </td>
            <td>
              {loop.name ?? ''} {loop.abbreviation ? <span class="chip">{loop.abbreviation}</span> : null}
              {loop.recorded === true ? <span class="chip" data-testid={`loop-rec-${id}`}>REC</span> : null}
            </td>
            <td class="mono" data-testid={`loop-multicast-${id}`}>{formatMulticast(loop.multicast) || <span class="muted">none</span>}</td>
            <td class="mono" data-testid={`loop-number-${id}`}>{loopSipOf(loop).number ?? <span class="muted">none</span>}</td>
            <td>
              {roles
                .filter((r) => permissionOf(loop, r) !== 'none')
                .map((r) => (
                  <span class={`chip perm-${permissionOf(loop, r)}`} key={r}>
                    {r}: {PERMISSION_LABEL[permissionOf(loop, r)]}
                  </span>
                ))}
            </td>
          </>
        );
      }}
    />
  );
}
