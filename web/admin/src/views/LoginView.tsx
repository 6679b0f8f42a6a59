// Login for domain and project administrators; everyone else is told plainly that they are not one.
import { useState } from 'preact/hooks';
import { login, loginError } from '../state/app.js';

export function LoginView() {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    await login(user.trim(), password);
    setBusy(false);
  };
  return (
    <main class="login-page">
      <form class="login-card" onSubmit={(e) => void submit(e)} data-testid="login-form">
        <div class="brand big">
          <span class="brand-mark" aria-hidden="true">◉</span> Loopcast <span class="brand-sub">Admin</span>
        </div>
        <p class="muted">Sign in with an administrator account of a domain or project.</p>
        <label class="field">
          <span class="field-label">User</span>
          <input name="user" data-testid="login-user" autoComplete="username" value={user} onInput={(e) => setUser(e.currentTarget.value)} required />
        </label>
        <label class="field">
          <span class="field-label">Password</span>
          <input name="password" data-testid="login-password" type="password" autoComplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
        </label>
        {loginError.value ? (
          <p class="form-error" role="alert" data-testid="login-error">
            {loginError.value}
          </p>
        ) : null}
        <button type="submit" class="primary" disabled={busy} data-testid="login-submit">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
