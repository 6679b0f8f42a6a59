// Users of the selected scope: create, rename, set password (never shown again), delete.
import { useState } from 'preact/hooks';
import { EntityList } from '../components/EntityList.js';
import { FormActions } from '../components/FormActions.js';
import { Field } from '../components/Field.js';
import { problems } from '../components/form.js';
import { useFormSubmit } from '../components/use-form-submit.js';
import { sortedIds } from '../logic/model.js';
import { idProblem, MIN_PASSWORD_LENGTH, passwordProblem } from '../logic/validation.js';
import { change, current, record } from '../state/app.js';

const FIELDS = ['id', 'name', 'password'] as const;

function UserEditor(props: { userId: string | null; onDone: (id: string | null) => void }) {
  const data = record.value;
  const existing = props.userId ? data?.users[props.userId] : undefined;
  const [id, setId] = useState(props.userId ?? '');
  const [name, setName] = useState(existing?.name ?? '');
  const [password, setPassword] = useState('');
  const { errors, busy, submit } = useFormSubmit(FIELDS);
  const isNew = props.userId === null;

  const save = async (e: Event) => {
    e.preventDefault();
    const scope = current.value;
    if (!scope) return;
    const local = problems({
      id: isNew ? idProblem(id) : undefined,
      password: isNew || password !== '' ? passwordProblem(password, id) : undefined,
    });
    await submit(local, id, async () => {
      await change(isNew ? `User ${id} created` : `User ${id} saved`, async (api) => {
        if (isNew) await api.create('user', id, scope);
        if (name.trim() !== '') await api.update('user', id, { name: name.trim() });
        else if (!isNew && existing?.name !== undefined) await api.deleteKey('user', id, 'name');
        if (password !== '') await api.setPassword(id, password);
      });
      // The password is write-only: clear it as soon as the server has it.
      setPassword('');
      props.onDone(id);
    });
  };

  return (
    <form class="editor card" onSubmit={(e) => void save(e)} data-testid="user-editor">
      <h2>{isNew ? 'New user' : `Edit ${props.userId}`}</h2>
      <Field label="User id (login name)" name="id" value={id} onInput={setId} error={errors.id} disabled={!isNew} />
      <Field label="Display name" name="name" value={name} onInput={setName} error={errors.name} />
      <Field
        label={isNew ? 'Password' : 'New password'}
        name="password"
        type="password"
        autoComplete="new-password"
        value={password}
        onInput={setPassword}
        error={errors.password}
        placeholder={isNew ? '' : 'unchanged'}
        hint={`At least ${MIN_PASSWORD_LENGTH} characters. It is stored hashed and never shown again.`}
      />
      <FormActions kind="user" isNew={isNew} busy={busy} error={errors._form} onCancel={() => props.onDone(null)} />
    </form>
  );
}

export function UsersView() {
  const data = record.value;
  const [editing, setEditing] = useState<string | null | undefined>(undefined);
  if (!data) return null;
  const rolesOf = (user: string) => sortedIds(data.roles).filter((r) => Object.hasOwn(data.roles[r]?.users ?? {}, user));
  return (
    <EntityList
      kind="user"
      ids={sortedIds(data.users)}
      columns={['Id', 'Name', 'Roles']}
      editing={editing}
      onEdit={setEditing}
      editor={<UserEditor key={editing ?? '+'} userId={editing ?? null} onDone={() => setEditing(undefined)} />}
      cells={(id) => (
        <>
          <td class="mono">{id}</td>
          <td>{data.users[id]?.name ?? ''}</td>
          <td>{rolesOf(id).map((r) => <span class="chip" key={r}>{data.roles[r]?.name ?? r}</span>)}</td>
        </>
      )}
    />
  );
}
