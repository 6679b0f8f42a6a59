// Role selection after login (the admin role is filtered out by the controller).
import type { JSX } from 'preact';
import type { Keyset } from '../app/keyset.js';
import { ui } from '../app/state.js';

export function RolePicker({ keyset }: { keyset: Keyset }): JSX.Element {
  return (
    <main class="center-page">
      <section class="card role-picker" aria-labelledby="role-title">
        <h1 id="role-title">Choose your role</h1>
        <p class="muted">Logged in as {ui.user.value}</p>
        <div class="role-list">
          {ui.roles.value.map((r, i) => (
            <button key={r.id} class="role" data-role={r.id} autoFocus={i === 0} onClick={() => keyset.pickRole(r.id)}>
              <span class="role-name">{r.name}</span>
              <span class="muted">{r.id}</span>
            </button>
          ))}
          {ui.roles.value.length === 0 && <p class="error">This user has no keyset role.</p>}
        </div>
        <button class="ghost" onClick={() => void keyset.logout()}>
          Log out
        </button>
      </section>
    </main>
  );
}
