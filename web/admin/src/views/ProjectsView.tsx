// Projects (missions) of the selected domain: create, rename, delete. Domain admins only.
import { useState } from 'preact/hooks';
import { ConfirmButton } from '../components/ConfirmButton.js';
import { Field } from '../components/Field.js';
import { formErrors, problems, type FormErrors } from '../components/form.js';
import { idProblem } from '../logic/validation.js';
import { change, current, projects, refreshScopes, selectScope } from '../state/app.js';

function RenameCell(props: { id: string; name: string }) {
  const [name, setName] = useState(props.name);
  const [error, setError] = useState('');
  const dirty = name.trim() !== props.name;
  const save = async () => {
    try {
      await change(`Project ${props.id} renamed`, (api) => api.update('project', props.id, { name: name.trim() }));
      setError('');
      await refreshScopes();
    } catch (err) {
      const found = formErrors(err, props.id, ['name']);
      setError(found.name ?? found._form ?? '');
    }
  };
  return (
    <form class="inline-form" onSubmit={(e) => (e.preventDefault(), void save())}>
      <input aria-label={`Name of ${props.id}`} data-testid={`rename-${props.id}`} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      {dirty ? <button type="submit" class="subtle">Rename</button> : null}
      {error ? <span class="field-error" role="alert">{error}</span> : null}
    </form>
  );
}

export function ProjectsView() {
  const domain = current.value?.id ?? '';
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<FormErrors>({});
  const mine = projects.value.filter((p) => p.domain === domain);

  const create = async (e: Event) => {
    e.preventDefault();
    const local = problems({ id: idProblem(id) });
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    try {
      await change(`Project ${id} created`, async (api) => {
        await api.create('project', id, { type: 'domain', id: domain });
        if (name.trim() !== '') await api.update('project', id, { name: name.trim() });
      });
      setId('');
      setName('');
      await refreshScopes();
    } catch (err) {
      setErrors(formErrors(err, id, ['id', 'name']));
    }
  };

  return (
    <div class="split">
      <div class="card list-card">
        <div class="card-head">
          <h2>Projects in {domain}</h2>
        </div>
        <table class="table" data-testid="projects-table">
          <thead>
            <tr>
              <th>Project id</th>
              <th>Name</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {mine.map((p) => (
              <tr key={p.id} data-testid={`project-row-${p.id}`}>
                <td class="mono">
                  <button type="button" class="link" onClick={() => void selectScope({ type: 'project', id: p.id })}>
                    {p.id}
                  </button>
                </td>
                <td>
                  <RenameCell key={`${p.id}:${p.name ?? ''}`} id={p.id} name={p.name ?? ''} />
                </td>
                <td class="row-actions">
                  <ConfirmButton
                    label="Delete"
                    confirm={`Delete ${p.id} and everything in it?`}
                    testid={`delete-project-${p.id}`}
                    onConfirm={() => void change(`Project ${p.id} deleted`, (api) => api.remove('project', p.id)).then(refreshScopes, () => undefined)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {mine.length === 0 ? <p class="empty">No projects yet.</p> : null}
      </div>
      <form class="editor card" onSubmit={(e) => void create(e)} data-testid="project-editor">
        <h2>New project</h2>
        <Field label="Project id" name="id" value={id} onInput={setId} error={errors.id} placeholder={`e.g. apollo@${domain}`} />
        <Field label="Name" name="name" value={name} onInput={setName} error={errors.name} placeholder="e.g. Apollo" />
        {errors._form ? <p class="form-error" role="alert">{errors._form}</p> : null}
        <div class="actions">
          <button type="submit" class="primary" data-testid="create-project">
            Create project
          </button>
        </div>
      </form>
    </div>
  );
}
