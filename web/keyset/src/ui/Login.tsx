// The keyset's login: the shared form, bound to the keyset's login state.
import type { JSX } from 'preact';
import type { Keyset } from '../app/keyset.js';
import { ui } from '../app/state.js';
import { LoginForm } from './LoginForm.js';

export function Login({ keyset }: { keyset: Keyset }): JSX.Element {
  return <LoginForm subtitle="Voice loop keyset" busy={ui.loginBusy.value} error={ui.loginError.value} onLogin={(user, password) => keyset.login(user, password)} />;
}
