// The talks as a table: readable on a phone and by a screen reader; each talk plays in the mix or
// downloads alone (its own signed Ogg Opus link).
import type { JSX } from 'preact';
import type { History } from '../history.js';
import { duration, stamp } from '../timeline.js';

export function TalkList({ history, onPick }: { history: History; onPick: (ms: number) => void }): JSX.Element | null {
  const talks = [...history.talks.value].sort((a, b) => a.start - b.start);
  if (talks.length === 0) return null;
  const names = new Map(history.loops.value.map((l) => [l.id, l.name]));
  return (
    <section class="talks panel" aria-label="Talks">
      <h2>Talks</h2>
      <div class="table-scroll" tabIndex={0} aria-label="Talks table">
        <table>
          <thead>
            <tr>
              <th scope="col">Start (UTC)</th>
              <th scope="col">Loop</th>
              <th scope="col">User</th>
              <th scope="col">Role</th>
              <th scope="col">Length</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {talks.map((t) => (
              <tr key={t.id} data-talk={t.id}>
                <td class="mono">{stamp(t.start)}</td>
                <td>{names.get(t.loop) ?? t.loop}</td>
                <td>
                  {t.user}
                  {t.pseudonymised ? <span class="muted"> (erased)</span> : null}
                </td>
                <td>{t.role}</td>
                <td>{duration(t.end - t.start)}</td>
                <td class="talk-actions">
                  <button type="button" class="secondary small" onClick={() => onPick(t.start)}>
                    Play
                  </button>
                  <a class="ghost small" href={t.uri} download={`loopcast-${t.loop}-${t.id}.opus`}>
                    Download
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
