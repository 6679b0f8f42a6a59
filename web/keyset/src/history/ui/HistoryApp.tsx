// The history page: login, the playback role when there are several, then search, timeline, player and list.
import type { JSX } from 'preact';
import { useRef } from 'preact/hooks';
import { LoginForm } from '../../ui/LoginForm.js';
import type { History } from '../history.js';
import { Player } from './Player.js';
import { SearchForm } from './SearchForm.js';
import { TalkList } from './TalkList.js';
import { Timeline } from './Timeline.js';
import type { PlayerControl } from './player-control.js';

function Login({ history }: { history: History }): JSX.Element {
  return <LoginForm subtitle="Recordings history" busy={history.busy.value} error={history.error.value} onLogin={(user, password) => void history.login(user, password)} />;
}

function RolePick({ history }: { history: History }): JSX.Element {
  return (
    <main class="center-page">
      <section class="card role-picker" aria-labelledby="role-title">
        <h1 id="role-title">Play back as</h1>
        <p class="muted">Roles of {history.user.value} with the playback right</p>
        <div class="role-list">
          {history.roles.value.map((r, i) => (
            <button key={r.id} class="role" data-role={r.id} autoFocus={i === 0} onClick={() => void history.pickRole(r.id)}>
              <span class="role-name">{r.name}</span>
              <span class="muted">{r.id}</span>
            </button>
          ))}
        </div>
        <p class="error" role="alert">
          {history.error.value}
        </p>
      </section>
    </main>
  );
}

function Workspace({ history }: { history: History }): JSX.Element {
  const player = useRef<PlayerControl | null>(null);
  const searched = history.searched.value;
  return (
    <div class="history">
      <header class="history-bar">
        <div class="history-brand">
          <img src="/icon.svg" alt="" width={28} height={28} />
          <h1>Recordings</h1>
        </div>
        <div class="history-who">
          <span>
            {history.user.value}
            {history.role.value ? <span class="muted"> · {history.role.value}</span> : null}
          </span>
          <a class="ghost small" href="/">
            Keyset
          </a>
          <button class="ghost small" type="button" onClick={() => void history.logout()}>
            Log out
          </button>
        </div>
      </header>
      <main class="history-main">
        <SearchForm history={history} />
        <p class="error" role="alert" aria-live="assertive" data-testid="history-error">
          {history.error.value}
        </p>
        {history.note.value ? (
          <p class="history-note" role="status" data-testid="history-note">
            {history.note.value}
          </p>
        ) : null}
        {searched ? (
          <>
            <Player history={history} control={player} />
            <Timeline history={history} search={searched} onPick={(ms) => player.current?.seek(ms)} />
            <TalkList history={history} onPick={(ms) => player.current?.seek(ms)} />
          </>
        ) : null}
      </main>
    </div>
  );
}

export function HistoryApp({ history }: { history: History }): JSX.Element {
  switch (history.phase.value) {
    case 'login':
      return <Login history={history} />;
    case 'role':
      return <RolePick history={history} />;
    case 'search':
      return <Workspace history={history} />;
  }
}
