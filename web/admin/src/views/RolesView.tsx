// Roles of the selected scope: name, abbreviation, colour, the playback right and members.
import { useState } from 'preact/hooks';
import { ColorField, Field } from '../components/Field.js';
import { EntityList } from '../components/EntityList.js';
import { FormActions } from '../components/FormActions.js';
import { problems } from '../components/form.js';
import { useFormSubmit } from '../components/use-form-submit.js';
import { ADMIN_ROLE, rolesForDisplay, sortedIds } from '../logic/model.js';
import { abbreviationProblem, colorProblem, idProblem } from '../logic/validation.js';
import { change, current, record } from '../state/app.js';
import { saveKeys } from './entity-save.js';

const FIELDS = ['id', 'name', 'abbreviation', 'color', 'playback', 'users'] as const;

function RoleEditor(props: { roleId: string | null; onDone: () => void }) {
  const data = record.value;
  const existing = props.roleId ? data?.roles[props.roleId] : undefined;
  const isNew = props.roleId === null;
  const [id, setId] = useState(props.roleId ?? '');
  const [name, setName] = useState(existing?.name ?? '');
  const [abbreviation, setAbbreviation] = useState(existing?.abbreviation ?? '');
  const [color, setColor] = useState(existing?.color ?? '');
  const [playback, setPlayback] = useState(existing?.playback === true);
  const [members, setMembers] = useState<Set<string>>(new Set(Object.keys(existing?.users ?? {})));
  const { errors, busy, submit } = useFormSubmit(FIELDS);
  if (!data) return null;

  const toggle = (user: string) => {
    const next = new Set(members);
    if (next.has(user)) next.delete(user);
    else next.add(user);
    setMembers(next);
  };

  const save = async (e: Event) => {
    e.preventDefault();
    const scope = current.value;
    if (!scope) return;
    const local = problems({
      id: isNew ? (idProblem(id) ?? (id === ADMIN_ROLE ? 'the admin role is managed through admin rights' : undefined)) : undefined,
      abbreviation: abbreviationProblem(abbreviation),
      color: colorProblem(color),
    });
    await submit(local, id, async () => {
      await change(isNew ? `Role ${id} created` : `Role ${id} saved`, async (api) => {
        if (isNew) await api.create('role', id, scope);
        const users = Object.fromEntries([...members].sort().map((u) => [u, null]));
        await saveKeys(api, 'role', id, existing, { name: name.trim(), abbreviation: abbreviation.trim(), color, playback: playback || undefined, users });
      });
      props.onDone();
    });
  };

  return (
    <form class="editor card" onSubmit={(e) => void save(e)} data-testid="role-editor">
      <h2>{isNew ? 'New role' : `Edit ${props.roleId}`}</h2>
      <Field label="Role id" name="id" value={id} onInput={setId} error={errors.id} disabled={!isNew} />
      <Field label="Name" name="name" value={name} onInput={setName} error={errors.name} placeholder="e.g. Flight Director" />
      <div class="field-row">
        <Field label="Abbreviation" name="abbreviation" value={abbreviation} onInput={setAbbreviation} error={errors.abbreviation} placeholder="e.g. FD" />
        <ColorField label="Colour" name="color" value={color} onInput={setColor} error={errors.color} />
      </div>
      <label class="check">
        <input type="checkbox" name="playback" data-testid="role-playback" checked={playback} onChange={(e) => setPlayback(e.currentTarget.checked)} /> Playback
        <span class="field-hint">members may search and play the recordings of the loops this role may monitor</span>
      </label>
      <fieldset class="members" data-testid="role-members">
        <legend>Members</legend>
        {sortedIds(data.users).map((u) => (
          <label key={u} class="check">
            <input type="checkbox" data-testid={`member-${u}`} checked={members.has(u)} onChange={() => toggle(u)} />
            <span>{data.users[u]?.name ?? u}</span> <span class="muted mono">{u}</span>
          </label>
        ))}
        {Object.keys(data.users).length === 0 ? <p class="muted">This scope has no users yet.</p> : null}
        {errors.users ? <span class="field-error" role="alert">{errors.users}</span> : null}
      </fieldset>
      <FormActions kind="role" isNew={isNew} busy={busy} error={errors._form} onCancel={props.onDone} />
    </form>
  );
}

export function RolesView() {
  const data = record.value;
  const [editing, setEditing] = useState<string | null | undefined>(undefined);
  if (!data) return null;
  return (
    <EntityList
      kind="role"
      ids={rolesForDisplay(data.roles)}
      columns={['Role', 'Name', 'Members']}
      editing={editing}
      onEdit={setEditing}
      editor={<RoleEditor key={editing ?? '+'} roleId={editing ?? null} onDone={() => setEditing(undefined)} />}
      cells={(id) => {
        const role = data.roles[id];
        return (
          <>
            <td>
              {role?.color ? <span class="swatch" style={{ background: role.color }} /> : null}
              <span class="mono">{id}</span>
            </td>
            <td>
              {role?.name ?? ''} {role?.abbreviation ? <span class="chip">{role.abbreviation}</span> : null}
              {role?.playback === true ? (
                <span class="chip" data-testid={`role-playback-${id}`}>
                  playback
                </span>
              ) : null}
              {id === ADMIN_ROLE ? <span class="muted">administrators of this scope</span> : null}
            </td>
            <td>{Object.keys(role?.users ?? {}).sort().join(', ')}</td>
          </>
        );
      }}
    />
  );
}
