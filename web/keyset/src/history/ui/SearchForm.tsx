// Loops, user and time range (UTC) of a search; quick ranges for the usual questions ("what was said in
// the last 15 minutes?").
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { History } from '../history.js';
import { fromUtcField, toUtcField } from '../timeline.js';

const QUICK: Array<{ label: string; ms: number }> = [
  { label: '15 min', ms: 15 * 60_000 },
  { label: '1 h', ms: 3_600_000 },
  { label: '24 h', ms: 86_400_000 },
];

export function SearchForm({ history }: { history: History }): JSX.Element {
  const loops = history.loops.value;
  const [chosen, setChosen] = useState<string[]>(() => loops.map((l) => l.id));
  const [user, setUser] = useState('');
  const [from, setFrom] = useState(() => toUtcField(Date.now() - 3_600_000));
  const [to, setTo] = useState(() => toUtcField(Date.now() + 60_000));

  const toggle = (id: string, on: boolean) => setChosen(on ? [...chosen.filter((c) => c !== id), id] : chosen.filter((c) => c !== id));
  const run = (fromField = from, toField = to) => {
    const fromMs = fromUtcField(fromField);
    const toMs = fromUtcField(toField);
    if (fromMs === undefined || toMs === undefined) {
      history.error.value = 'Enter a complete start and end time.';
      return;
    }
    // Keep the list's order, so lanes read the same as the checkboxes.
    void history.search({ loops: loops.map((l) => l.id).filter((id) => chosen.includes(id)), user: user.trim(), from: fromMs, to: toMs });
  };
  const quick = (ms: number) => {
    const now = Date.now();
    const [f, t] = [toUtcField(now - ms), toUtcField(now + 1000)];
    setFrom(f);
    setTo(t);
    run(f, t);
  };

  return (
    <form
      class="search panel"
      aria-label="Search recordings"
      onSubmit={(e) => {
        e.preventDefault();
        run();
      }}
    >
      <fieldset class="search-loops">
        <legend>Loops</legend>
        {loops.map((l) => (
          <label key={l.id} class="check">
            <input type="checkbox" name="loop" value={l.id} checked={chosen.includes(l.id)} onChange={(e) => toggle(l.id, e.currentTarget.checked)} />
            <span>{l.name}</span>
            {l.name !== l.id ? <span class="muted mono">{l.id}</span> : null}
          </label>
        ))}
      </fieldset>
      <div class="search-fields">
        <label>
          From (UTC)
          <input type="datetime-local" step={1} name="from" value={from} onInput={(e) => setFrom(e.currentTarget.value)} required />
        </label>
        <label>
          To (UTC)
          <input type="datetime-local" step={1} name="to" value={to} onInput={(e) => setTo(e.currentTarget.value)} required />
        </label>
        <label>
          User
          <input name="user" placeholder="anyone" list="history-users" value={user} onInput={(e) => setUser(e.currentTarget.value)} autoComplete="off" spellcheck={false} />
          <datalist id="history-users">
            {history.users.value.map((u) => (
              <option key={u} value={u} />
            ))}
          </datalist>
        </label>
      </div>
      <div class="search-actions">
        <span class="muted">Last</span>
        {QUICK.map((q) => (
          <button key={q.label} type="button" class="secondary small" onClick={() => quick(q.ms)} disabled={history.busy.value}>
            {q.label}
          </button>
        ))}
        <button type="submit" class="primary" disabled={history.busy.value || chosen.length === 0}>
          {history.busy.value ? 'Searching…' : 'Search'}
        </button>
      </div>
    </form>
  );
}
