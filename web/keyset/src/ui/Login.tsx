// Login form: Enter submits (a real <form>), errors announced to screen readers.
import type { JSX } from 'preact';
import { useRef } from 'preact/hooks';
import type { Keyset } from '../app/keyset.js';
import { ui } from '../app/state.js';

export function Login({ keyset }: { keyset: Keyset }): JSX.Element {
  const user = useRef<HTMLInputElement>(null);
  const password = useRef<HTMLInputElement>(null);
  const submit = (e: Event) => {
    e.preventDefault();
    keyset.login(user.current?.value.trim() ?? '', password.current?.value ?? '');
  };
  return (
    <main class="center-page">
      <form class="card login" onSubmit={submit} aria-labelledby="login-title">
        <div class="brand-large">
          <img src="/icon.svg" alt="" width={44} height={44} />
          <div>
            <h1 id="login-title">Loopcast</h1>
            <p class="muted">Voice loop keyset</p>
          </div>
        </div>
        <label>
          User
          <input ref={user} name="user" autoComplete="username" autoFocus required disabled={ui.loginBusy.value} />
        </label>
        <label>
          Password
          <input ref={password} name="password" type="password" autoComplete="current-password" required disabled={ui.loginBusy.value} />
        </label>
        <p class="error" role="alert" aria-live="assertive">
          {ui.loginError.value}
        </p>
        <button class="primary" type="submit" disabled={ui.loginBusy.value}>
          {ui.loginBusy.value ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
