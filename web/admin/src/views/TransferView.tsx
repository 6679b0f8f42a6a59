// Import and export of the selected project or domain as JSON. Export = the scope's `get` record
// (no secrets); import = validate the whole file, show every problem, and only then create and update
// the entities through the admin API, one request at a time, stopping at the first refusal.
import { useState } from 'preact/hooks';
import { describeError } from '../logic/errors.js';
import type { ScopeRecord, ScopeRef } from '../logic/model.js';
import { exportDocument, exportFileName } from '../logic/transfer-export.js';
import { planImport, readExport, type AdminRequest, type ImportPlan } from '../logic/transfer-import.js';
import { current, domains, loadAllScopes, notify, projects, record, refreshScopes, requireApi } from '../state/app.js';

interface Prepared {
  plans: Array<{ target: ScopeRef; plan: ImportPlan }>;
}

async function prepare(text: string, here: ScopeRef, hereRecord: ScopeRecord): Promise<Prepared | string[]> {
  const { doc, errors } = readExport(text);
  if (!doc) return errors;
  const all = await loadAllScopes();
  const api = requireApi();
  const domain = here.type === 'domain' ? here.id : (hereRecord.domain ?? '');
  const parts: Array<{ target: ScopeRef; data: ScopeRecord; at: string }> = [];
  // A project file goes into the selected project, or as a new project into the selected domain;
  // a domain file goes into the selected domain with its projects.
  if (doc.type === 'project') parts.push({ target: here.type === 'project' ? here : { type: 'project', id: doc.id }, data: doc.data, at: '$.data' });
  else if (here.type !== 'domain') return ['a domain export can only be imported into a domain: select the domain first'];
  else {
    parts.push({ target: here, data: doc.data, at: '$.data' });
    (doc.projects ?? []).forEach((p, i) => parts.push({ target: { type: 'project', id: p.id }, data: p, at: `$.projects[${i}]` }));
  }
  const plans: Prepared['plans'] = [];
  for (const part of parts) {
    const existing = all.find((s) => s.id === part.target.id && (part.target.type === 'domain' ? s.domain === undefined : s.domain !== undefined));
    const otherLoops = all.filter((s) => s !== existing).flatMap((s) => Object.values(s.loops).map((l) => ({ id: l.id, multicast: l.multicast })));
    // Ids are unique per kind across the whole directory, including scopes this admin cannot read.
    const taken = new Set<string>();
    for (const kind of ['user', 'role', 'loop'] as const) {
      const key = `${kind}s` as const;
      for (const id of Object.keys(part.data[key] ?? {})) {
        if (existing && Object.hasOwn(existing[key], id)) continue;
        if (await api.idExists(id, kind)) taken.add(`${kind}:${id}`);
      }
    }
    const plan = planImport(part.data, { target: part.target, existing, domain, otherLoops, takenElsewhere: (k, id) => taken.has(`${k}:${id}`) }, part.at);
    plans.push({ target: part.target, plan });
  }
  return { plans };
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function TransferView() {
  const scope = current.value;
  const data = record.value;
  const [text, setText] = useState('');
  const [result, setResult] = useState<Prepared | string[] | null>(null);
  const [progress, setProgress] = useState('');
  if (!scope || !data) return null;

  const doExport = async () => {
    const subprojects = scope.type === 'domain' ? await Promise.all(projects.value.filter((p) => p.domain === scope.id).map((p) => requireApi().getScope({ type: 'project', id: p.id }))) : undefined;
    const doc = exportDocument(scope.type, data, subprojects);
    const json = JSON.stringify(doc, null, 2);
    setText(json);
    download(exportFileName(doc), json);
  };
  const check = async () => setResult(await prepare(text, scope, data).catch((err: unknown) => [describeError(err)]));
  const apply = async (prepared: Prepared) => {
    const requests: AdminRequest[] = prepared.plans.flatMap((p) => p.plan.requests);
    for (const [i, r] of requests.entries()) {
      setProgress(`${i + 1} / ${requests.length}: ${r.event} ${JSON.stringify(r.parameter).slice(0, 80)}`);
      try {
        await requireApi().send(r.event, r.parameter);
      } catch (err) {
        setProgress(`Stopped at ${r.event} ${JSON.stringify(r.parameter).slice(0, 120)}: ${describeError(err)}. Earlier steps were applied.`);
        notify('error', `Import stopped: ${describeError(err)}`);
        await refreshScopes();
        return;
      }
    }
    setProgress(`Imported: ${requests.length} changes applied.`);
    notify('ok', 'Import applied');
    setResult(null);
    await refreshScopes();
    await loadAllScopes();
  };
  const errors = Array.isArray(result) ? result : (result?.plans.flatMap((p) => p.plan.errors) ?? []);
  const warnings = result && !Array.isArray(result) ? result.plans.flatMap((p) => p.plan.warnings) : [];
  const requestCount = result && !Array.isArray(result) ? result.plans.reduce((n, p) => n + p.plan.requests.length, 0) : 0;

  return (
    <div class="split">
      <div class="card">
        <h2>Export</h2>
        <p class="muted">
          Downloads {scope.type === 'domain' ? 'this domain with its projects' : 'this project'} as JSON: users, roles, members, loops, permissions and layouts. Passwords are never exported.
        </p>
        <button type="button" class="primary" data-testid="export" onClick={() => void doExport().catch((err: unknown) => notify('error', describeError(err)))}>
          Export {scope.id}
        </button>
      </div>
      <div class="card">
        <h2>Import</h2>
        <p class="muted">
          Load an export file (or paste it). It is checked completely before anything changes; existing entities with the same id are updated{domains.value.length > 0 ? ', a project file selected on a domain creates the project' : ''}.
        </p>
        <input type="file" aria-label="Export file to import" accept="application/json,.json" data-testid="import-file" onChange={(e) => void e.currentTarget.files?.[0]?.text().then((t) => (setText(t), setResult(null)))} />
        <textarea class="json" data-testid="import-text" aria-label="Export to import (JSON)" rows={10} value={text} onInput={(e) => (setText(e.currentTarget.value), setResult(null))} placeholder="{ &quot;format&quot;: &quot;loopcast-admin-export&quot;, … }" />
        <div class="actions">
          <button type="button" class="subtle" data-testid="import-check" disabled={text.trim() === ''} onClick={() => void check()}>
            Check
          </button>
          <button type="button" class="primary" data-testid="import-apply" disabled={!result || Array.isArray(result) || errors.length > 0} onClick={() => result && !Array.isArray(result) && void apply(result)}>
            Apply {requestCount > 0 ? `${requestCount} changes` : ''}
          </button>
        </div>
        {errors.length > 0 ? (
          <ul class="form-error list" role="alert" data-testid="import-errors">
            {errors.map((e) => <li key={e}>{e}</li>)}
          </ul>
        ) : null}
        {warnings.length > 0 ? <ul class="warn list">{warnings.map((w) => <li key={w}>{w}</li>)}</ul> : null}
        {result && !Array.isArray(result) && errors.length === 0 ? <p class="ok-text" data-testid="import-ok">Valid: {requestCount} changes will be applied.</p> : null}
        {progress ? <p class="muted" data-testid="import-progress">{progress}</p> : null}
      </div>
    </div>
  );
}
