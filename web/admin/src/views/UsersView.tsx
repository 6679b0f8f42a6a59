// Users of the selected scope: create, rename, set password (never shown again), delete.
import { useState } from 'preact/hooks';
import { ConfirmButton } from '../components/ConfirmButton.js';
import { Field } from '../components/Field.js';
import { formErrors, problems, type FormErrors } from '../components/form.js';
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
  const [errors, setErrors] = useState<FormErrors>({});
  const [busy, setBusy] = useState(false);
  const isNew = props.userId === null;

  const save = async (e: Event) => {
    e.preventDefault();
    const scope = current.value;
    if (!scope) return;
    const local = problems({
      id: isNew ? idProblem(id) : undefined,
      password: isNew || password !== '' ? passwordProblem(password, id) : undefined,
    });
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    try {
      await change(isNew ? `User ${id} created` : `User ${id} saved`, async (api) => {
        if (isNew) await api.create('user', id, scope);
        if (name.trim() !== '') await api.update('user', id, { name: name.trim() });
        else if (!isNew && existing?.name !== undefined) await api.deleteKey('user', id, 'name');
        if (password !== '') await api.setPassword(id, password);
      });
      // The password is write-only: clear it as soon as the server has it.
      setPassword('');
      props.onDone(id);
    } catch (err) {
      setErrors(formErrors(err, id, FIELDS));
    } finally {
      setBusy(false);
    }
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
      {errors._form ? <p class="form-error" role="alert">{errors._form}</p> : null}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy} data-testid="save-user">
          {isNew ? 'Create user' : 'Save'}
        </button>
        <button type="button" class="subtle" onClick={() => props.onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function UsersView() {
  const data = record.value;
  const [editing, setEditing] = useState<string | null | undefined>(undefined);
  if (!data) return null;
  const rolesOf = (user: string) => sortedIds(data.roles).filter((r) => Object.hasOwn(data.roles[r]?.users ?? {}, user));
  return (
    <div class="split">
      <div class="card list-card">
        <div class="card-head">
          <h2>Users</h2>
          <button type="button" class="primary" data-testid="new-user" onClick={() => setEditing(null)}>
            + New user
          </button>
        </div>
        <table class="table" data-testid="users-table">
          <thead>
            <tr>
              <th>Id</th>
              <th>Name</th>
              <th>Roles</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {sortedIds(data.users).map((id) => (
              <tr key={id} data-testid={`user-row-${id}`} class={editing === id ? 'selected' : ''}>
                <td class="mono">{id}</td>
                <td>{data.users[id]?.name ?? ''}</td>
                <td>{rolesOf(id).map((r) => <span class="chip" key={r}>{data.roles[r]?.name ?? r}</span>)}</td>
                <td class="row-actions">
                  <button type="button" class="subtle" onClick={() => setEditing(id)}>
                    Edit
                  </button>
                  <ConfirmButton label="Delete" confirm={`Delete ${id}?`} testid={`delete-user-${id}`} onConfirm={() => void change(`User ${id} deleted`, (api) => api.remove('user', id)).catch(() => undefined)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {Object.keys(data.users).length === 0 ? <p class="empty">No users yet.</p> : null}
      </div>
      {editing !== undefined ? <UserEditor key={editing ?? '+'} userId={editing} onDone={() => setEditing(undefined)} /> : null}
    </div>
  );
}
