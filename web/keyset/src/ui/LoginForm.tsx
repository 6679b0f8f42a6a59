// The login form of the keyset and of the history page: Enter submits (a real <form>), errors announced
// to screen readers. State-free, so the history page does not load the keyset's state.
import type { JSX } from 'preact';
import { useRef } from 'preact/hooks';

export interface LoginFormProps {
  /** What the page is, under the brand ("Voice loop keyset"). */
  subtitle: string;
  busy: boolean;
  error: string;
  onLogin: (user: string, password: string) => void;
}

export function LoginForm(props: LoginFormProps): JSX.Element {
  const user = useRef<HTMLInputElement>(null);
  const password = useRef<HTMLInputElement>(null);
  const submit = (e: Event) => {
    e.preventDefault();
    props.onLogin(user.current?.value.trim() ?? '', password.current?.value ?? '');
  };
  return (
    <main class="center-page">
      <form class="card login" onSubmit={submit} aria-labelledby="login-title">
        <div class="brand-large">
          <img src="/icon.svg" alt="" width={44} height={44} />
          <div>
            <h1 id="login-title">Loopcast</h1>
            <p class="muted">{props.subtitle}</p>
          </div>
        </div>
        <label>
          User
          <input ref={user} name="user" autoComplete="username" autoFocus required disabled={props.busy} />
        </label>
        <label>
          Password
          <input ref={password} name="password" type="password" autoComplete="current-password" required disabled={props.busy} />
        </label>
        <p class="error" role="alert" aria-live="assertive">
          {props.error}
        </p>
        <button class="primary" type="submit" disabled={props.busy}>
          {props.busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
